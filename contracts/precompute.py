"""Contracts of the precompute tables and the feature store (phase 4).

Every value is as of strictly before `game_date`; missing values mean "no history yet".
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.columns import (
    SEASON_PATTERN,
    AmericanPrices,
    OpenContract,
    OpposingTeams,
    PlayerInGame,
    key_field,
    market_field,
    minutes_field,
    pace_field,
    team_field,
    utc_field,
)
from contracts.rules import MAX_LINE, MAX_PLAYER_MINUTES, close, implies, matches

# The stats PRA adds up, and the window aggregates in which the sum carries over exactly.
PRA_PARTS: tuple[str, ...] = ("points", "rebounds", "assists")
ADDITIVE_WINDOWS: tuple[str, ...] = ("l5", "l10", "l20", "ewm", "season", "per36_l10")
TREND_STATS: tuple[str, ...] = ("points", "rebounds", "assists", "threes", "pra")


class PlayerDailyCache(OpenContract):
    """Rolling form of a player for a target date, from his games strictly before it."""

    player_id: Series[str] = key_field()
    game_date: Series[pd.Timestamp]
    season: Series[str] = pa.Field(str_matches=SEASON_PATTERN)
    minutes_l5: Series[float] = minutes_field()
    minutes_l10: Series[float] = minutes_field()
    minutes_l20: Series[float] = minutes_field()
    minutes_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    points_l5: Series[float] = pa.Field(ge=0, nullable=True)
    points_l10: Series[float] = pa.Field(ge=0, nullable=True)
    points_l20: Series[float] = pa.Field(ge=0, nullable=True)
    points_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_l5: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_l10: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_l20: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    assists_l5: Series[float] = pa.Field(ge=0, nullable=True)
    assists_l10: Series[float] = pa.Field(ge=0, nullable=True)
    assists_l20: Series[float] = pa.Field(ge=0, nullable=True)
    assists_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    threes_l5: Series[float] = pa.Field(ge=0, nullable=True)
    threes_l10: Series[float] = pa.Field(ge=0, nullable=True)
    threes_l20: Series[float] = pa.Field(ge=0, nullable=True)
    threes_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    pra_l5: Series[float] = pa.Field(ge=0, nullable=True)
    pra_l10: Series[float] = pa.Field(ge=0, nullable=True)
    pra_l20: Series[float] = pa.Field(ge=0, nullable=True)
    pra_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    minutes_ewm: Series[float] = minutes_field()
    minutes_season: Series[float] = minutes_field()
    points_ewm: Series[float] = pa.Field(ge=0, nullable=True)
    points_season: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_ewm: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_season: Series[float] = pa.Field(ge=0, nullable=True)
    assists_ewm: Series[float] = pa.Field(ge=0, nullable=True)
    assists_season: Series[float] = pa.Field(ge=0, nullable=True)
    threes_ewm: Series[float] = pa.Field(ge=0, nullable=True)
    threes_season: Series[float] = pa.Field(ge=0, nullable=True)
    pra_ewm: Series[float] = pa.Field(ge=0, nullable=True)
    pra_season: Series[float] = pa.Field(ge=0, nullable=True)
    points_per36_l10: Series[float] = pa.Field(ge=0, nullable=True)
    rebounds_per36_l10: Series[float] = pa.Field(ge=0, nullable=True)
    assists_per36_l10: Series[float] = pa.Field(ge=0, nullable=True)
    threes_per36_l10: Series[float] = pa.Field(ge=0, nullable=True)
    pra_per36_l10: Series[float] = pa.Field(ge=0, nullable=True)
    usage_l5: Series[float] = pa.Field(ge=0, nullable=True)
    usage_l10: Series[float] = pa.Field(ge=0, nullable=True)
    usage_l20: Series[float] = pa.Field(ge=0, nullable=True)
    games_in_l20: Series[float] = pa.Field(ge=0, le=20, nullable=True)
    games_this_season: Series[float] = pa.Field(ge=0)
    games_total: Series[float] = pa.Field(ge=0)
    prior_season_only: Series[bool]
    last_game_date: Series[pd.Timestamp] = pa.Field(nullable=True)
    points_trend: Series[float] = pa.Field(nullable=True)
    rebounds_trend: Series[float] = pa.Field(nullable=True)
    assists_trend: Series[float] = pa.Field(nullable=True)
    threes_trend: Series[float] = pa.Field(nullable=True)
    pra_trend: Series[float] = pa.Field(nullable=True)

    @pa.dataframe_check(error="last_game_date not before game_date")
    def history_before_target(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["last_game_date"].isna() | (df["last_game_date"] < df["game_date"])

    @pa.dataframe_check(error="pra window != points + rebounds + assists windows")
    def pra_is_sum(cls, df: pd.DataFrame) -> pd.Series[bool]:
        ok = pd.Series(True, index=df.index)
        for window in ADDITIVE_WINDOWS:
            parts = df[[f"{stat}_{window}" for stat in PRA_PARTS]].sum(
                axis=1, min_count=len(PRA_PARTS)
            )
            ok &= close(df[f"pra_{window}"], parts)
        return ok

    @pa.dataframe_check(error="trend != l5 - l20")
    def trend_is_difference(cls, df: pd.DataFrame) -> pd.Series[bool]:
        ok = pd.Series(True, index=df.index)
        for stat in TREND_STATS:
            ok &= close(df[f"{stat}_trend"], df[f"{stat}_l5"] - df[f"{stat}_l20"])
        return ok

    @pa.dataframe_check(error="games_this_season > games_total")
    def season_within_total(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["games_this_season"] <= df["games_total"]

    @pa.dataframe_check(error="games_in_l20 != min(games_total, 20)")
    def window_count(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return close(df["games_in_l20"], df["games_total"].clip(upper=20))

    @pa.dataframe_check(error="prior_season_only with games this season")
    def prior_season_only_means_none_this_season(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return implies(df["prior_season_only"], df["games_this_season"] == 0)

    class Config:
        unique = ["game_date", "player_id"]


class TeamDefenseSummary(OpenContract):
    """What a team allowed per game lately, its pace, and both relative to the league, before D."""

    game_date: Series[pd.Timestamp]
    team_abbr: Series[str] = team_field()
    allowed_points: Series[float] = pa.Field(ge=0, nullable=True)
    allowed_rebounds: Series[float] = pa.Field(ge=0, nullable=True)
    allowed_assists: Series[float] = pa.Field(ge=0, nullable=True)
    allowed_threes: Series[float] = pa.Field(ge=0, nullable=True)
    allowed_pra: Series[float] = pa.Field(ge=0, nullable=True)
    pace_l10: Series[float] = pace_field()
    def_rating_l10: Series[float] = pa.Field(gt=0, nullable=True)
    def_factor_points: Series[float] = pa.Field(gt=0, nullable=True)
    def_factor_rebounds: Series[float] = pa.Field(gt=0, nullable=True)
    def_factor_assists: Series[float] = pa.Field(gt=0, nullable=True)
    def_factor_threes: Series[float] = pa.Field(gt=0, nullable=True)
    def_factor_pra: Series[float] = pa.Field(gt=0, nullable=True)
    league_pace: Series[float] = pace_field()

    @pa.dataframe_check(error="allowed_pra != allowed points + rebounds + assists")
    def allowed_pra_is_sum(cls, df: pd.DataFrame) -> pd.Series[bool]:
        parts = df["allowed_points"] + df["allowed_rebounds"] + df["allowed_assists"]
        return close(df["allowed_pra"], parts)

    class Config:
        unique = ["game_date", "team_abbr"]


class PlayerCompositeFactors(OpposingTeams, OpenContract):
    """Fatigue, usage spike, pace, opponent defence by stat and projected minutes of a target."""

    game_date: Series[pd.Timestamp]
    player_id: Series[str] = key_field()
    game_id: Series[str] = key_field()
    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()
    # Minutes per day over the last 7 days (at most 70) + 5 on a back-to-back.
    fatigue: Series[float] = pa.Field(ge=0, le=MAX_PLAYER_MINUTES + 5)
    # Usage over the last 5 games / over the last 20 - 1: a ratio of non-negatives, so >= -1.
    usage_spike: Series[float] = pa.Field(ge=-1, nullable=True)
    team_pace: Series[float] = pace_field()
    opp_pace: Series[float] = pace_field()
    pace_diff: Series[float] = pa.Field(nullable=True)
    opp_def_factor_points: Series[float] = pa.Field(gt=0, nullable=True)
    opp_def_factor_rebounds: Series[float] = pa.Field(gt=0, nullable=True)
    opp_def_factor_assists: Series[float] = pa.Field(gt=0, nullable=True)
    opp_def_factor_threes: Series[float] = pa.Field(gt=0, nullable=True)
    opp_def_factor_pra: Series[float] = pa.Field(gt=0, nullable=True)
    projected_minutes: Series[float] = minutes_field()

    class Config:
        unique = ["game_date", "player_id"]


class PropLineConsensus(AmericanPrices, OpenContract):
    """The books' consensus line of a resolved player, date and market, priced by one real book."""

    game_date: Series[pd.Timestamp]
    event_id: Series[str] = key_field()
    player_id: Series[str] = key_field()
    player_name: Series[str] = key_field()
    market: Series[str] = market_field()
    line: Series[float] = pa.Field(ge=0, le=MAX_LINE)
    n_books: Series[int] = pa.Field(ge=1)
    over_price: Series[float] = pa.Field(nullable=True)
    under_price: Series[float] = pa.Field(nullable=True)
    p_over_devig: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    captured_at: Series[pd.DatetimeTZDtype] = utc_field()
    line_source: Series[str] = key_field()

    class Config:
        unique = ["game_date", "player_id", "market"]


