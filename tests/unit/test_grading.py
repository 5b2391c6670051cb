"""Grading: push, voids with reasons, traded players, missing prices, idempotence, daily performance."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from contracts.predictions import PredictionGrades
from models.grading import GRADE_COLUMNS, daily_performance, evaluation_frame, grade_predictions
from tests.unit import phx_lac_2024_04_10 as game

NEXT_MORNING = pd.Timestamp("2024-04-11T12:00:00Z")


def _grades() -> pd.DataFrame:
    return grade_predictions(game.predictions(), game.box_scores(), game.schedule(), NEXT_MORNING)


def _row(grades: pd.DataFrame, player_id: str, market: str) -> pd.Series:
    hit = grades[(grades["player_id"] == player_id) & (grades["market"] == market)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_grades_keep_the_contract_and_only_calls_with_lines() -> None:
    grades = _grades()
    PredictionGrades.validate(grades)
    assert list(grades.columns) == GRADE_COLUMNS
    # PASS (Booker rebounds) and NO_LINE (Mann) are not graded.
    assert len(grades) == 10
    assert set(grades["recommendation"]) <= {"OVER", "UNDER"}


def test_win_loss_and_profit_at_the_price_of_the_side() -> None:
    grades = _grades()
    booker = _row(grades, "1626164", "points")  # OVER 26.5 at -115, scored 37
    assert (booker["result"], booker["actual"], booker["price"]) == ("win", 37.0, -115.0)
    assert booker["profit"] == pytest.approx(100 / 115)
    beal = _row(grades, "203078", "points")  # OVER 16.5 at +100, scored 26
    assert beal["profit"] == pytest.approx(1.0)
    kd = _row(grades, "201142", "points")  # UNDER 24.5 at -105, scored 24
    assert (kd["result"], kd["price"]) == ("win", -105.0)
    nurk = _row(grades, "203994", "points")  # UNDER 9.5 at +105, scored 3
    assert nurk["profit"] == pytest.approx(1.05)
    kd_pra = _row(grades, "201142", "pra")  # OVER 35.5, PRA 36
    assert kd_pra["actual"] == 36.0 and kd_pra["result"] == "win"


def test_push_on_whole_number_line() -> None:
    push = _row(_grades(), "1626164", "assists")  # UNDER 4.0, had 4 assists
    assert (push["result"], push["profit"]) == ("push", 0.0)


def test_rested_players_with_lines_are_void_did_not_play() -> None:
    grades = _grades()
    for pid, market in [("202331", "points"), ("201935", "assists")]:
        row = _row(grades, pid, market)
        assert row["result"] == "void"
        assert row["void_reason"] == "did_not_play"
        assert math.isnan(row["actual"]) and row["profit"] == 0.0


def test_late_scratch_line_exists_team_played() -> None:
    preds = game.predictions()
    # Durant scratched: remove his box row; his team played.
    box = game.box_scores()
    box = box[box["player_id"] != "201142"]
    grades = grade_predictions(preds, box, game.schedule(), NEXT_MORNING)
    kd = grades[grades["player_id"] == "201142"]
    assert set(kd["result"]) == {"void"} and set(kd["void_reason"]) == {"did_not_play"}


def test_traded_player_graded_by_player_id_not_team() -> None:
    allen = _row(_grades(), "1628960", "threes")  # prediction says MIL, he played for PHX
    assert allen["actual"] == 2.0 and allen["result"] == "loss"
    assert allen["game_id"] == game.GAME_ID


def test_traded_player_in_another_game_takes_the_game_he_played() -> None:
    preds = game.predictions()
    preds.loc[preds["player_id"] == "1628960", "game_id"] = game.OTHER_GAME_ID
    box = game.box_scores()
    grades = grade_predictions(preds, box, game.schedule(), NEXT_MORNING)
    allen = _row(grades, "1628960", "threes")
    assert (allen["result"], allen["game_id"]) == ("loss", game.GAME_ID)


def test_missing_price_gives_nan_profit() -> None:
    allen = _row(_grades(), "1628960", "threes")
    assert math.isnan(allen["price"]) and math.isnan(allen["profit"])


def test_postponed_game_is_void_but_an_unfinished_game_is_not_graded() -> None:
    preds = game.predictions()
    other = preds[preds["player_id"] == "201142"].assign(
        game_id=game.OTHER_GAME_ID,
        player_id="203471",
        player_name="Dennis Schröder",
        team_abbr="BKN",
        opponent_abbr="TOR",
    )
    both = pd.concat([preds, other], ignore_index=True)
    box = game.box_scores()  # no rows of the BKN game

    after = grade_predictions(both, box, game.schedule(), NEXT_MORNING)
    schroder = after[after["player_id"] == "203471"]
    assert len(schroder) == 2
    assert set(schroder["void_reason"]) == {"game_not_played"}

    during = grade_predictions(both, box, game.schedule(), pd.Timestamp("2024-04-11T01:00:00Z"))
    assert (during["player_id"] == "203471").sum() == 0


def test_game_missing_from_box_and_schedule_is_not_graded() -> None:
    grades = grade_predictions(
        game.predictions(), game.box_scores().iloc[0:0], game.schedule().iloc[0:0], NEXT_MORNING
    )
    assert grades.empty and list(grades.columns) == GRADE_COLUMNS
    PredictionGrades.validate(grades)


def test_threes_missing_in_playoff_logs_is_void_stat_unavailable() -> None:
    box = game.box_scores()
    box.loc[box["player_id"] == "1628960", "threes"] = float("nan")
    grades = grade_predictions(game.predictions(), box, game.schedule(), NEXT_MORNING)
    allen = _row(grades, "1628960", "threes")
    assert (allen["result"], allen["void_reason"]) == ("void", "stat_unavailable")


def test_regrading_twice_gives_identical_rows_whatever_the_input_order() -> None:
    first = _grades()
    shuffled = game.predictions().sample(frac=1.0, random_state=3)
    second = grade_predictions(shuffled, game.box_scores()[::-1], game.schedule(), NEXT_MORNING)
    pd.testing.assert_frame_equal(first, second)
    assert not first.duplicated(["game_date", "player_id", "market", "system_id"]).any()


def test_daily_performance_counts_and_figures() -> None:
    preds = game.predictions()
    grades = _grades()
    perf = daily_performance(grades, preds, game.box_scores())
    pts = perf[perf["market"] == "points"].iloc[0]
    # points: KD UNDER win, Booker OVER win, Beal OVER win, Nurkic UNDER win, George void, Mann NO_LINE
    assert (pts["n_predictions"], pts["n_with_line"], pts["n_no_line"]) == (6, 5, 1)
    assert (pts["n_bets"], pts["wins"], pts["losses"], pts["voids"]) == (5, 4, 0, 1)
    assert pts["hit_rate"] == 1.0
    assert pts["n_priced"] == 4
    assert pts["roi"] == pytest.approx((100 / 105 + 100 / 115 + 1.0 + 1.05) / 4)
    # MAE over every prediction with an actual, NO_LINE included (Mann predicted 9, scored 3).
    assert pts["n_actual"] == 5
    assert pts["mae"] == pytest.approx((2.1 + 8.1 + 7.6 + 5.0 + 6.0) / 5)
    reb = perf[perf["market"] == "rebounds"].iloc[0]
    assert (reb["n_pass"], reb["n_bets"]) == (1, 1)
    threes = perf[perf["market"] == "threes"].iloc[0]
    assert threes["n_priced"] == 0 and math.isnan(threes["roi"]) and threes["hit_rate"] == 0.0


def test_daily_performance_without_box_scores_uses_graded_actuals() -> None:
    perf = daily_performance(_grades(), game.predictions())
    pts = perf[perf["market"] == "points"].iloc[0]
    assert pts["n_actual"] == 4


def test_evaluation_frame_went_over() -> None:
    ev = evaluation_frame(game.predictions(), game.box_scores())
    booker_reb = ev[(ev["player_id"] == "1626164") & (ev["market"] == "rebounds")].iloc[0]
    assert not booker_reb["went_over"]  # 1 rebound vs 3.5
    push = ev[(ev["player_id"] == "1626164") & (ev["market"] == "assists")].iloc[0]
    assert pd.isna(push["went_over"]) and push["result"] == "push"
