"""The coverage contract: real coverage rows pass, and each rule refuses one broken copy."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from contracts.operations import COVERED_TABLES, Coverage
from features.pipeline import COVERAGE_COLUMNS
from tests.unit.contract_rules import Mutation, all_of, assert_rule_breaks, set_value

# Row 3 (ml_feature_store on 2024-03-10) is the one the rules break.
_set = partial(set_value, row=3)


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
    ("actual > expected", all_of(_set("expected", 200), _set("ratio", 230 / 200))),
    ("ratio != actual / expected", _set("ratio", 0.5)),
    ("ratio != actual / expected", _set("ratio", np.nan)),
    ("isin(", _set("table_name", "player_game_summary")),
    ("greater_than_or_equal_to(0", all_of(_set("actual", -1), _set("ratio", -1 / 243))),
    ("multiple_fields_uniqueness", _set("table_name", "player_daily_cache")),
]


@pytest.mark.parametrize(("rule", "mutate"), COVERAGE_RULES, ids=[r for r, _ in COVERAGE_RULES])
def test_coverage_rules(coverage: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(Coverage, coverage, rule, mutate)


def test_covered_tables_are_the_pipeline_coverage_tables() -> None:
    assert set(COVERED_TABLES) == set(COVERAGE_COLUMNS)
