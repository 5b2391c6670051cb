#!/usr/bin/env bash
# Apply the production deployments (*-cloud-run in prefect.yaml) to the Prefect API in
# PREFECT_API_URL (+ PREFECT_API_KEY for Prefect Cloud): create or update the `cloud-run` work pool
# from deployments/cloud-run-v2-job-template.json, then deploy with this checkout's code version.
# Every {{ $VAR }} of the cloud-run deployments must be set here: an unset one would reach the
# job as the literal text.
set -euo pipefail
cd "$(dirname "$0")/.."
required=(
  PREFECT_API_URL NBA_PROPS_IMAGE NBA_PROPS_GCP_REGION NBA_PROPS_RUN_SERVICE_ACCOUNT
  NBA_PROPS_WAREHOUSE_URL NBA_PROPS_RAW_STORE_URL NBA_PROPS_EXPORTS_URL NBA_PROPS_MLFLOW_TRACKING_URI
)
for name in "${required[@]}"; do
  if [[ -z "${!name:-}" ]]; then
    echo "set $name (deployments/README.md, 'Settings')" >&2
    exit 2
  fi
done
export NBA_PROPS_CODE_VERSION="$(.venv/bin/python -c 'from resources.run_tags import code_version; print(code_version())')"
if [[ "$NBA_PROPS_IMAGE" != *"${NBA_PROPS_CODE_VERSION//+/-}"* ]]; then
  echo "warning: image $NBA_PROPS_IMAGE is not tagged with this checkout's version $NBA_PROPS_CODE_VERSION" >&2
fi
.venv/bin/prefect work-pool create cloud-run --type cloud-run-v2 \
  --base-job-template deployments/cloud-run-v2-job-template.json --overwrite
.venv/bin/prefect --no-prompt deploy \
  --name daily-cloud-run --name backfill-cloud-run --name heal-cloud-run --name live-cloud-run
