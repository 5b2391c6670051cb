"""The morning run and the pre-tip refresh of one date on the bundled real data (replay clocks).

2024-04-11: as of 10:00 US-Eastern the replay holds the injury report of 04-10 5 pm (the games of
the 11th it covers) and no prop line yet (the data's lines were captured from 14:00); as of 17:40
it also holds the 04-11 5 pm report and the afternoon lines. Point in time: re-running the morning
with all of that in the warehouse leaves the morning's predictions as they were.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from features.availability import REPORT_FEATURES
from resources.settings import get_settings
from resources.warehouse import Warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")

DAY = date(2024, 4, 11)
KEY = ["player_id", "market"]


def _predictions(wh: Warehouse) -> pd.DataFrame:
    rows = wh.read_dates("player_prop_predictions", [DAY], system_id="ensemble")
    cols = [*KEY, "line", "predicted_mean", "p_over", "recommendation"]
    return rows[cols].sort_values(KEY).reset_index(drop=True)


def _report_features(wh: Warehouse) -> pd.DataFrame:
    rows = wh.read_dates("ml_feature_store", [DAY])
    return rows[[*KEY, *REPORT_FEATURES]].sort_values(KEY).reset_index(drop=True)


def _best_bets(settings_exports: str) -> list[dict[str, object]]:
    path = Path(settings_exports) / "best-bets" / f"{DAY}.json"
    picks: list[dict[str, object]] = json.loads(path.read_text())["picks"]
    return picks


def test_pre_tip_refresh_uses_the_5pm_report_the_morning_never_does(state_home: Path) -> None:
    from flows.daily import daily_pipeline
    from tasks.availability import explain_availability

    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    once = daily_pipeline.with_options(retries=0)

    morning = once(game_date=DAY, same_day=True, replay_time="10:00")
    morning_as_of = pd.Timestamp(str(morning["as_of"]))
    assert morning_as_of == pd.Timestamp("2024-04-11 14:00", tz="UTC")
    morning_predictions, morning_features = _predictions(wh), _report_features(wh)
    assert morning_predictions["line"].isna().all()  # no line captured before 10 am
    reports = wh.read_dates("raw_injury_report", [DAY])
    assert len(reports) and (reports["report_time"] < morning_as_of).all()

    pre_tip = once(game_date=DAY, same_day=True, replay_time="17:40")
    pre_tip_as_of = pd.Timestamp(str(pre_tip["as_of"]))
    reports = wh.read_dates("raw_injury_report", [DAY])
    later = reports[reports["report_time"] >= morning_as_of]
    assert len(later) and (later["report_time"] < pre_tip_as_of).all()  # the 5 pm report
    assert pre_tip["ingest"]["injury_report"]["rows_loaded"] == len(reports)
    pre_tip_predictions = _predictions(wh)
    assert pre_tip_predictions["line"].notna().sum() > 50
    assert not morning_features.equals(_report_features(wh))
    picks = _best_bets(settings.resolved_exports)

    # The 5 pm report moved pre-tip predictions: a teammate listed Out or Doubtful only after the
    # morning as-of time, re-predicted as if listed Available, changes a published mean.
    explained = explain_availability.fn(DAY, "points", pre_tip_as_of)
    assert explained["published_matches_stored"]
    absent_late = set(
        later.loc[later["status"].isin(["Out", "Doubtful"]), "player_id"].astype(str)
    ) - set(reports.loc[reports["report_time"] < morning_as_of, "player_id"].astype(str))
    everyone = pd.DataFrame(explained["all_moves"])
    late_moves = everyone[everyone["scenario"].isin(absent_late)]
    assert (late_moves["move"].abs() > 0.01).any()
    chosen = explain_availability.fn(DAY, "points", pre_tip_as_of, explained["player_id"])
    assert chosen["line"] == explained["line"]

    # Point in time: the morning again, with the 5 pm report and the afternoon lines now in the
    # warehouse, predicts exactly what it did; best bets published by the pre-tip run stay locked.
    once(game_date=DAY, same_day=True, replay_time="10:00", refresh=True)
    pd.testing.assert_frame_equal(morning_predictions, _predictions(wh))
    pd.testing.assert_frame_equal(morning_features, _report_features(wh))
    assert _best_bets(settings.resolved_exports) == picks
