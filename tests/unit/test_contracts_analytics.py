"""Analytics contracts (phase 3): each rule keeps real rows and refuses one broken copy of them."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contracts.analytics import PlayerGameSummary, TeamGameSummary, UpcomingPlayerGameContext
from features.analytics import player_game_summary, team_game_summary
from resources.sources import files as importers
from tests.unit.contract_rules import (
    Mutation,
    all_of,
    assert_rule_breaks,
    broken_rules,
    same_teams,
    set_value,
)
from tests.unit.test_contracts_validate import real_tables

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


@pytest.fixture(scope="module")
def players() -> pd.DataFrame:
    """player_game_summary of real box-score rows: MIA @ WAS, 2024-11-02."""
    box = importers.read_player_logs(FILES / "player_logs_2024-25_game_0022400147.csv")
    return player_game_summary(box)


@pytest.fixture(scope="module")
def teams() -> pd.DataFrame:
    """team_game_summary of real team logs (2024 playoff games)."""
    return team_game_summary(importers.read_team_logs(FILES / "team_logs_trimmed.csv")[0])


@pytest.fixture(scope="module")
def context() -> pd.DataFrame:
    """Kevin Durant's enriched context rows from the bundled data (a season opener and March)."""
    ctx = real_tables()["upcoming_player_game_context"]
    rows = ctx[ctx["player_id"] == "201142"].reset_index(drop=True)
    assert len(rows) == 2
    # The bundled odds carry spreads only; the March row gets a total as books quote one.
    rows.loc[1, ["game_total", "team_spread"]] = [228.5, -6.0]
    rows.loc[1, "implied_team_total"] = (228.5 + 6.0) / 2
    return rows


# Row 1 of each good frame is the one the rules break.
_set = partial(set_value, row=1)


# Terry Rozier (row 1): 31 minutes, 12 points, 3 threes.
PLAYER_RULES: list[tuple[str, Mutation]] = [
    ("points < 3 * threes", _set("threes", 5.0)),
    ("team_abbr equals opponent_abbr", same_teams(1)),
    ("isin(", _set("team_abbr", "PHO")),
    ("less_than_or_equal_to(70", _set("minutes", 71.0)),
    ("str_matches(", _set("season", "2024-2025")),
    ("isin(", _set("season_type", "Preseason")),
    ("str_length(", _set("player_id", "")),
    ("multiple_fields_uniqueness", _set("player_id", "1626158")),
]


@pytest.mark.parametrize(("rule", "mutate"), PLAYER_RULES, ids=[r for r, _ in PLAYER_RULES])
def test_player_game_summary_rules(players: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PlayerGameSummary, players, rule, mutate)


def _wrong_rating(frame: pd.DataFrame) -> None:
    frame.loc[1, "def_rating"] = frame.loc[1, "def_rating"] * 1.1


TEAM_RULES: list[tuple[str, Mutation]] = [
    ("team_abbr equals opponent_abbr", same_teams(1)),
    ("off_rating != 100 * points / possessions", _wrong_rating),
    ("less_than_or_equal_to(140", _set("pace", 184.8)),  # per 96 minutes: a units bug
    ("isin(", _set("opponent_abbr", "NJN")),
    ("str_matches(", _set("season", "2023")),
]


@pytest.mark.parametrize(("rule", "mutate"), TEAM_RULES, ids=[r for r, _ in TEAM_RULES])
def test_team_game_summary_rules(teams: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(TeamGameSummary, teams, rule, mutate)


def _flip_back_to_back(frame: pd.DataFrame) -> None:
    frame.loc[1, "back_to_back"] = not frame.loc[1, "back_to_back"]


def _week_over_fortnight(frame: pd.DataFrame) -> None:
    frame.loc[1, "games_last_7d"] = frame.loc[1, "games_last_14d"] + 1


# Durant on 2024-03-11 (row 1): 2 days' rest, 3 games and 116 minutes in the last 7 days.
CONTEXT_RULES: list[tuple[str, Mutation]] = [
    ("team_abbr equals opponent_abbr", same_teams(1)),
    ("isin(", _set("team_abbr", "PHO")),
    ("greater_than_or_equal_to(1", _set("days_rest", 0.0)),
    ("back_to_back != (days_rest == 1)", _flip_back_to_back),
    ("last 7 days exceed last 14 days", _week_over_fortnight),
    ("minutes_last_7d > 70 * games_last_7d", _set("games_last_7d", 1.0)),
    ("less_than_or_equal_to(7", all_of(_set("games_last_14d", 8.0), _set("games_last_7d", 8.0))),
    ("isin(", _set("expected_reason", "injury_return")),
    ("less_than_or_equal_to(120", _set("line_pra", 375.0)),
    ("implied_team_total != (game_total - team_spread) / 2", _set("implied_team_total", 127.25)),
    ("greater_than(0", all_of(_set("game_total", 0.0), _set("implied_team_total", 3.0))),
    ("greater_than_or_equal_to(60", _set("opp_pace", 9.66)),
    ("multiple_fields_uniqueness", _set("game_date", pd.Timestamp("2023-10-24"))),
]


@pytest.mark.parametrize(("rule", "mutate"), CONTEXT_RULES, ids=[r for r, _ in CONTEXT_RULES])
def test_context_rules(context: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(UpcomingPlayerGameContext, context, rule, mutate)


def test_context_before_enrichment_keeps_the_contract(context: pd.DataFrame) -> None:
    enriched = [c for c in context.columns if c.startswith("line_")] + [
        "game_total",
        "team_spread",
        "implied_team_total",
        "team_pace",
        "opp_pace",
    ]
    assert broken_rules(UpcomingPlayerGameContext, context.drop(columns=enriched)) == set()
    # A missing implied total where the spread and total are known is missing data, not a bug.
    assert (
        broken_rules(UpcomingPlayerGameContext, context.assign(implied_team_total=np.nan)) == set()
    )
