"""Contracts of the identity crosswalk: players seen in box scores, and how prop names resolved."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.columns import OpenContract, key_field, team_field
from contracts.rules import implies

# How a prop-line name was matched (features.identity.RESOLUTIONS; a test keeps them equal).
RESOLUTIONS: tuple[str, ...] = ("exact", "alias", "initial", "reversed", "unresolved")


class PlayerRegistry(OpenContract):
    """One row per player and team he played for, with his current names and first/last games."""

    player_id: Series[str] = key_field()
    team_abbr: Series[str] = team_field()
    canonical_name: Series[str] = key_field()
    normalized_name: Series[str] = key_field()
    first_date: Series[pd.Timestamp]
    last_date: Series[pd.Timestamp]
    n_games: Series[int] = pa.Field(ge=1)

    @pa.dataframe_check(error="first_date after last_date")
    def dates_ordered(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["first_date"] <= df["last_date"]

    @pa.dataframe_check(error="more games than days between first_date and last_date")
    def one_game_a_day(cls, df: pd.DataFrame) -> pd.Series[bool]:
        days = (df["last_date"] - df["first_date"]).dt.days + 1
        return (days <= 0) | (df["n_games"] <= days)  # unordered dates are the rule above

    class Config:
        unique = ["player_id", "team_abbr"]


class PropNameResolution(OpenContract):
    """One row per prop-line name and date: the player id it resolved to (or not), and counts."""

    game_date: Series[pd.Timestamp]
    player_name: Series[str] = key_field()
    normalized_name: Series[str]
    player_id: Series[str] = pa.Field(nullable=True)
    resolution: Series[str] = pa.Field(isin=list(RESOLUTIONS))
    n_rows: Series[int] = pa.Field(ge=1)
    n_books: Series[int] = pa.Field(ge=1)
    played: Series[pd.BooleanDtype] = pa.Field(nullable=True)

    @pa.dataframe_check(error="player_id missing exactly when unresolved")
    def id_when_resolved(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["player_id"].isna() == (df["resolution"] == "unresolved")

    @pa.dataframe_check(error="played known for an unresolved name")
    def played_needs_a_player(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return implies(df["player_id"].isna(), df["played"].isna())

    @pa.dataframe_check(error="n_books > n_rows")
    def books_within_rows(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["n_books"] <= df["n_rows"]

    class Config:
        unique = ["game_date", "player_name"]
