# nba-props: one image for the Cloud Run flow-run jobs and the MLflow server.
# Build (see deployments/README.md):
#   docker build --build-arg CODE_VERSION="$(.venv/bin/python -c 'from resources.run_tags import code_version; print(code_version())')" -t IMAGE .
# BASE_IMAGE must be Debian-like with Python 3.11 or 3.12 (python3, venv) at the same path in
# both stages: python:3.11-slim-bookworm, or a local bookworm image built with debootstrap.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG UV_VERSION=0.13.8
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/uv \
    && /opt/uv/bin/pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first (their layer is reused while only the code changes), exactly as locked.
COPY pyproject.toml uv.lock README.md ./
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --python "$(command -v python3)"
COPY contracts/ contracts/
COPY features/ features/
COPY models/ models/
COPY resources/ resources/
COPY tasks/ tasks/
COPY flows/ flows/
RUN /opt/uv/bin/uv sync --frozen --no-dev --python "$(command -v python3)"

FROM ${BASE_IMAGE} AS runtime
# LightGBM needs the GNU OpenMP runtime; nothing else comes from apt.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 app \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin app
WORKDIR /app
# Code, venv and data stay owned by root: the app user can run them, not change them.
COPY --from=build /app /app
COPY prefect.yaml MLproject python_env.yaml ./
COPY deployments/ deployments/
COPY data/ data/
# The code version is baked in at build time (the image has no .git): resources/run_tags.py
# reads it, deployments carry it, `nba-props doctor` compares them.
ARG CODE_VERSION=unknown
ENV NBA_PROPS_CODE_VERSION=${CODE_VERSION} \
    NBA_PROPS_REPO_DIR=/app \
    NBA_PROPS_HOME=/tmp/nba-props \
    PREFECT_HOME=/tmp/nba-props/prefect \
    PATH=/app/.venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=true \
    MLFLOW_DISABLE_TELEMETRY=true
LABEL org.opencontainers.image.title="nba-props" \
      org.opencontainers.image.version="${CODE_VERSION}"
USER 10001:10001
# Cloud Run jobs get their command from the work pool (`prefect flow-run execute`).
CMD ["nba-props", "--help"]
