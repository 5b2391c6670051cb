"""Caching by data version: an unchanged re-run is Cached, a changed input re-runs exactly the
phases that read it, a deleted or rewritten output is written again (never a stale cache hit).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from resources.settings import get_settings
from resources.warehouse import Warehouse
from tests.conftest import DEMO_DAY, FIRST_DAY

pytestmark = pytest.mark.usefixtures("prefect_harness")

CACHED_PHASES = (
    "build-features",
    "predict",
    "grade",
    "export",
    "monitor-drift",
    "monitor-coverage",
    "monitor-performance",
)


def _run(**kwargs: Any) -> dict[str, str]:
    """One daily-pipeline run; task name -> final state name (Completed, Cached, ...)."""
    from flows.daily import daily_pipeline

    once = daily_pipeline.with_options(retries=0)
    state = once(game_date=DEMO_DAY, same_day=False, return_state=True, **kwargs)
    assert state.is_completed(), state.message
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {r.name.rsplit("-", 1)[0]: r.state.name for r in runs if r.state is not None}


def _cached(states: dict[str, str]) -> set[str]:
    return {name for name in CACHED_PHASES if states.get(name) == "Cached"}


def _predictions(wh: Warehouse) -> pd.DataFrame:
    frame = wh.read_dates("player_prop_predictions", [DEMO_DAY])
    return frame.sort_values(["player_id", "market", "system_id"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def warm(state_home: Path) -> Iterator[Warehouse]:
    """FIRST_DAY predicted (same day), then DEMO_DAY run once: every phase has run and recorded.

    After tests/flow/test_daily_pipeline.py (same session) both come back from the cache.
    """
    from flows.daily import daily_pipeline

    daily_pipeline.with_options(retries=0)(game_date=FIRST_DAY, same_day=True)
    _run()
    yield Warehouse.from_settings(get_settings())


def test_unchanged_rerun_is_cached(warm: Warehouse) -> None:
    before = _predictions(warm)
    states = _run()
    assert _cached(states) == set(CACHED_PHASES), states
    assert states["ingest"] == "Completed"  # sources are never cached: lines move
    pd.testing.assert_frame_equal(_predictions(warm), before)


def test_stat_correction_reruns_exactly_the_dependent_phases_and_reverting_is_not_stale(
    warm: Warehouse,
) -> None:
    # A correction to a game two days before the target: the target's features (history) and
    # everything after them change; yesterday's grades read nothing of that game. (Yesterday's
    # results and today's lines are re-ingested by every run, so they cannot be edited here.)
    old_day = warm.distinct_dates("raw_player_boxscores", end=FIRST_DAY - timedelta(days=1))[-1]
    box = warm.read_dates("raw_player_boxscores", [old_day])
    before = _predictions(warm)
    corrected = box.copy()
    star = corrected["minutes"].astype(float).idxmax()
    corrected.loc[star, "ast"] = float(corrected.loc[star, "ast"]) + 5  # points need the shots
    try:
        warm.replace_dates("raw_player_boxscores", corrected, [old_day])
        states = _run()
        assert {"build-features", "predict", "export"}.isdisjoint(_cached(states)), states
        assert states["grade"] == "Cached" and states["monitor-performance"] == "Cached", states
    finally:
        warm.replace_dates("raw_player_boxscores", box, [old_day])
    states = _run()
    # Same inputs as the warm run, but the outputs held are the corrected run's: run again.
    assert {"build-features", "predict"}.isdisjoint(_cached(states)), states
    pd.testing.assert_frame_equal(_predictions(warm), before)


def test_deleted_grades_are_written_again(warm: Warehouse) -> None:
    rows = len(warm.read_dates("prediction_grades", [FIRST_DAY]))
    warm.replace_dates("prediction_grades", pd.DataFrame(), [FIRST_DAY])
    states = _run()
    assert states["grade"] == "Completed", states
    assert len(warm.read_dates("prediction_grades", [FIRST_DAY])) == rows


def test_deleted_partition_is_written_again(warm: Warehouse) -> None:
    rows = len(warm.read_dates("ml_feature_store", [DEMO_DAY]))
    warm.replace_dates("ml_feature_store", pd.DataFrame(), [DEMO_DAY])
    states = _run()
    assert states["build-features"] == "Completed", states
    assert len(warm.read_dates("ml_feature_store", [DEMO_DAY])) == rows
