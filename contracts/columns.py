"""What the contracts share: the league's vocabularies, kinds of column, base models and rules.

A contract subclasses one of the two base models (what happens to columns it does not name) and
the mixins whose columns and rules it has. Inherited columns come first, in the order of the
bases from the last to the first; inherited row rules run after the contract's own.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.rules import MAX_PLAYER_MINUTES, PACE_MAX, PACE_MIN, american_odds

MARKETS: tuple[str, ...] = ("points", "rebounds", "assists", "threes", "pra")
SEASON_TYPES: tuple[str, ...] = ("Regular Season", "Playoffs", "PlayIn")
# The 30 NBA team abbreviations (stats.nba.com spelling, stable since 2014-15).
TEAM_ABBRS: tuple[str, ...] = (
    "ATL", "BKN", "BOS", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
    "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
    "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
)  # fmt: skip
SEASON_PATTERN = r"^\d{4}-\d{2}$"


# ---------------------------------------------------------------- kinds of column


def key_field() -> Any:
    """An identifier: present and not empty."""
    return pa.Field(str_length={"min_value": 1})


def team_field() -> Any:
    """One of the 30 NBA team abbreviations."""
    return pa.Field(isin=list(TEAM_ABBRS))


def market_field() -> Any:
    """One of the modelled markets."""
    return pa.Field(isin=list(MARKETS))


def utc_field(nullable: bool = False) -> Any:
    """A point in time, stored as a UTC timestamp."""
    return pa.Field(nullable=nullable, dtype_kwargs={"unit": "ns", "tz": "UTC"})


def minutes_field() -> Any:
    """Minutes of one player in one game (an average, a projection), possibly unknown."""
    return pa.Field(nullable=True, ge=0, le=MAX_PLAYER_MINUTES)


def pace_field() -> Any:
    """Possessions per 48 minutes, possibly unknown (outside PACE_MIN-PACE_MAX is a units bug)."""
    return pa.Field(nullable=True, ge=PACE_MIN, le=PACE_MAX)


# ---------------------------------------------------------------- base models


class FilteringContract(pa.DataFrameModel):
    """Values are coerced to the contract's types; columns it does not name are dropped."""

    class Config:
        coerce = True
        strict = "filter"


class OpenContract(pa.DataFrameModel):
    """Values are coerced to the contract's types; columns it does not name are kept."""

    class Config:
        coerce = True
        strict = False


# ---------------------------------------------------------------- shared columns and rules


class GameKeys(pa.DataFrameModel):
    """The game a row is about: its id, US-Eastern date and season."""

    game_id: Series[str] = key_field()
    game_date: Series[pd.Timestamp]
    season: Series[str] = pa.Field(str_matches=SEASON_PATTERN)


class SeasonGameKeys(GameKeys):
    """The game a row is about, with the part of the season it belongs to."""

    season_type: Series[str] = pa.Field(isin=list(SEASON_TYPES))


class OpposingTeams(pa.DataFrameModel):
    """A row of a team against an opponent (columns team_abbr, opponent_abbr)."""

    @pa.dataframe_check(error="team_abbr equals opponent_abbr")
    def teams_differ(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["team_abbr"] != df["opponent_abbr"]


class PlayerInGame(OpposingTeams):
    """A player's row for a date and game, with his team and its opponent."""

    game_date: Series[pd.Timestamp]
    game_id: Series[str] = key_field()
    player_id: Series[str] = key_field()
    player_name: Series[str]
    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()


# The columns that say which player, date and game a row is about, in contract order.
PLAYER_IN_GAME_COLUMNS: tuple[str, ...] = tuple(PlayerInGame.to_schema().columns)


class AmericanPrices(pa.DataFrameModel):
    """A row with the over and under prices of a line (columns over_price, under_price)."""

    @pa.check("over_price", "under_price", error="American odds must be <= -100 or >= 100")
    def prices_are_american_odds(cls, s: Series[float]) -> pd.Series[bool]:
        return american_odds(s)
