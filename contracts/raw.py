"""Contracts of the raw tables (phase 1-2): what a parsed source row must look like."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.columns import (
    AmericanPrices,
    FilteringContract,
    OpposingTeams,
    SeasonGameKeys,
    key_field,
    market_field,
    team_field,
    utc_field,
)

# Participation statuses of the league's official injury report.
INJURY_STATUSES: tuple[str, ...] = ("Out", "Doubtful", "Questionable", "Probable", "Available")
# Row-level (dataframe) checks: the error text each check reports -> the fields it looks at.
ROW_CHECK_FIELDS: dict[str, tuple[str, ...]] = {
    "home_team equals away_team": ("home_team", "away_team"),
    "PTS != 2*(FGM-FG3M) + 3*FG3M + FTM": ("pts", "fgm", "fg3m", "ftm"),
    "FG3M > FGM or FGM > FGA": ("fg3m", "fgm", "fga"),
    "team_abbr equals opponent_abbr": ("team_abbr", "opponent_abbr"),
    "player name not resolved to an NBA player id": ("player_name", "team_abbr"),
    "team_abbr is not a team of the game": ("team_abbr", "home_team", "away_team"),
}


class RawSchedule(SeasonGameKeys, FilteringContract):
    """One row per game: who plays whom, on which US-Eastern date, and when it tips off."""

    home_team: Series[str] = team_field()
    away_team: Series[str] = team_field()
    tipoff_utc: Series[pd.DatetimeTZDtype] = utc_field(nullable=True)
    source: Series[str]

    @pa.dataframe_check(error="home_team equals away_team")
    def teams_differ(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["home_team"] != df["away_team"]


class RawPlayerBoxscores(OpposingTeams, SeasonGameKeys, FilteringContract):
    """One row per player per game he appeared in (absence of a row means he did not play)."""

    player_id: Series[str] = key_field()
    player_name: Series[str] = key_field()
    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()
    is_home: Series[bool]
    starter: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    minutes: Series[float] = pa.Field(ge=0, le=70)
    pts: Series[float] = pa.Field(ge=0, le=100)
    reb: Series[float] = pa.Field(ge=0, le=60)
    ast: Series[float] = pa.Field(ge=0, le=40)
    fg3m: Series[float] = pa.Field(ge=0, le=20, nullable=True)
    fgm: Series[float] = pa.Field(ge=0, nullable=True)
    fga: Series[float] = pa.Field(ge=0, nullable=True)
    fg3a: Series[float] = pa.Field(ge=0, nullable=True)
    ftm: Series[float] = pa.Field(ge=0, nullable=True)
    fta: Series[float] = pa.Field(ge=0, nullable=True)
    oreb: Series[float] = pa.Field(ge=0, nullable=True)
    dreb: Series[float] = pa.Field(ge=0, nullable=True)
    stl: Series[float] = pa.Field(ge=0, nullable=True)
    blk: Series[float] = pa.Field(ge=0, nullable=True)
    tov: Series[float] = pa.Field(ge=0, nullable=True)
    pf: Series[float] = pa.Field(ge=0, nullable=True)
    plus_minus: Series[float] = pa.Field(nullable=True)
    source: Series[str]

    @pa.dataframe_check(error="PTS != 2*(FGM-FG3M) + 3*FG3M + FTM")
    def points_consistent(cls, df: pd.DataFrame) -> pd.Series[bool]:
        implied = 2 * (df["fgm"] - df["fg3m"]) + 3 * df["fg3m"] + df["ftm"]
        return implied.isna() | (implied == df["pts"])

    @pa.dataframe_check(error="FG3M > FGM or FGM > FGA")
    def makes_within_attempts(cls, df: pd.DataFrame) -> pd.Series[bool]:
        ok_3 = df["fg3m"].isna() | df["fgm"].isna() | (df["fg3m"] <= df["fgm"])
        ok_fg = df["fgm"].isna() | df["fga"].isna() | (df["fgm"] <= df["fga"])
        return ok_3 & ok_fg


class RawTeamBoxscores(SeasonGameKeys, FilteringContract):
    """One row per team per game: the team's box score (used for pace and defence)."""

    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()
    is_home: Series[bool]
    minutes: Series[float] = pa.Field(ge=0, le=400)
    pts: Series[float] = pa.Field(ge=0, le=250)
    fgm: Series[float] = pa.Field(ge=0, nullable=True)
    fga: Series[float] = pa.Field(ge=0, nullable=True)
    fg3m: Series[float] = pa.Field(ge=0, nullable=True)
    fg3a: Series[float] = pa.Field(ge=0, nullable=True)
    ftm: Series[float] = pa.Field(ge=0, nullable=True)
    fta: Series[float] = pa.Field(ge=0, nullable=True)
    oreb: Series[float] = pa.Field(ge=0, nullable=True)
    dreb: Series[float] = pa.Field(ge=0, nullable=True)
    reb: Series[float] = pa.Field(ge=0, nullable=True)
    ast: Series[float] = pa.Field(ge=0, nullable=True)
    tov: Series[float] = pa.Field(ge=0, nullable=True)
    plus_minus: Series[float] = pa.Field(nullable=True)
    source: Series[str]


