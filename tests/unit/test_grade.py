"""Grading through the warehouse: real box scores of 2024-04-10, regrading after a stat correction,
system_daily_performance per date, the results export, and edge cases of models/grading.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from contracts.exports import validate_export
from models.grading import grade_predictions
from resources import warehouse
from resources.settings import Settings, get_settings
from tasks.export import export_results
from tasks.grade import grade
from tests.unit import phx_lac_2024_04_10 as game

DAY = date(2024, 4, 10)
NEXT_MORNING = pd.Timestamp("2024-04-11T12:00:00Z")


def real_day(settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bundled raw schedule and raw player box scores of 2024-04-10 (eight games)."""
    from resources.sources.replay import load_replay_data

    data = load_replay_data(str(settings.data_dir))
    schedule = data.schedule[data.schedule["game_date"] == pd.Timestamp(DAY)]
    box = data.player_boxscores[data.player_boxscores["game_id"].isin(schedule["game_id"])]
    return schedule.drop(columns="tipoff_known").reset_index(drop=True), box.reset_index(drop=True)


@pytest.fixture
def graded_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A warehouse with the real schedule and box scores of the day and two systems' predictions."""
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
    monkeypatch.setenv("NBA_PROPS_CLOCK", NEXT_MORNING.isoformat())
    settings = get_settings()
    url = settings.resolved_warehouse_url
    schedule, box = real_day(settings)
    stamp = [pd.Timestamp(DAY)]
    warehouse.replace_partition(url, "raw_schedule", schedule, "game_date", stamp)
    warehouse.replace_partition(url, "raw_player_boxscores", box, "game_date", stamp)
    predictions = pd.concat(
        [game.predictions(), game.predictions("baseline_ewma")], ignore_index=True
    )
    warehouse.replace_partition(url, "player_prop_predictions", predictions, "game_date", stamp)
    yield settings
    warehouse.dispose_engines()


def _grade(grades: pd.DataFrame, player_id: str, market: str, system: str = "ensemble") -> str:
    row = grades[
        (grades["player_id"] == player_id)
        & (grades["market"] == market)
        & (grades["system_id"] == system)
    ]
    assert len(row) == 1
    return str(row.iloc[0]["result"])


def _stored(settings: Settings, table: str) -> pd.DataFrame:
    return warehouse.read_table(settings.resolved_warehouse_url, table)


def test_grades_and_daily_performance_stored_on_real_box_scores(graded_home: Settings) -> None:
    grade.fn([DAY])
    grades = _stored(graded_home, "prediction_grades")
    assert len(grades) == 20  # 10 calls with lines x 2 systems
    assert _grade(grades, "1626164", "points") == "win"  # Booker 37 over 26.5
    assert _grade(grades, "202331", "points") == "void"  # George rested: team played
    perf = _stored(graded_home, "system_daily_performance")
    assert set(perf["system_id"]) == {"ensemble", "baseline_ewma"}
    assert not perf.duplicated(["game_date", "system_id", "market"]).any()
    pts = perf[(perf["system_id"] == "ensemble") & (perf["market"] == "points")].iloc[0]
    # KD UNDER 24.5 (24), Booker OVER 26.5 (37), Beal OVER 16.5 (26), Nurkic UNDER 9.5 (3): wins;
    # George void; Mann NO_LINE. MAE over every prediction with a real actual: Mann 9 vs 3 counts.
    assert (pts["n_predictions"], pts["n_bets"], pts["wins"], pts["losses"], pts["voids"]) == (
        6,
        5,
        4,
        0,
        1,
    )
    assert pts["mae"] == pytest.approx((2.1 + 8.1 + 7.6 + 5.0 + 6.0) / 5)
    assert pts["hit_rate"] == 1.0


