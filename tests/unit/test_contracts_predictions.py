"""Prediction, grade and daily-performance contracts on PHX @ LAC 2024-04-10: rules keep, then refuse.

Good frames: the game's predictions (tests/unit/phx_lac_2024_04_10.py, without Grayson Allen's
priceless OVER, a call the policy never makes), their grades against the real box scores, and
the per-system daily performance of those grades.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from contracts.predictions import PlayerPropPredictions, PredictionGrades, SystemDailyPerformance
from models.grading import daily_performance, grade_predictions
from tests.unit import phx_lac_2024_04_10 as game
from tests.unit.test_contracts_validate import assert_breaks_only, broken_rules

NEXT_MORNING = pd.Timestamp("2024-04-11T12:00:00Z")
Mutation = Callable[[pd.DataFrame], None]


def _where(**equals: object) -> Callable[[pd.DataFrame], pd.Index]:
    def rows(frame: pd.DataFrame) -> pd.Index:
        keep = np.ones(len(frame), dtype=bool)
        for column, value in equals.items():
            keep &= (frame[column] == value).to_numpy()
        assert keep.sum() >= 1, equals
        return frame.index[keep][:1]

    return rows


def _set(rows: Callable[[pd.DataFrame], pd.Index], **values: object) -> Mutation:
    def mutate(frame: pd.DataFrame) -> None:
        at = rows(frame)
        for column, value in values.items():
            frame.loc[at, column] = value

    return mutate


def _predictions() -> pd.DataFrame:
    rows = game.predictions()
    return rows[rows["player_id"] != "1628960"].reset_index(drop=True)


OVER = _where(player_id="1626164", market="points")  # Booker OVER 26.5 at -115
UNDER = _where(player_id="201142", market="points")  # Durant UNDER 24.5 at -105
PASS = _where(recommendation="PASS")  # Booker rebounds 3.5
NO_LINE = _where(recommendation="NO_LINE")  # Terance Mann points

PREDICTION_RULES: list[tuple[str, Mutation]] = [
    ("NO_LINE with a real line", _set(PASS, recommendation="NO_LINE")),
    (
        "a recommendation other than NO_LINE needs a real line",
        _set(NO_LINE, recommendation="PASS"),
    ),
    ("line_source present exactly when a line is", _set(OVER, line_source=None)),
    ("line_source present exactly when a line is", _set(NO_LINE, line_source="draftkings")),
    ("OVER/UNDER without the price of the side taken", _set(OVER, over_price=np.nan)),
    ("OVER/UNDER without the price of the side taken", _set(UNDER, under_price=np.nan)),
    ("OVER/UNDER without p_over and expected_value", _set(UNDER, expected_value=np.nan)),
    ("OVER/UNDER without p_over and expected_value", _set(OVER, p_over=np.nan)),
    ("greater_than_or_equal_to(-1", _set(OVER, expected_value=-1.4)),
    ("isin(", _set(OVER, team_abbr="PHO")),
    ("American odds must be <= -100 or >= 100", _set(PASS, under_price=1.87)),
    ("less_than_or_equal_to(1", _set(UNDER, p_over=1.2)),
    ("less_than_or_equal_to(120", _set(PASS, line=350.0)),
    ("multiple_fields_uniqueness", _set(UNDER, market="pra")),
]


@pytest.mark.parametrize(("rule", "mutate"), PREDICTION_RULES, ids=[r for r, _ in PREDICTION_RULES])
def test_prediction_rules(rule: str, mutate: Mutation) -> None:
    good = _predictions()
    assert broken_rules(PlayerPropPredictions, good) == set()
    mutate(good)
    assert_breaks_only(PlayerPropPredictions, good, rule)


def _grades() -> pd.DataFrame:
    return grade_predictions(game.predictions(), game.box_scores(), game.schedule(), NEXT_MORNING)


WIN = _where(player_id="1626164", market="points")  # Booker OVER 26.5 at -115, scored 37
PUSH = _where(result="push")  # Booker UNDER 4.0 assists, had 4
VOID = _where(result="void")  # a rested Clipper: did_not_play
PRICELESS = _where(player_id="1628960")  # Allen OVER 2.5 threes without a price, made 2

GRADE_RULES: list[tuple[str, Mutation]] = [
    (
        "void exactly when a void_reason is given and the actual is missing",
        _set(WIN, void_reason="did_not_play"),
    ),
    (
        "void exactly when a void_reason is given and the actual is missing",
        _set(VOID, actual=0.0),
    ),
    ("result disagrees with actual against the line", _set(WIN, result="loss", profit=-1.0)),
    ("result disagrees with actual against the line", _set(PUSH, result="win", profit=1.2)),
    ("profit disagrees with result and price", _set(WIN, profit=1.15)),  # +115 read, not -115
    ("profit disagrees with result and price", _set(PUSH, profit=-1.0)),
    ("profit disagrees with result and price", _set(PRICELESS, profit=-0.5)),
    ("isin(", _set(VOID, void_reason="injured")),
    ("American odds must be <= -100 or >= 100", _set(VOID, price=-1.2)),
    ("greater_than_or_equal_to(0", _set(WIN, predicted_mean=-3.0)),
    ("isin(", _set(WIN, recommendation="PASS")),
]


@pytest.mark.parametrize(("rule", "mutate"), GRADE_RULES, ids=[r for r, _ in GRADE_RULES])
def test_grade_rules(rule: str, mutate: Mutation) -> None:
    good = _grades()
    assert broken_rules(PredictionGrades, good) == set()
    mutate(good)
    assert_breaks_only(PredictionGrades, good, rule)


def _performance() -> pd.DataFrame:
    predictions = pd.concat(
        [game.predictions(), game.predictions("baseline_ewma")], ignore_index=True
    )
    grades = grade_predictions(predictions, game.box_scores(), game.schedule(), NEXT_MORNING)
    return daily_performance(grades, predictions, game.box_scores())


POINTS = _where(system_id="ensemble", market="points")  # 6 predictions, 5 bets: 4 wins, 1 void
REBOUNDS = _where(system_id="ensemble", market="rebounds")  # 2 predictions: 1 PASS, 1 win
THREES = _where(system_id="ensemble", market="threes")  # 1 bet, lost, no price


def _shift(rows: Callable[[pd.DataFrame], pd.Index], column: str, by: float) -> Mutation:
    def mutate(frame: pd.DataFrame) -> None:
        at = rows(frame)
        frame.loc[at, column] = frame.loc[at, column] + by

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(frame: pd.DataFrame) -> None:
        for one in mutations:
            one(frame)

    return mutate


PERFORMANCE_RULES: list[tuple[str, Mutation]] = [
    ("n_with_line + n_no_line != n_predictions", _shift(POINTS, "n_no_line", 1)),
    ("n_bets > n_with_line - n_pass", _shift(REBOUNDS, "n_pass", 1)),
    ("wins + losses + pushes + voids != n_bets", _shift(POINTS, "pushes", 1)),
    (
        "n_priced > n_bets - voids",
        _all(_shift(POINTS, "n_priced", 1), _set(POINTS, roi=3.871946 / 5)),
    ),
    ("hit_rate != wins / (wins + losses)", _set(POINTS, hit_rate=0.8)),
    ("roi != profit / n_priced", _set(POINTS, roi=3.871946)),
    ("roi != profit / n_priced", _set(THREES, profit=-1.0)),  # Allen's loss had no price
    ("greater_than_or_equal_to(-1", _all(_set(REBOUNDS, roi=-2.0), _set(REBOUNDS, profit=-2.0))),
    ("n_actual > n_predictions, or mae not present", _set(POINTS, mae=np.nan)),
    ("n_actual > n_predictions, or mae not present", _shift(REBOUNDS, "n_actual", 1)),
    ("isin(", _set(POINTS, market="steals")),
    ("multiple_fields_uniqueness", _set(POINTS, system_id="baseline_ewma")),
]


@pytest.mark.parametrize(
    ("rule", "mutate"), PERFORMANCE_RULES, ids=[r for r, _ in PERFORMANCE_RULES]
)
def test_daily_performance_rules(rule: str, mutate: Mutation) -> None:
    good = _performance()
    assert broken_rules(SystemDailyPerformance, good) == set()
    mutate(good)
    assert_breaks_only(SystemDailyPerformance, good, rule)
