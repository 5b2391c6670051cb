#!/usr/bin/env bash
# The shared MLflow tracking server: runs and the model registry in Postgres, artifacts proxied by
# the server (--serve-artifacts) to a gs:// bucket (or a local folder in tests). Clients only need
# the server's URL: experiments get the server's artifact root (mlflow-artifacts:/), so a model
# registered from one container loads by alias in any other.
#
# Environment:
#   MLFLOW_BACKEND_STORE_URI      required, e.g. postgresql+psycopg2://mlflow:PASS@/mlflow?host=/cloudsql/PROJECT:REGION:INSTANCE
#   MLFLOW_ARTIFACTS_DESTINATION  required, e.g. gs://BUCKET/mlartifacts (the server's own credentials write there)
#   MLFLOW_HOST                   default 0.0.0.0
#   PORT                          default 5000 (Cloud Run sets it)
#   MLFLOW_ALLOWED_HOSTS          Host headers accepted, e.g. '*.run.app' (default: MLflow's, localhost + private IPs)
#   MLFLOW_BIN                    default: the mlflow of this checkout's (or image's) .venv
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
: "${MLFLOW_BACKEND_STORE_URI:?set MLFLOW_BACKEND_STORE_URI (postgresql+psycopg2://...)}"
: "${MLFLOW_ARTIFACTS_DESTINATION:?set MLFLOW_ARTIFACTS_DESTINATION (gs://bucket/prefix)}"
mlflow_bin="${MLFLOW_BIN:-$here/.venv/bin/mlflow}"

# The job runner needs a Huey consumer we do not run; telemetry stays off.
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true

args=(
  server
  --host "${MLFLOW_HOST:-0.0.0.0}"
  --port "${PORT:-5000}"
  --workers 1
  --backend-store-uri "$MLFLOW_BACKEND_STORE_URI"
  --serve-artifacts
  --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION"
)
if [[ -n "${MLFLOW_ALLOWED_HOSTS:-}" ]]; then
  args+=(--allowed-hosts "$MLFLOW_ALLOWED_HOSTS")
fi
exec "$mlflow_bin" "${args[@]}"
