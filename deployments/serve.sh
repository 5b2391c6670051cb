#!/usr/bin/env bash
# Local serving: Prefect server (own PREFECT_HOME under the state dir), the deployments of
# prefect.yaml on a local process work pool, a worker, and the MLflow UI. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export NBA_PROPS_HOME="${NBA_PROPS_HOME:-$PWD/var}"
export PREFECT_HOME="${PREFECT_HOME:-$NBA_PROPS_HOME/prefect}"
export PREFECT_API_URL="http://127.0.0.1:4200/api"
export NBA_PROPS_REPO_DIR="$PWD"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=true MLFLOW_DISABLE_TELEMETRY=true NO_GCE_CHECK=true
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
mkdir -p "$PREFECT_HOME"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/prefect server start --host 127.0.0.1 --port 4200 >"$NBA_PROPS_HOME/prefect-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fsS "$PREFECT_API_URL/health" >/dev/null 2>&1 && break
  sleep 0.5
done
.venv/bin/prefect work-pool create local-process --type process --overwrite >/dev/null
# The production deployments of prefect.yaml target this pool; locally it has no worker.
.venv/bin/prefect work-pool create cloud-run --type cloud-run-v2 \
  --base-job-template deployments/cloud-run-v2-job-template.json --overwrite >/dev/null
# Deployments carry the code's version ({package}+{git commit}); `nba-props doctor` compares them.
# (prefect.yaml reads it as {{ $NBA_PROPS_CODE_VERSION }}; `deploy --all` ignores --version).
export NBA_PROPS_CODE_VERSION="$(.venv/bin/python -c 'from resources.run_tags import code_version; print(code_version())')"
.venv/bin/prefect --no-prompt deploy --all
# Zombie detection (deployments/automations.yaml), created once per server.
.venv/bin/prefect automation inspect "nba-props: crash zombie flow runs" >/dev/null 2>&1 \
  || .venv/bin/prefect automation create --from-file deployments/automations.yaml >/dev/null
.venv/bin/prefect worker start --pool local-process >"$NBA_PROPS_HOME/prefect-worker.log" 2>&1 &
pids+=($!)
.venv/bin/mlflow server --host 127.0.0.1 --port 5000 --workers 1 \
  --backend-store-uri "sqlite:///$NBA_PROPS_HOME/mlflow.db" \
  --artifacts-destination "$NBA_PROPS_HOME/mlartifacts" >"$NBA_PROPS_HOME/mlflow.log" 2>&1 &
pids+=($!)
echo "Prefect UI: http://127.0.0.1:4200   MLflow UI: http://127.0.0.1:5000"
echo "Run: PREFECT_API_URL=$PREFECT_API_URL .venv/bin/prefect deployment run daily-pipeline/daily --param same_day=true --param game_date=2024-04-10"
echo "Ctrl-C stops everything. Logs: $NBA_PROPS_HOME/*.log"
wait
