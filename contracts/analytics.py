"""Contracts of the analytics tables (phase 3)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.columns import (
    FilteringContract,
    GameKeys,
    OpenContract,
    OpposingTeams,
    PlayerInGame,
    SeasonGameKeys,
    key_field,
    pace_field,
    team_field,
)
from contracts.rules import MAX_LINE, MAX_PLAYER_MINUTES, close, implies

# Why a player is expected on a date (features.analytics.upcoming_player_game_context).
EXPECTED_REASONS: tuple[str, ...] = ("rotation", "prop_line")


class PlayerGameSummary(OpposingTeams, SeasonGameKeys, FilteringContract):
    """One row per player per finished game, with the stats every market is graded on."""

    player_id: Series[str] = key_field()
    player_name: Series[str]
    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()
    is_home: Series[bool]
    starter: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    minutes: Series[float] = pa.Field(ge=0, le=MAX_PLAYER_MINUTES)
    points: Series[float] = pa.Field(ge=0)
    rebounds: Series[float] = pa.Field(ge=0)
    assists: Series[float] = pa.Field(ge=0)
    threes: Series[float] = pa.Field(ge=0, nullable=True)
    pra: Series[float] = pa.Field(ge=0)
    fga: Series[float] = pa.Field(ge=0, nullable=True)
    fta: Series[float] = pa.Field(ge=0, nullable=True)
    tov: Series[float] = pa.Field(ge=0, nullable=True)
    usage_proxy: Series[float] = pa.Field(ge=0, nullable=True)

    @pa.dataframe_check(error="pra != points + rebounds + assists")
    def pra_is_sum(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["pra"] - (df["points"] + df["rebounds"] + df["assists"])).abs() < 1e-9

    @pa.dataframe_check(error="points < 3 * threes")
    def threes_within_points(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["threes"].isna() | (df["points"] >= 3 * df["threes"])

    class Config:
        unique = ["game_id", "player_id"]


class TeamGameSummary(OpposingTeams, GameKeys, FilteringContract):
    """One row per team per finished game: possessions, pace and ratings."""

    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()
    is_home: Series[bool]
    points: Series[float] = pa.Field(ge=0)
    points_allowed: Series[float] = pa.Field(ge=0)
    possessions: Series[float] = pa.Field(gt=0, nullable=True)
    pace: Series[float] = pace_field()
    off_rating: Series[float] = pa.Field(gt=0, nullable=True)
    def_rating: Series[float] = pa.Field(gt=0, nullable=True)

    @pa.dataframe_check(error="off_rating != 100 * points / possessions")
    def ratings_per_100(cls, df: pd.DataFrame) -> pd.Series[bool]:
        off = close(df["off_rating"], 100 * df["points"] / df["possessions"])
        return off & close(df["def_rating"], 100 * df["points_allowed"] / df["possessions"])

    class Config:
        unique = ["game_id", "team_abbr"]


class UpcomingPlayerGameContext(PlayerInGame, OpenContract):
    """Who is expected to play on a date, in which game, with rest and schedule context.

    The written table is the enriched context: consensus line per market, implied team total and
    both teams' pace (optional columns, absent before enrichment).
    """

    is_home: Series[bool]
    # Days since his last game, which is strictly before game_date.
    days_rest: Series[float] = pa.Field(ge=1, nullable=True)
    back_to_back: Series[bool]
    games_last_7d: Series[float] = pa.Field(ge=0, le=7)
    games_last_14d: Series[float] = pa.Field(ge=0, le=14)
    minutes_last_7d: Series[float] = pa.Field(ge=0)
    minutes_last_14d: Series[float] = pa.Field(ge=0)
    expected_reason: Series[str] = pa.Field(isin=list(EXPECTED_REASONS))
    line_points: Series[float] | None = pa.Field(ge=0, le=MAX_LINE, nullable=True)
    line_rebounds: Series[float] | None = pa.Field(ge=0, le=MAX_LINE, nullable=True)
    line_assists: Series[float] | None = pa.Field(ge=0, le=MAX_LINE, nullable=True)
    line_threes: Series[float] | None = pa.Field(ge=0, le=MAX_LINE, nullable=True)
    line_pra: Series[float] | None = pa.Field(ge=0, le=MAX_LINE, nullable=True)
    game_total: Series[float] | None = pa.Field(gt=0, nullable=True)
    team_spread: Series[float] | None = pa.Field(nullable=True)
    implied_team_total: Series[float] | None = pa.Field(gt=0, nullable=True)
    team_pace: Series[float] | None = pace_field()
    opp_pace: Series[float] | None = pace_field()

    @pa.dataframe_check(error="back_to_back != (days_rest == 1)")
    def back_to_back_is_one_day_rest(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["days_rest"].isna() | (df["back_to_back"] == (df["days_rest"] == 1))

    @pa.dataframe_check(error="last 7 days exceed last 14 days (games or minutes)")
    def windows_nested(cls, df: pd.DataFrame) -> pd.Series[bool]:
        games = df["games_last_7d"] <= df["games_last_14d"]
        return games & (df["minutes_last_7d"] <= df["minutes_last_14d"] + 1e-9)

    @pa.dataframe_check(error="minutes_last_7d > 70 * games_last_7d")
    def minutes_within_games(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["minutes_last_7d"] <= MAX_PLAYER_MINUTES * df["games_last_7d"] + 1e-9

    @pa.dataframe_check(error="implied_team_total != (game_total - team_spread) / 2")
    def implied_total_from_spread(cls, df: pd.DataFrame) -> pd.Series[bool]:
        if "implied_team_total" not in df:
            return pd.Series(True, index=df.index)
        expected = (df["game_total"] - df["team_spread"]) / 2
        return implies(df["implied_team_total"].notna(), expected.notna()) & close(
            df["implied_team_total"], expected
        )

    class Config:
        unique = ["game_date", "player_id"]
