"""Precompute and feature-store contracts (phase 4): each rule keeps real rows, refuses a broken copy.

The good rows are Kevin Durant's (PHX, player 201142) from the tables built on the bundled data:
the 2023-24 opener (history from last season only) and 2024-03-11 (with lines in every market).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from contracts.precompute import (
    MlFeatureStore,
    PlayerCompositeFactors,
    PlayerDailyCache,
    PropLineConsensus,
    TeamDefenseSummary,
)
from tests.unit.contract_rules import (
    Mutation,
    assert_rule_breaks,
    broken_rules,
    same_teams,
    set_value,
    shift,
)
from tests.unit.test_contracts_validate import real_tables

DURANT = "201142"
MARCH_DAY = pd.Timestamp("2024-03-11")


def _rows(table: str, **equals: object) -> pd.DataFrame:
    frame = real_tables()[table]
    keep = np.ones(len(frame), dtype=bool)
    for column, value in equals.items():
        keep &= (frame[column] == value).to_numpy()
    return frame[keep].reset_index(drop=True)


# Row -1 is the last row: Durant's March row where the table has two.
_set = partial(set_value, row=-1)


@pytest.fixture(scope="module")
def cache() -> pd.DataFrame:
    rows = _rows("player_daily_cache", player_id=DURANT)
    assert rows["prior_season_only"].tolist() == [True, False]
    return rows


CACHE_RULES: list[tuple[str, Mutation]] = [
    ("last_game_date not before game_date", _set("last_game_date", MARCH_DAY)),
    ("pra window != points + rebounds + assists windows", shift("pra_l10", 1.0)),
    ("pra window != points + rebounds + assists windows", shift("pra_per36_l10", 2.0)),
    ("trend != l5 - l20", shift("assists_trend", 0.5)),
    ("games_this_season > games_total", shift("games_this_season", 100.0)),
    ("games_in_l20 != min(games_total, 20)", _set("games_in_l20", 5.0)),
    ("prior_season_only with games this season", _set("prior_season_only", True)),
    ("less_than_or_equal_to(70", _set("minutes_season", 73.5)),
    ("greater_than_or_equal_to(0", _set("threes_std_l10", -0.4)),
    ("str_matches(", _set("season", "2023-2024")),
]


@pytest.mark.parametrize(("rule", "mutate"), CACHE_RULES, ids=[r for r, _ in CACHE_RULES])
def test_player_daily_cache_rules(cache: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PlayerDailyCache, cache, rule, mutate)


@pytest.fixture(scope="module")
def defence() -> pd.DataFrame:
    """Phoenix and Cleveland, the two teams of Durant's March game."""
    rows = _rows("team_defense_summary", game_date=MARCH_DAY)
    return rows[rows["team_abbr"].isin(["PHX", "CLE"])].reset_index(drop=True)


DEFENCE_RULES: list[tuple[str, Mutation]] = [
    ("allowed_pra != allowed points + rebounds + assists", shift("allowed_pra", 3.0)),
    ("less_than_or_equal_to(140", _set("pace_l10", 196.4)),
    ("isin(", _set("team_abbr", "PHO")),
    ("greater_than(0", _set("def_factor_threes", 0.0)),
    ("multiple_fields_uniqueness", _set("team_abbr", "CLE")),
]


