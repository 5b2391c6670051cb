"""Prediction, grade and daily-performance contracts on PHX @ LAC 2024-04-10: rules keep, then refuse.

Good frames: the game's predictions (tests/unit/phx_lac_2024_04_10.py, without Grayson Allen's
priceless OVER, a call the policy never makes), their grades against the real box scores, and
the per-system daily performance of those grades.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from contracts.predictions import PlayerPropPredictions, PredictionGrades, SystemDailyPerformance
from models.grading import daily_performance, grade_predictions
from tests.unit import phx_lac_2024_04_10 as game
from tests.unit.contract_rules import (
    Mutation,
    all_of,
    assert_rule_breaks,
    set_values,
    shift,
    where,
)

NEXT_MORNING = pd.Timestamp("2024-04-11T12:00:00Z")


def _predictions() -> pd.DataFrame:
    rows = game.predictions()
    return rows[rows["player_id"] != "1628960"].reset_index(drop=True)


OVER = where(player_id="1626164", market="points")  # Booker OVER 26.5 at -115
UNDER = where(player_id="201142", market="points")  # Durant UNDER 24.5 at -105
PASS = where(recommendation="PASS")  # Booker rebounds 3.5
NO_LINE = where(recommendation="NO_LINE")  # Terance Mann points

PREDICTION_RULES: list[tuple[str, Mutation]] = [
    ("NO_LINE with a real line", set_values(PASS, recommendation="NO_LINE")),
    (
        "a recommendation other than NO_LINE needs a real line",
        set_values(NO_LINE, recommendation="PASS"),
    ),
    ("line_source present exactly when a line is", set_values(OVER, line_source=None)),
    ("line_source present exactly when a line is", set_values(NO_LINE, line_source="draftkings")),
    ("OVER/UNDER without the price of the side taken", set_values(OVER, over_price=np.nan)),
    ("OVER/UNDER without the price of the side taken", set_values(UNDER, under_price=np.nan)),
    ("OVER/UNDER without p_over and expected_value", set_values(UNDER, expected_value=np.nan)),
    ("OVER/UNDER without p_over and expected_value", set_values(OVER, p_over=np.nan)),
    ("greater_than_or_equal_to(-1", set_values(OVER, expected_value=-1.4)),
    ("isin(", set_values(OVER, team_abbr="PHO")),
    ("American odds must be <= -100 or >= 100", set_values(PASS, under_price=1.87)),
    ("less_than_or_equal_to(1", set_values(UNDER, p_over=1.2)),
    ("less_than_or_equal_to(120", set_values(PASS, line=350.0)),
    ("multiple_fields_uniqueness", set_values(UNDER, market="pra")),
]


@pytest.mark.parametrize(("rule", "mutate"), PREDICTION_RULES, ids=[r for r, _ in PREDICTION_RULES])
def test_prediction_rules(rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PlayerPropPredictions, _predictions(), rule, mutate)


def _grades() -> pd.DataFrame:
    return grade_predictions(game.predictions(), game.box_scores(), game.schedule(), NEXT_MORNING)


WIN = where(player_id="1626164", market="points")  # Booker OVER 26.5 at -115, scored 37
PUSH = where(result="push")  # Booker UNDER 4.0 assists, had 4
VOID = where(result="void")  # a rested Clipper: did_not_play
PRICELESS = where(player_id="1628960")  # Allen OVER 2.5 threes without a price, made 2

GRADE_RULES: list[tuple[str, Mutation]] = [
    (
        "void exactly when a void_reason is given and the actual is missing",
        set_values(WIN, void_reason="did_not_play"),
    ),
    (
        "void exactly when a void_reason is given and the actual is missing",
        set_values(VOID, actual=0.0),
    ),
    ("result disagrees with actual against the line", set_values(WIN, result="loss", profit=-1.0)),
    ("result disagrees with actual against the line", set_values(PUSH, result="win", profit=1.2)),
    ("profit disagrees with result and price", set_values(WIN, profit=1.15)),  # +115 read, not -115
    ("profit disagrees with result and price", set_values(PUSH, profit=-1.0)),
    ("profit disagrees with result and price", set_values(PRICELESS, profit=-0.5)),
    ("isin(", set_values(VOID, void_reason="injured")),
    ("American odds must be <= -100 or >= 100", set_values(VOID, price=-1.2)),
    ("greater_than_or_equal_to(0", set_values(WIN, predicted_mean=-3.0)),
    ("isin(", set_values(WIN, recommendation="PASS")),
]


@pytest.mark.parametrize(("rule", "mutate"), GRADE_RULES, ids=[r for r, _ in GRADE_RULES])
def test_grade_rules(rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PredictionGrades, _grades(), rule, mutate)


def _performance() -> pd.DataFrame:
    predictions = pd.concat(
        [game.predictions(), game.predictions("baseline_ewma")], ignore_index=True
    )
    grades = grade_predictions(predictions, game.box_scores(), game.schedule(), NEXT_MORNING)
    return daily_performance(grades, predictions, game.box_scores())


POINTS = where(system_id="ensemble", market="points")  # 6 predictions, 5 bets: 4 wins, 1 void
REBOUNDS = where(system_id="ensemble", market="rebounds")  # 2 predictions: 1 PASS, 1 win
THREES = where(system_id="ensemble", market="threes")  # 1 bet, lost, no price


PERFORMANCE_RULES: list[tuple[str, Mutation]] = [
    ("n_with_line + n_no_line != n_predictions", shift("n_no_line", 1, POINTS)),
    ("n_bets > n_with_line - n_pass", shift("n_pass", 1, REBOUNDS)),
    ("wins + losses + pushes + voids != n_bets", shift("pushes", 1, POINTS)),
    (
        "n_priced > n_bets - voids",
        all_of(shift("n_priced", 1, POINTS), set_values(POINTS, roi=3.871946 / 5)),
    ),
    ("hit_rate != wins / (wins + losses)", set_values(POINTS, hit_rate=0.8)),
    ("roi != profit / n_priced", set_values(POINTS, roi=3.871946)),
    ("roi != profit / n_priced", set_values(THREES, profit=-1.0)),  # Allen's loss had no price
    (
        "greater_than_or_equal_to(-1",
        all_of(set_values(REBOUNDS, roi=-2.0), set_values(REBOUNDS, profit=-2.0)),
    ),
    ("n_actual > n_predictions, or mae not present", set_values(POINTS, mae=np.nan)),
    ("n_actual > n_predictions, or mae not present", shift("n_actual", 1, REBOUNDS)),
    ("isin(", set_values(POINTS, market="steals")),
    ("multiple_fields_uniqueness", set_values(POINTS, system_id="baseline_ewma")),
]


@pytest.mark.parametrize(
    ("rule", "mutate"), PERFORMANCE_RULES, ids=[r for r, _ in PERFORMANCE_RULES]
)
def test_daily_performance_rules(rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(SystemDailyPerformance, _performance(), rule, mutate)
