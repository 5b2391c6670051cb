"""Contracts of the analytics tables (phase 3)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series


class PlayerGameSummary(pa.DataFrameModel):
    """One row per player per finished game, with the stats every market is graded on."""

    game_id: Series[str]
    game_date: Series[pd.Timestamp]
    season: Series[str]
    season_type: Series[str]
    player_id: Series[str]
    player_name: Series[str]
    team_abbr: Series[str] = pa.Field(str_length=3)
    opponent_abbr: Series[str] = pa.Field(str_length=3)
    is_home: Series[bool]
    starter: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    minutes: Series[float] = pa.Field(ge=0)
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

    class Config:
        coerce = True
        strict = "filter"
        unique = ["game_id", "player_id"]


class TeamGameSummary(pa.DataFrameModel):
    """One row per team per finished game: possessions, pace and ratings."""

    game_id: Series[str]
    game_date: Series[pd.Timestamp]
    season: Series[str]
    team_abbr: Series[str] = pa.Field(str_length=3)
    opponent_abbr: Series[str] = pa.Field(str_length=3)
    is_home: Series[bool]
    points: Series[float] = pa.Field(ge=0)
    points_allowed: Series[float] = pa.Field(ge=0)
    possessions: Series[float] = pa.Field(gt=0, nullable=True)
    pace: Series[float] = pa.Field(gt=0, nullable=True)
    off_rating: Series[float] = pa.Field(gt=0, nullable=True)
    def_rating: Series[float] = pa.Field(gt=0, nullable=True)

    class Config:
        coerce = True
        strict = "filter"
        unique = ["game_id", "team_abbr"]


class UpcomingPlayerGameContext(pa.DataFrameModel):
    """Who is expected to play on a date, in which game, with rest and schedule context."""

    game_date: Series[pd.Timestamp]
    game_id: Series[str]
    player_id: Series[str]
    player_name: Series[str]
    team_abbr: Series[str] = pa.Field(str_length=3)
    opponent_abbr: Series[str] = pa.Field(str_length=3)
    is_home: Series[bool]
    days_rest: Series[float] = pa.Field(ge=0, nullable=True)
    back_to_back: Series[bool]
    games_last_7d: Series[float] = pa.Field(ge=0)
    games_last_14d: Series[float] = pa.Field(ge=0)
    minutes_last_7d: Series[float] = pa.Field(ge=0)
    minutes_last_14d: Series[float] = pa.Field(ge=0)

    class Config:
        coerce = True
        strict = False
        unique = ["game_date", "player_id"]
