"""Phases 3-4 composed: from raw tables to the feature store, for one date or a range of dates."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from features.analytics import (
    player_game_summary,
    team_game_summary,
    upcoming_player_game_context,
)
from features.identity import resolve_player_ids
from features.lines import consensus_lines
from features.precompute import (
    ml_feature_store,
    player_composite_factors,
    player_daily_cache,
    team_defense_summary,
)


@dataclass(frozen=True)
class FeatureTables:
    """Every phase 3-4 table built for a set of target dates."""

    upcoming_player_game_context: pd.DataFrame
    player_daily_cache: pd.DataFrame
    team_defense_summary: pd.DataFrame
    player_composite_factors: pd.DataFrame
    prop_line_consensus: pd.DataFrame
    ml_feature_store: pd.DataFrame


def resolve_prop_lines(snapshots: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Attach NBA player ids to prop-line snapshots (resolution column says how; NA when unresolved)."""
    if snapshots.empty:
        return snapshots.assign(
            player_id=pd.Series(dtype="string"), resolution=pd.Series(dtype=str)
        )
    players = player_games[["player_id", "player_name", "team_abbr", "game_date"]]
    return resolve_player_ids(snapshots, players)


def build_consensus(
    snapshots: pd.DataFrame, player_games: pd.DataFrame, as_of: pd.Timestamp | None
) -> pd.DataFrame:
    """Resolved consensus line per (game_date, player_id, market) from pre-tip snapshots before as_of."""
    resolved = resolve_prop_lines(snapshots, player_games)
    resolved = resolved[resolved["player_id"].notna()]
    if resolved.empty:
        return pd.DataFrame(
            columns=[
                "game_date",
                "player_id",
                "market",
                "line",
                "over_price",
                "under_price",
                "p_over_devig",
                "n_books",
            ]
        )
    lines = consensus_lines(resolved, as_of=as_of)
    lines["game_date"] = pd.to_datetime(lines["game_date"])
    lines["player_id"] = lines["player_id"].astype(str)
    return lines


def build_feature_tables(
    schedule: pd.DataFrame,
    raw_player_boxscores: pd.DataFrame,
    raw_team_boxscores: pd.DataFrame,
    prop_snapshots: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
) -> FeatureTables:
    """Phases 3-4 for every game in `schedule` (one date or many), from games strictly before each date.

    Box scores on or after a target date may be present (backfill): every join is as-of strictly
    before the target date, so they cannot leak. `as_of` bounds prop-line snapshots (same-day runs).
    """
    player_games = (
        player_game_summary(raw_player_boxscores) if len(raw_player_boxscores) else _empty_pgs()
    )
    team_games = (
        team_game_summary(raw_team_boxscores)
        if len(raw_team_boxscores)
        else pd.DataFrame(
            columns=["game_id", "game_date", "team_abbr", "opponent_abbr", "pace", "def_rating"]
        )
    )
    context = upcoming_player_game_context(schedule, player_games)
    seasons = schedule.drop_duplicates("game_date").set_index(
        pd.to_datetime(schedule.drop_duplicates("game_date")["game_date"])
    )["season"]
    targets = context.assign(season=context["game_date"].map(seasons))
    cache = player_daily_cache(player_games, targets)
    team_targets = pd.concat(
        [
            context[["team_abbr", "game_date"]],
            context[["opponent_abbr", "game_date"]].rename(columns={"opponent_abbr": "team_abbr"}),
        ]
    )
    defense = team_defense_summary(player_games, team_games, team_targets)
    factors = player_composite_factors(context, cache, defense)
    dates = pd.to_datetime(schedule["game_date"]).unique()
    day_snapshots = (
        prop_snapshots[pd.to_datetime(prop_snapshots["game_date"]).isin(dates)]
        if len(prop_snapshots)
        else prop_snapshots
    )
    history_for_names = (
        player_games[player_games["game_date"] <= max(dates)] if len(dates) else player_games
    )
    lines = (
        build_consensus(day_snapshots, history_for_names, as_of)
        if len(day_snapshots)
        else pd.DataFrame()
    )
    store = ml_feature_store(context, cache, factors, lines)
    return FeatureTables(context, cache, defense, factors, lines, store)


def _empty_pgs() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "game_id",
            "game_date",
            "season",
            "season_type",
            "player_id",
            "player_name",
            "team_abbr",
            "opponent_abbr",
            "is_home",
            "starter",
            "minutes",
            "points",
            "rebounds",
            "assists",
            "threes",
            "pra",
            "fga",
            "fta",
            "tov",
            "usage_proxy",
        ]
    ).astype({"game_date": "datetime64[ns]"})