class RawPropLines(AmericanPrices, FilteringContract):
    """One prop-line snapshot: a book's over/under line for a player, market and game, at a time."""

    event_id: Series[str] = key_field()
    game_date: Series[pd.Timestamp]
    commence_time: Series[pd.DatetimeTZDtype] = utc_field(nullable=True)
    home_team: Series[str] = team_field()
    away_team: Series[str] = team_field()
    bookmaker: Series[str] = key_field()
    market: Series[str] = market_field()
    player_name: Series[str] = key_field()
    line: Series[float] = pa.Field(ge=0, le=120)
    over_price: Series[float] = pa.Field(nullable=True)
    under_price: Series[float] = pa.Field(nullable=True)
    captured_at: Series[pd.DatetimeTZDtype] = utc_field()
    # Unknown (NA) when the source gives no tip-off time; readers treat that as "before tip".
    minutes_before_tip: Series[float] = pa.Field(nullable=True)
    source: Series[str]

    @pa.check("minutes_before_tip", error="line captured after tip-off")
    def captured_before_tip(cls, s: Series[float]) -> pd.Series[bool]:
        return s.isna() | (s >= 0)


class RawGameOdds(FilteringContract):
    """One game-level price snapshot: spread, total or moneyline of a book for one side."""

    event_id: Series[str] = key_field()
    game_date: Series[pd.Timestamp]
    commence_time: Series[pd.DatetimeTZDtype] = utc_field()
    home_team: Series[str] = team_field()
    away_team: Series[str] = team_field()
    bookmaker: Series[str]
    market: Series[str] = pa.Field(isin=["spread", "total", "moneyline"])
    side: Series[str] = pa.Field(isin=["home", "away", "over", "under"])
    line: Series[float] = pa.Field(nullable=True)
    price: Series[float]
    captured_at: Series[pd.DatetimeTZDtype] = utc_field()
    source: Series[str]

    @pa.check("price", error="American odds must be <= -100 or >= 100")
    def american_odds(cls, s: Series[float]) -> pd.Series[bool]:
        return (s <= -100) | (s >= 100)


class RawInjuryReport(FilteringContract):
    """One player's entry in one official injury report: his status for one game, as published.

    `report_time` is when the report was published; a row may inform a prediction only when it is
    before the prediction's as-of time and before `tipoff_utc`. `player_id` is the NBA id the
    report's name ("Last, First") resolved to at load; a name that resolves to no player fails.
    """

    report_time: Series[pd.DatetimeTZDtype] = utc_field()
    game_date: Series[pd.Timestamp]
    tipoff_utc: Series[pd.DatetimeTZDtype] = utc_field(nullable=True)
    home_team: Series[str] = team_field()
    away_team: Series[str] = team_field()
    team_abbr: Series[str] = team_field()
    player_name: Series[str] = key_field()
    player_id: Series[str] = pa.Field(nullable=True)
    status: Series[str] = pa.Field(isin=list(INJURY_STATUSES))
    reason: Series[str] = pa.Field(nullable=True)
    source: Series[str]

    @pa.dataframe_check(error="player name not resolved to an NBA player id")
    def player_resolved(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["player_id"].notna() & (df["player_id"].astype(str).str.len() > 0)

    @pa.dataframe_check(error="team_abbr is not a team of the game")
    def team_plays(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["team_abbr"] == df["home_team"]) | (df["team_abbr"] == df["away_team"])


class Quarantine(FilteringContract):
    """A rejected input row, with where it came from and why."""

    table_name: Series[str] = key_field()
    source: Series[str]
    payload_path: Series[str] = pa.Field(nullable=True)
    # The 0-based row of the payload; -1 when the payload as a whole could not be parsed.
    row_number: Series[int] = pa.Field(ge=-1)
    field: Series[str] = pa.Field(nullable=True)
    rule: Series[str] = key_field()
    message: Series[str] = key_field()
    row_json: Series[str]
    quarantined_at: Series[pd.DatetimeTZDtype] = utc_field()

    @pa.dataframe_check(error="row_number -1 exactly for an unparseable payload")
    def whole_payload_rows(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["row_number"] == -1) == (df["rule"] == "unparseable_payload")
