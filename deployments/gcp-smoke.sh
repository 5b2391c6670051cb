#!/usr/bin/env bash
# `make gcp-smoke` (manual, never in tests): against a real Google Cloud project, run the start-up
# checks and one daily-pipeline date, then read back the published predictions.
# Needs application-default credentials (gcloud auth application-default login, or a service
# account) allowed to use the dataset and buckets, and the production settings:
#   NBA_PROPS_WAREHOUSE_URL=bigquery://PROJECT/DATASET
#   NBA_PROPS_RAW_STORE_URL=gs://BUCKET/raw      NBA_PROPS_EXPORTS_URL=gs://SITE_BUCKET/exports
#   NBA_PROPS_MLFLOW_TRACKING_URI=https://MLFLOW_HOST   (with a champion per market: nba-props train)
# Optional: SMOKE_DATE (default 2024-04-10, a bundled replay date with real lines),
#           NBA_PROPS_SOURCE (default replay: the bundled data, no Odds API calls).
set -euo pipefail
cd "$(dirname "$0")/.."
for name in NBA_PROPS_WAREHOUSE_URL NBA_PROPS_RAW_STORE_URL NBA_PROPS_EXPORTS_URL NBA_PROPS_MLFLOW_TRACKING_URI; do
  if [[ -z "${!name:-}" ]]; then
    echo "set $name (see deployments/README.md, 'Settings')" >&2
    exit 2
  fi
done
[[ "$NBA_PROPS_WAREHOUSE_URL" == bigquery://* ]] || { echo "NBA_PROPS_WAREHOUSE_URL is not bigquery://" >&2; exit 2; }
[[ "$NBA_PROPS_RAW_STORE_URL" == gs://* ]] || { echo "NBA_PROPS_RAW_STORE_URL is not gs://" >&2; exit 2; }
[[ "$NBA_PROPS_EXPORTS_URL" == gs://* ]] || { echo "NBA_PROPS_EXPORTS_URL is not gs://" >&2; exit 2; }
export NBA_PROPS_SOURCE="${NBA_PROPS_SOURCE:-replay}"
unset NO_GCE_CHECK  # (the Makefile sets it for tests) on a GCE VM, ADC comes from the metadata server
day="${SMOKE_DATE:-2024-04-10}"
py=.venv/bin/python

echo "== doctor"
.venv/bin/nba-props doctor
echo "== daily pipeline for $day (source=$NBA_PROPS_SOURCE)"
.venv/bin/nba-props run --date "$day"
echo "== published predictions"
"$py" - "$day" <<'PY'
import sys

from resources.export_store import export_store
from resources.settings import get_settings

day = sys.argv[1]
doc = export_store(get_settings()).read(f"predictions/{day}.json")
if not doc:
    sys.exit(f"predictions/{day}.json was not published")
print(f"predictions/{day}.json: {len(doc['players'])} players")
PY
echo "gcp smoke ok for $day"