class MlFeatureStore(AmericanPrices, PlayerInGame, OpenContract):
    """One row per player, date and market: the model's feature vector, the line and flags."""

    season: Series[str]
    is_home: Series[float] = pa.Field(isin=[0.0, 1.0])
    days_rest: Series[float] = pa.Field(ge=1, nullable=True)
    back_to_back: Series[float] = pa.Field(isin=[0.0, 1.0])
    games_last_7d: Series[float] = pa.Field(ge=0, le=7)
    minutes_last_7d: Series[float] = pa.Field(ge=0)
    minutes_l5: Series[float] = minutes_field()
    minutes_l10: Series[float] = minutes_field()
    minutes_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    minutes_ewm: Series[float] = minutes_field()
    projected_minutes: Series[float] = minutes_field()
    usage_l10: Series[float] = pa.Field(ge=0, nullable=True)
    usage_spike: Series[float] = pa.Field(ge=-1, nullable=True)
    team_pace: Series[float] = pace_field()
    opp_pace: Series[float] = pace_field()
    pace_diff: Series[float] = pa.Field(nullable=True)
    games_this_season: Series[float] = pa.Field(ge=0)
    games_total: Series[float] = pa.Field(ge=0)
    quality_score: Series[float] = pa.Field(ge=0, le=1)
    market: Series[str] = market_field()
    stat_l5: Series[float] = pa.Field(ge=0, nullable=True)
    stat_l10: Series[float] = pa.Field(ge=0, nullable=True)
    stat_l20: Series[float] = pa.Field(ge=0, nullable=True)
    stat_std_l10: Series[float] = pa.Field(ge=0, nullable=True)
    stat_season: Series[float] = pa.Field(ge=0, nullable=True)
    stat_ewm: Series[float] = pa.Field(ge=0, nullable=True)
    stat_per36_l10: Series[float] = pa.Field(ge=0, nullable=True)
    stat_trend: Series[float] = pa.Field(nullable=True)
    opp_def_factor: Series[float] = pa.Field(gt=0, nullable=True)
    line: Series[float] = pa.Field(ge=0, le=MAX_LINE, nullable=True)
    over_price: Series[float] = pa.Field(nullable=True)
    under_price: Series[float] = pa.Field(nullable=True)
    p_over_devig: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    n_books: Series[float] = pa.Field(ge=1, nullable=True)
    has_history: Series[bool]
    has_line: Series[bool]
    feature_version: Series[str]
    implied_team_total: Series[float] = pa.Field(gt=0, nullable=True)
    team_spread: Series[float] = pa.Field(ge=-40, le=40, nullable=True)
    # 1 for a playoff or play-in game, 0 for the regular season, NaN when the schedule lacks it.
    postseason: Series[float] = pa.Field(isin=[0.0, 1.0], nullable=True)
    # Availability (features/availability.py): NaN means unknown (no report, no line history).
    days_since_last_game: Series[float] = pa.Field(ge=1, nullable=True)
    games_missed_in_row: Series[float] = pa.Field(ge=0, nullable=True)
    injury_status: Series[float] = pa.Field(isin=[0.0, 1.0, 2.0, 3.0, 4.0], nullable=True)
    vacated_minutes: Series[float] = pa.Field(ge=0, nullable=True)
    vacated_shots: Series[float] = pa.Field(ge=0, nullable=True)
    starters_out: Series[float] = pa.Field(ge=0, nullable=True)
    opp_vacated_minutes: Series[float] = pa.Field(ge=0, nullable=True)
    missing_line_teammates: Series[float] = pa.Field(ge=0, nullable=True)
    missing_line_minutes: Series[float] = pa.Field(ge=0, nullable=True)
    teammate_line_shift: Series[float] = pa.Field(nullable=True)

    @pa.check("season", error="season is not like 2023-24")
    def season_label(cls, s: Series[str]) -> pd.Series[bool]:
        return matches(s, SEASON_PATTERN)

    @pa.check("feature_version", error="feature_version is not like v1")
    def feature_version_label(cls, s: Series[str]) -> pd.Series[bool]:
        return matches(s, r"^v\d+$")

    @pa.dataframe_check(error="has_line != line present")
    def has_line_flag(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["has_line"] == df["line"].notna()

    @pa.dataframe_check(error="has_history != (games_total > 0)")
    def has_history_flag(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["has_history"] == (df["games_total"] > 0)

    @pa.dataframe_check(error="n_books, prices or p_over_devig without a line")
    def line_details_need_a_line(cls, df: pd.DataFrame) -> pd.Series[bool]:
        details = df[["n_books", "over_price", "under_price", "p_over_devig"]].notna().any(axis=1)
        return implies(details, df["line"].notna()) & implies(
            df["line"].notna(), df["n_books"].notna()
        )

    @pa.dataframe_check(error="games_this_season > games_total")
    def season_within_total(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["games_this_season"] <= df["games_total"]

    @pa.dataframe_check(error="quality_score > 0 without history")
    def no_history_no_quality(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return implies(df["games_total"] == 0, df["quality_score"] == 0)

    @pa.dataframe_check(error="stat_trend != stat_l5 - stat_l20")
    def trend_is_difference(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return close(df["stat_trend"], df["stat_l5"] - df["stat_l20"])

    @pa.dataframe_check(error="pra row != points + rebounds + assists rows (same player and date)")
    def pra_is_sum_across_markets(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return _pra_rows_add_up(df)

    class Config:
        unique = ["game_date", "player_id", "market"]


STORE_ADDITIVE: tuple[str, ...] = tuple(f"stat_{w}" for w in ADDITIVE_WINDOWS)


def _pra_rows_add_up(df: pd.DataFrame) -> pd.Series:
    """Per pra row: its additive stats equal the sums of the player's points/rebounds/assists rows.

    A player and date without all three part rows passes (a store built for fewer markets).
    """
    ok = pd.Series(True, index=df.index)
    keys = ["game_date", "player_id"]
    pra = df["market"] == "pra"
    if not pra.any():
        return ok
    parts = df.loc[df["market"].isin(PRA_PARTS), [*keys, *STORE_ADDITIVE]]
    grouped = parts.groupby(keys, sort=False)
    sums = grouped[list(STORE_ADDITIVE)].sum(min_count=len(PRA_PARTS))
    complete = grouped.size() == len(PRA_PARTS)
    sums = sums[complete.reindex(sums.index, fill_value=False)]
    rows = df.loc[pra, [*keys, *STORE_ADDITIVE]]
    joined = rows.join(sums, on=keys, rsuffix="_sum")
    for column in STORE_ADDITIVE:
        ok.loc[joined.index] &= close(joined[column], joined[f"{column}_sum"])
    return ok
