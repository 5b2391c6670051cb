"""The coverage contract: real coverage rows pass, and each rule refuses one broken copy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from contracts.operations import COVERED_TABLES, Coverage
from features.pipeline import COVERAGE_COLUMNS
from tests.unit.test_contracts_validate import assert_breaks_only, broken_rules

Mutation = Callable[[pd.DataFrame], None]


def _set(column: str, value: object, row: int = 3) -> Mutation:
    def mutate(frame: pd.DataFrame) -> None:
        frame.loc[row, column] = value

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(frame: pd.DataFrame) -> None:
        for one in mutations:
            one(frame)

    return mutate


@pytest.fixture
def coverage() -> pd.DataFrame:
    """2024-03-10 (243 expected players, 18 teams) and a date without games (nothing expected)."""
    day, empty = pd.Timestamp("2024-03-10"), pd.Timestamp("2024-03-09")
    return pd.DataFrame(
        {
            "game_date": [day] * 4 + [empty],
            "table_name": [*COVERED_TABLES, "ml_feature_store"],
            "expected": [243, 18, 243, 243, 0],
            "actual": [243, 18, 241, 230, 0],
            "ratio": [1.0, 1.0, 241 / 243, 230 / 243, 1.0],
        }
    )


COVERAGE_RULES: list[tuple[str, Mutation]] = [
    ("actual > expected", _all(_set("expected", 200), _set("ratio", 230 / 200))),
    ("ratio != actual / expected", _set("ratio", 0.5)),
    ("ratio != actual / expected", _set("ratio", np.nan)),
    ("isin(", _set("table_name", "player_game_summary")),
    ("greater_than_or_equal_to(0", _all(_set("actual", -1), _set("ratio", -1 / 243))),
    ("multiple_fields_uniqueness", _set("table_name", "player_daily_cache")),
]


@pytest.mark.parametrize(("rule", "mutate"), COVERAGE_RULES, ids=[r for r, _ in COVERAGE_RULES])
def test_coverage_rules(coverage: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert broken_rules(Coverage, coverage) == set()
    mutate(coverage)
    assert_breaks_only(Coverage, coverage, rule)


def test_covered_tables_are_the_pipeline_coverage_tables() -> None:
    assert set(COVERED_TABLES) == set(COVERAGE_COLUMNS)
