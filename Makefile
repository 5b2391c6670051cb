# nba-props — `make help` lists the targets. Every target bootstraps its own environment with uv.
SHELL := /bin/bash
UV_VERSION := 0.13.8
BOOT := .uvenv
UV := $(BOOT)/bin/uv
PY := .venv/bin/python
export NBA_PROPS_HOME ?= $(CURDIR)/var
export PREFECT_HOME ?= $(NBA_PROPS_HOME)/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := true
export MLFLOW_DISABLE_TELEMETRY := true
export NO_GCE_CHECK := true
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export PREFECT_API_URL ?= http://127.0.0.1:4200/api

.PHONY: help env demo check test lint typecheck serve clean benchmarks container gcp-smoke

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(BOOT)
	$(BOOT)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

env: $(UV) ## Create .venv from pyproject.toml + uv.lock (exact versions)
	$(UV) sync --frozen --quiet
	@mkdir -p "$(PREFECT_HOME)"

demo: env ## Run the daily pipeline end to end on the bundled real data (DuckDB, MLflow, Prefect)
	env -u PREFECT_API_URL $(PY) -m flows.cli demo

lint: env ## ruff, hadolint (Dockerfile)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/hadolint Dockerfile

typecheck: env ## mypy (strict on contracts/, features/, models/)
	.venv/bin/mypy contracts features models resources tasks flows

check: env lint typecheck ## The fast tier for the inner loop (< 2 min): ruff, hadolint, mypy, unit tests
	env -u PREFECT_API_URL .venv/bin/pytest -q -n 2 tests/unit -m "not slow and not integration and not reliability"

test: env lint typecheck ## ruff, mypy, then the whole pytest suite
	env -u PREFECT_API_URL .venv/bin/pytest -q -n 2 --durations=15

serve: env ## Prefect server + worker + deployments, and the MLflow UI (Ctrl-C stops all)
	bash deployments/serve.sh

benchmarks: env ## Run the benchmarks (pass DATA=path to the full data) and update BENCHMARKS.md
	env -u PREFECT_API_URL $(PY) benchmarks/run_all.py --data $${DATA:-../shared/data}

container: env ## Optional, needs docker: build the image, run --help and one export in it (BASE_IMAGE=, IMAGE=)
	bash deployments/container-check.sh

gcp-smoke: env ## Manual, needs a real GCP project: doctor + one daily-pipeline date (deployments/README.md)
	env -u PREFECT_API_URL bash deployments/gcp-smoke.sh

clean: ## Delete all local state (var/)
	rm -rf var