def test_stat_correction_regrades_and_replaces(graded_home: Settings) -> None:
    url = graded_home.resolved_warehouse_url
    grade.fn([DAY])
    before = _stored(graded_home, "prediction_grades")
    box = warehouse.read_table(url, "raw_player_boxscores")
    booker = box["player_id"] == "1626164"
    assert box.loc[booker, "pts"].item() == 37
    corrected = box.assign(pts=box["pts"].astype(float).mask(booker, 20.0))
    warehouse.replace_partition(
        url, "raw_player_boxscores", corrected, "game_date", [pd.Timestamp(DAY)]
    )
    grade.fn([DAY])
    after = _stored(graded_home, "prediction_grades")
    assert len(after) == len(before)
    assert not after.duplicated(["game_date", "player_id", "market", "system_id"]).any()
    assert _grade(after, "1626164", "points") == "loss"  # 20 under the 26.5 he was OVER on
    assert _grade(after, "1626164", "points", "baseline_ewma") == "loss"
    perf = _stored(graded_home, "system_daily_performance")
    pts = perf[(perf["system_id"] == "ensemble") & (perf["market"] == "points")].iloc[0]
    assert (pts["wins"], pts["losses"]) == (3, 1)
    assert len(perf) == len(perf.drop_duplicates(["game_date", "system_id", "market"]))


def test_results_export_has_picks_and_every_systems_summary(graded_home: Settings) -> None:
    grade.fn([DAY])
    path = export_results.fn(DAY)
    doc = json.loads(Path(path).read_text())
    validate_export("results", doc)
    assert {s["system_id"] for s in doc["systems"]} == {"baseline_ewma", "ensemble"}
    assert doc["record"]["text"] == "6-1-1-2"
    assert len(doc["picks"]) == 10 and {p["system_id"] for p in doc["picks"]} == {"ensemble"}


def test_regrading_a_date_with_no_predictions_left_empties_its_grades(
    graded_home: Settings,
) -> None:
    url = graded_home.resolved_warehouse_url
    grade.fn([DAY])
    warehouse.replace_partition(
        url, "player_prop_predictions", pd.DataFrame(), "game_date", [pd.Timestamp(DAY)]
    )
    assert grade.fn([DAY])["grades"] == 0
    assert _stored(graded_home, "prediction_grades").empty
    assert _stored(graded_home, "system_daily_performance").empty


# ---------------------------------------------------------------- edge cases (pure)


def test_under_push_on_whole_number_line_returns_the_stake() -> None:
    preds = game.predictions()
    kd = (preds["player_id"] == "201142") & (preds["market"] == "points")
    preds.loc[kd, "line"] = 24.0  # Durant scored exactly 24
    grades = grade_predictions(preds, game.box_scores(), game.schedule(), NEXT_MORNING)
    row = grades[(grades["player_id"] == "201142") & (grades["market"] == "points")].iloc[0]
    assert (row["result"], row["profit"], row["actual"]) == ("push", 0.0, 24.0)


def test_zero_minute_box_row_is_graded_not_voided() -> None:
    box = game.box_scores()
    mann = box["player_id"] == "1629611"
    box.loc[mann, ["minutes", "points", "rebounds", "assists", "threes", "pra"]] = 0.0
    preds = game.predictions()
    mann_pred = preds["player_id"] == "1629611"
    preds.loc[mann_pred, ["line", "over_price", "under_price", "recommendation"]] = [
        2.5,
        -110.0,
        -110.0,
        "OVER",
    ]
    grades = grade_predictions(preds, box, game.schedule(), NEXT_MORNING)
    row = grades[grades["player_id"] == "1629611"].iloc[0]
    assert (row["result"], row["actual"], row["profit"]) == ("loss", 0.0, -1.0)


def test_a_call_before_the_game_can_have_ended_is_not_graded_yet() -> None:
    tipoff_plus_one_hour = game.TIPOFF + pd.Timedelta(hours=1)
    box = game.box_scores().iloc[0:0]
    grades = grade_predictions(game.predictions(), box, game.schedule(), tipoff_plus_one_hour)
    assert grades.empty


def test_grade_command_regrades_and_rewrites_the_results(
    graded_home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    monkeypatch.setenv("PREFECT_HOME", str(graded_home.home_dir / "prefect"))
    warehouse.dispose_engines()
    result = CliRunner().invoke(app, ["grade", "--date", "2024-04-10"])
    assert result.exit_code == 0, result.output
    first, path = result.output.strip().splitlines()
    assert first == "2024-04-10: 20 grades; ensemble win=6 loss=1 push=1 void=2"
    assert json.loads(Path(path).read_text())["record"]["text"] == "6-1-1-2"