@pytest.mark.parametrize(("rule", "mutate"), DEFENCE_RULES, ids=[r for r, _ in DEFENCE_RULES])
def test_team_defense_summary_rules(defence: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(TeamDefenseSummary, defence, rule, mutate)


@pytest.fixture(scope="module")
def factors() -> pd.DataFrame:
    return _rows("player_composite_factors", player_id=DURANT)


FACTOR_RULES: list[tuple[str, Mutation]] = [
    ("less_than_or_equal_to(75", _set("fatigue", 116.0)),  # minutes, not minutes per day
    ("greater_than_or_equal_to(-1", _set("usage_spike", -1.3)),
    ("team_abbr equals opponent_abbr", same_teams()),
    ("less_than_or_equal_to(70", _set("projected_minutes", 72.4)),
    ("greater_than(0", _set("opp_def_factor_rebounds", -1.02)),
    ("greater_than_or_equal_to(60", _set("team_pace", 2.05)),  # per minute: a units bug
]


@pytest.mark.parametrize(("rule", "mutate"), FACTOR_RULES, ids=[r for r, _ in FACTOR_RULES])
def test_player_composite_factors_rules(factors: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PlayerCompositeFactors, factors, rule, mutate)


@pytest.fixture(scope="module")
def consensus() -> pd.DataFrame:
    rows = _rows("prop_line_consensus", player_id=DURANT, game_date=MARCH_DAY)
    assert len(rows) == 5
    return rows


CONSENSUS_RULES: list[tuple[str, Mutation]] = [
    ("American odds must be <= -100 or >= 100", _set("over_price", -0.5)),
    ("greater_than_or_equal_to(1", _set("n_books", 0)),
    ("less_than_or_equal_to(1", _set("p_over_devig", 1.08)),
    ("isin(", _set("market", "steals")),
    ("less_than_or_equal_to(120", _set("line", 265.0)),
    ("str_length(", _set("event_id", "")),
    ("multiple_fields_uniqueness", _set("market", "points")),
]


@pytest.mark.parametrize(("rule", "mutate"), CONSENSUS_RULES, ids=[r for r, _ in CONSENSUS_RULES])
def test_prop_line_consensus_rules(consensus: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PropLineConsensus, consensus, rule, mutate)


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    """Durant's five market rows of 2024-03-11, pra last."""
    rows = _rows("ml_feature_store", player_id=DURANT, game_date=MARCH_DAY)
    assert rows["has_line"].all() and len(rows) == 5
    order = ["points", "rebounds", "assists", "threes", "pra"]
    return rows.set_index("market").loc[order].reset_index()[list(rows.columns)]


def _drop_line(frame: pd.DataFrame) -> None:
    frame.loc[frame.index[-1], ["line", "has_line"]] = [np.nan, False]


def _no_history(frame: pd.DataFrame) -> None:
    frame.loc[frame.index[-1], ["games_total", "games_this_season", "has_history"]] = [0, 0, False]


STORE_RULES: list[tuple[str, Mutation]] = [
    ("has_line != line present", _set("has_line", False)),
    ("has_history != (games_total > 0)", _set("has_history", False)),
    ("n_books, prices or p_over_devig without a line", _drop_line),
    ("less_than_or_equal_to(1", _set("quality_score", 1.35)),
    ("quality_score > 0 without history", _no_history),
    ("stat_trend != stat_l5 - stat_l20", shift("stat_trend", 0.8)),
    ("pra row != points + rebounds + assists rows", shift("stat_ewm", 1.0)),
    ("pra row != points + rebounds + assists rows", shift("stat_season", -2.0, row=0)),
    ("season is not like 2023-24", _set("season", "2023/24")),
    ("feature_version is not like v1", _set("feature_version", "1")),
    ("isin(", _set("is_home", 2.0)),
    ("isin(", _set("postseason", 0.5)),
    ("less_than_or_equal_to(40", _set("team_spread", 55.0)),
    ("team_abbr equals opponent_abbr", same_teams()),
    ("greater_than_or_equal_to(1", _set("days_rest", 0.0)),
    ("less_than_or_equal_to(70", _set("minutes_l5", 74.0)),
    ("games_this_season > games_total", shift("games_this_season", 100.0)),
    ("American odds must be <= -100 or >= 100", _set("under_price", 1.91)),  # decimal odds
]


@pytest.mark.parametrize(("rule", "mutate"), STORE_RULES, ids=[r for r, _ in STORE_RULES])
def test_ml_feature_store_rules(store: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(MlFeatureStore, store, rule, mutate)


def test_pra_rule_skips_a_store_without_every_part(store: pd.DataFrame) -> None:
    # A store built for fewer markets has nothing to add the pra row up from.
    partial = store[store["market"] != "rebounds"].reset_index(drop=True)
    assert broken_rules(MlFeatureStore, _shifted(partial)) == set()


def _shifted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out.index[-1], "stat_l10"] += 5.0
    return out
