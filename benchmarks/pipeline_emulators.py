"""One date's daily pipeline on the emulated cloud stack beside DuckDB: wall seconds of each.

Run from the repository root: `python benchmarks/pipeline_emulators.py [--json OUT]`.
It does what tests/integration/test_pipeline_on_emulators.py does, timed: the 2023-24 season of the
bundled files imported into DuckDB before 2024-04-09 and copied into a BigQuery dataset on
bqemulator, one set of models fitted and registered in the local sqlite registry and on an MLflow
server (Postgres, served artifacts), then `daily_pipeline(2024-04-10)` once on DuckDB + local
files + sqlite MLflow and once on BigQuery + GCS (gcp-storage-emulator) + the MLflow server, under
a temporary Prefect API. The predictions of both runs are checked equal. Preparation steps are
timed separately; the pipeline seconds are one run each (a second run would be served from the
phase cache), split per phase from the run's status.json (the time each phase ended). The emulators run on this machine: their seconds say nothing about real BigQuery or
GCS latency, only what the cloud code path costs here beside the local one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder  # noqa: E402
from resources.telemetry import EPHEMERAL_API_STARTUP, TELEMETRY_OFF  # noqa: E402

DAY = date(2024, 4, 10)
IMPORT_BEFORE = date(2024, 4, 9)
BUCKET = "nba-props-bench"
DATASET = "bench"


def main() -> None:
    """Run both stacks once, print their seconds, write the result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    for key, value in {**TELEMETRY_OFF, **EPHEMERAL_API_STARTUP}.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    recorder = Recorder.start("pipeline_emulators")

    from prefect.testing.utilities import prefect_test_harness

    from tests.integration import pipeline_stack as stack
    from tests.integration.bigquery_emulator import running_emulator
    from tests.integration.gcp_fixtures import (
        run_gcs_emulator,
        run_token_server,
        running_mlflow_server,
        running_postgres,
        write_service_account,
    )

    with tempfile.TemporaryDirectory(prefix="pipeline-emulators-") as tmp:
        root = Path(tmp)
        (root / "mlflow").mkdir()
        with (
            running_emulator(root / "bqemulator.log") as bigquery_host,
            run_gcs_emulator(BUCKET, root / "gcs.log") as gcs_url,
            run_token_server() as tokens,
            running_postgres(root / "pg") as postgres,
            running_mlflow_server(postgres, root / "mlflow") as (mlflow_url, _artifacts),
            prefect_test_harness(server_startup_timeout=120),
        ):
            key_file = write_service_account(root / "sa.json", tokens.url)
            cloud = {
                **stack.cloud_stack(root / "cloud", root / "data", DATASET, BUCKET, mlflow_url),
                "BIGQUERY_EMULATOR_HOST": bigquery_host,
                "STORAGE_EMULATOR_HOST": gcs_url,
                "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
            }
            with stack.environment({"BIGQUERY_EMULATOR_HOST": bigquery_host}):
                runs = stack.run_both_stacks(root, cloud, DAY, IMPORT_BEFORE)
    differences = stack.differences(runs.local.predictions, runs.cloud.predictions)
    if differences:
        raise SystemExit(f"the stacks predicted differently: {differences}")
    rows = len(runs.local.predictions)
    print("| stack | daily pipeline seconds (one date) |")
    print("|---|---|")
    print(f"| DuckDB + local files + sqlite MLflow | {runs.local.seconds:.1f} |")
    print(f"| BigQuery + GCS (emulators) + MLflow server | {runs.cloud.seconds:.1f} |")
    print(f"phases, DuckDB: {runs.local.phases}")
    print(f"phases, emulators: {runs.cloud.phases}")
    print(f"preparation seconds: {runs.steps}; {rows} prediction rows equal on both stacks")
    recorder.write(
        args.json,
        2,
        "daily-pipeline runs (one per stack)",
        (DAY.isoformat(), DAY.isoformat()),
        {
            "game_date": DAY.isoformat(),
            "pipelines": [
                {
                    "stack": "DuckDB + local files + sqlite MLflow",
                    "seconds": round(runs.local.seconds, 1),
                    "phase_seconds": runs.local.phases,
                },
                {
                    "stack": "BigQuery (bqemulator) + GCS (gcp-storage-emulator) + MLflow server",
                    "seconds": round(runs.cloud.seconds, 1),
                    "phase_seconds": runs.cloud.phases,
                },
            ],
            "prediction_rows": rows,
            "predictions_equal": True,
            "preparation_seconds": runs.steps,
        },
    )


if __name__ == "__main__":
    main()
