"""The live-export flow on the prepared state (replay: simulated from the real final box scores),
and the coverage monitor's alert path as a task run under the Prefect test harness.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest

from contracts.exports import validate_export
from resources import warehouse
from resources.settings import get_settings
from tests.conftest import DEMO_DAY

pytestmark = pytest.mark.usefixtures("prefect_harness")

# 01:00 UTC on the 11th: the 19:10 ET games are in progress, the 22:10 and 22:40 ET games not yet.
AT = "2024-04-11T01:00:00Z"
QUIET_DAY = date(2024, 1, 15)  # a real game date no other test runs the pipeline for


@pytest.fixture(scope="module")
def live_run(state_home: Path) -> dict[str, Any]:
    from flows.live_export import live_export

    return live_export(game_date=DEMO_DAY, at=AT)


def test_live_export_writes_both_documents(live_run: dict[str, Any]) -> None:
    assert live_run["simulated"] is True and live_run["as_of"] == AT
    scores = json.loads(Path(live_run["live"]).read_text())
    grading = json.loads(Path(live_run["live_grading"]).read_text())
    validate_export("live", scores)
    validate_export("live_grading", grading)
    assert Path(live_run["live"]) == Path(get_settings().resolved_exports) / "live/2024-04-10.json"
    statuses = {g["game_id"]: g["game_status"] for g in scores["games"]}
    assert len(statuses) == 8 and set(statuses.values()) == {1, 2}
    assert statuses["0022301165"] == 1  # PHX @ LAC tips at 02:40 UTC
    in_progress = [g for g in scores["games"] if g["game_status"] == 2]
    assert all(g["home_score"] + g["away_score"] > 0 for g in in_progress)


def test_live_grading_covers_every_ensemble_call(live_run: dict[str, Any]) -> None:
    url = get_settings().resolved_warehouse_url
    preds = warehouse.read_table(
        url,
        "player_prop_predictions",
        "game_date = :d AND system_id = 'ensemble'",
        {"d": pd.Timestamp(DEMO_DAY).to_pydatetime()},
    )
    calls = (
        preds[preds["recommendation"].isin(["OVER", "UNDER"]) & preds["line"].notna()]
        if len(preds)
        else preds
    )
    grading = json.loads(Path(live_run["live_grading"]).read_text())
    assert len(grading["picks"]) == len(calls)
    assert sum(grading["summary"].values()) == len(calls)
    assert all(p["status"] != "final" for p in grading["picks"])


@pytest.fixture
def low_coverage(state_home: Path) -> Iterator[str]:
    """Coverage rows of QUIET_DAY with one table far below the threshold (restored afterwards)."""
    url = get_settings().resolved_warehouse_url
    stamp = [pd.Timestamp(QUIET_DAY)]
    kept = warehouse.read_table(url, "coverage", "game_date = :d", {"d": stamp[0].to_pydatetime()})
    rows = pd.DataFrame(
        {
            "game_date": stamp[0],
            "table_name": ["player_daily_cache", "ml_feature_store"],
            "expected": [200, 200],
            "actual": [200, 44],
            "ratio": [1.0, 0.22],
        }
    )
    warehouse.replace_partition(url, "coverage", rows, "game_date", stamp)
    yield url
    warehouse.replace_partition(url, "coverage", kept, "game_date", stamp)


def test_low_coverage_alerts_with_an_artifact_and_an_mlflow_run(low_coverage: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from tasks.monitor import monitor_coverage

    result = monitor_coverage(QUIET_DAY)
    assert result["alert"] is True
    assert result["day_tables_below_threshold"] == ["ml_feature_store"]
    assert Path(result["coverage_report"]).exists()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["coverage-alert", "coverage-report"])
            )
        )
    alert = [a for a in artifacts if a.key == "coverage-alert"]
    assert alert and "ml_feature_store | 200 | 44" in str(alert[-1].data)
    assert any(a.key == "coverage-report" for a in artifacts)
    run = mlflow.get_run(result["mlflow_run_id"])
    assert run.data.tags["kind"] == "coverage" and run.data.tags["game_date"] == "2024-01-15"
    assert run.data.metrics["coverage_day_min_ratio"] == pytest.approx(0.22)
