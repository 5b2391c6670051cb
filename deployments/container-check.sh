#!/usr/bin/env bash
# `make container` (optional, not part of `make test`): build the image with docker, then inside it
# run `nba-props --help`, check the baked-in code version, and write one real export (the live
# export of a bundled replay date) as the non-root user.
#   BASE_IMAGE  base of both stages (default python:3.11-slim-bookworm; see deployments/README.md
#               for a bookworm image built offline with debootstrap)
#   IMAGE       tag to build (default nba-props:{code version})
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v docker >/dev/null 2>&1; then
  echo "docker not found: install a container engine (Debian: apt-get install docker.io) and start it" >&2
  exit 2
fi
version="$(.venv/bin/python -c 'from resources.run_tags import code_version; print(code_version())')"
image="${IMAGE:-nba-props:${version//+/-}}"  # a docker tag cannot hold '+'
docker build \
  --build-arg BASE_IMAGE="${BASE_IMAGE:-python:3.11-slim-bookworm}" \
  --build-arg CODE_VERSION="$version" \
  -t "$image" .
docker run --rm "$image" nba-props --help >/dev/null
baked="$(docker run --rm "$image" python -c 'from resources.run_tags import code_version; print(code_version())')"
if [[ "$baked" != "$version" ]]; then
  echo "image reports code version $baked, built from $version" >&2
  exit 1
fi
docker run --rm "$image" sh -c \
  'nba-props live --date 2024-04-10 --at 2024-04-11T02:30:00 >/dev/null \
   && test -s "$NBA_PROPS_HOME/exports/live/2024-04-10.json" \
   && test "$(id -u)" != 0'
echo "container ok: $image ($version)"
