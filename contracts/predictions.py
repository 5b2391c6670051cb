"""Contracts of the prediction and grading tables (phases 5-6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.columns import (
    AmericanPrices,
    FilteringContract,
    OpenContract,
    key_field,
    market_field,
    team_field,
    utc_field,
)
from contracts.rules import MAX_LINE, american_odds, close, implies, payout

RECOMMENDATIONS: tuple[str, ...] = ("OVER", "UNDER", "PASS", "NO_LINE")
GRADE_RESULTS: tuple[str, ...] = ("win", "loss", "push", "void")
VOID_REASONS: tuple[str, ...] = ("did_not_play", "game_not_played", "stat_unavailable")


class PlayerPropPredictions(AmericanPrices, FilteringContract):
    """One prediction of one system for a player, date and market, with the call against the line."""

    game_date: Series[pd.Timestamp]
    game_id: Series[str]
    player_id: Series[str]
    player_name: Series[str]
    team_abbr: Series[str] = team_field()
    opponent_abbr: Series[str] = team_field()
    market: Series[str] = market_field()
    system_id: Series[str]
    model_name: Series[str]
    model_version: Series[str]
    predicted_mean: Series[float] = pa.Field(ge=0)
    line: Series[float] = pa.Field(nullable=True, ge=0, le=MAX_LINE)
    line_source: Series[str] = pa.Field(nullable=True)
    over_price: Series[float] = pa.Field(nullable=True)
    under_price: Series[float] = pa.Field(nullable=True)
    p_over: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    p_over_market: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    edge: Series[float] = pa.Field(nullable=True)
    # Per unit staked: at worst the whole stake is lost (so roi >= -1 too).
    expected_value: Series[float] = pa.Field(nullable=True, ge=-1)
    recommendation: Series[str] = pa.Field(isin=list(RECOMMENDATIONS))

    @pa.dataframe_check(error="a recommendation other than NO_LINE needs a real line")
    def line_when_recommended(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["recommendation"] == "NO_LINE") | df["line"].notna()

    @pa.dataframe_check(error="NO_LINE with a real line")
    def no_line_means_no_line(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return implies(df["line"].notna(), df["recommendation"] != "NO_LINE")

    @pa.dataframe_check(error="line_source present exactly when a line is")
    def source_of_the_line(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["line_source"].notna() == df["line"].notna()

    @pa.dataframe_check(error="OVER/UNDER without the price of the side taken")
    def price_of_the_call(cls, df: pd.DataFrame) -> pd.Series[bool]:
        over = implies(df["recommendation"] == "OVER", df["over_price"].notna())
        return over & implies(df["recommendation"] == "UNDER", df["under_price"].notna())

    @pa.dataframe_check(error="OVER/UNDER without p_over and expected_value")
    def call_has_probability(cls, df: pd.DataFrame) -> pd.Series[bool]:
        called = df["recommendation"].isin(["OVER", "UNDER"])
        return implies(called, df["p_over"].notna() & df["expected_value"].notna())

    class Config:
        unique = ["game_date", "player_id", "market", "system_id"]


class PredictionGrades(FilteringContract):
    """The outcome of one graded prediction (OVER or UNDER against a real line)."""

    game_date: Series[pd.Timestamp]
    game_id: Series[str]
    player_id: Series[str]
    player_name: Series[str]
    market: Series[str] = market_field()
    system_id: Series[str]
    recommendation: Series[str] = pa.Field(isin=["OVER", "UNDER"])
    line: Series[float] = pa.Field(ge=0, le=MAX_LINE)
    price: Series[float] = pa.Field(nullable=True)
    predicted_mean: Series[float] = pa.Field(ge=0)
    actual: Series[float] = pa.Field(ge=0, nullable=True)
    result: Series[str] = pa.Field(isin=list(GRADE_RESULTS))
    void_reason: Series[str] = pa.Field(isin=list(VOID_REASONS), nullable=True)
    profit: Series[float] = pa.Field(nullable=True)
    graded_at: Series[pd.DatetimeTZDtype] = utc_field()

    @pa.check("price", error="American odds must be <= -100 or >= 100")
    def price_is_american_odds(cls, s: Series[float]) -> pd.Series[bool]:
        return american_odds(s)

    @pa.dataframe_check(error="void exactly when a void_reason is given and the actual is missing")
    def void_has_reason(cls, df: pd.DataFrame) -> pd.Series[bool]:
        void = df["result"] == "void"
        return (void == df["void_reason"].notna()) & (void == df["actual"].isna())

    @pa.dataframe_check(error="result disagrees with actual against the line")
    def result_from_actual(cls, df: pd.DataFrame) -> pd.Series[bool]:
        over, under = df["recommendation"] == "OVER", df["recommendation"] == "UNDER"
        diff = df["actual"] - df["line"]
        won = (over & (diff > 0)) | (under & (diff < 0))
        lost = (over & (diff < 0)) | (under & (diff > 0))
        expected = np.select([won, lost], ["win", "loss"], default="push")
        # Voids and calls other than OVER/UNDER are the business of the rules above.
        judged = diff.notna() & (over | under) & (df["result"] != "void")
        return ~judged | (df["result"] == expected)

    @pa.dataframe_check(error="profit disagrees with result and price")
    def profit_from_result(cls, df: pd.DataFrame) -> pd.Series[bool]:
        result, profit = df["result"], df["profit"]
        no_price = profit.isna() & df["price"].isna() & result.isin(["win", "loss"])
        even = result.isin(["push", "void"]) & (profit == 0)
        lost = (result == "loss") & (profit == -1)
        won = (result == "win") & profit.notna() & close(profit, payout(df["price"]))
        return no_price | even | lost | won

    class Config:
        unique = ["game_date", "player_id", "market", "system_id"]


class SystemDailyPerformance(OpenContract):
    """Per date, system and market: counts of calls, the record, hit rate, ROI and MAE."""

    game_date: Series[pd.Timestamp]
    system_id: Series[str] = key_field()
    market: Series[str] = market_field()
    n_predictions: Series[int] = pa.Field(ge=0)
    n_with_line: Series[int] = pa.Field(ge=0)
    n_pass: Series[int] = pa.Field(ge=0)
    n_no_line: Series[int] = pa.Field(ge=0)
    n_bets: Series[int] = pa.Field(ge=0)
    wins: Series[int] = pa.Field(ge=0)
    losses: Series[int] = pa.Field(ge=0)
    pushes: Series[int] = pa.Field(ge=0)
    voids: Series[int] = pa.Field(ge=0)
    hit_rate: Series[float] = pa.Field(ge=0, le=1, nullable=True)
    n_priced: Series[int] = pa.Field(ge=0)
    profit: Series[float]
    roi: Series[float] = pa.Field(ge=-1, nullable=True)
    n_actual: Series[int] = pa.Field(ge=0)
    mae: Series[float] = pa.Field(ge=0, nullable=True)

    @pa.dataframe_check(error="n_with_line + n_no_line != n_predictions")
    def every_prediction_has_a_line_or_none(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["n_with_line"] + df["n_no_line"] == df["n_predictions"]

    @pa.dataframe_check(error="n_bets > n_with_line - n_pass")
    def bets_are_calls_with_a_line(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["n_bets"] <= df["n_with_line"] - df["n_pass"]

    @pa.dataframe_check(error="wins + losses + pushes + voids != n_bets")
    def record_adds_up(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["wins"] + df["losses"] + df["pushes"] + df["voids"] == df["n_bets"]

    @pa.dataframe_check(error="n_priced > n_bets - voids")
    def priced_bets_are_settled_bets(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["n_priced"] <= df["n_bets"] - df["voids"]

    @pa.dataframe_check(error="hit_rate != wins / (wins + losses)")
    def hit_rate_of_decided(cls, df: pd.DataFrame) -> pd.Series[bool]:
        decided = (df["wins"] + df["losses"]).where(lambda n: n > 0)
        return (df["hit_rate"].isna() == decided.isna()) & close(
            df["hit_rate"], df["wins"] / decided
        )

    @pa.dataframe_check(error="roi != profit / n_priced, or profit without a priced bet")
    def profit_and_roi(cls, df: pd.DataFrame) -> pd.Series[bool]:
        priced = df["n_priced"].where(lambda n: n > 0)
        roi = (df["roi"].isna() == priced.isna()) & close(df["roi"], df["profit"] / priced)
        return roi & implies(df["n_priced"] == 0, df["profit"] == 0)

    @pa.dataframe_check(
        error="n_actual > n_predictions, or mae not present exactly when n_actual > 0"
    )
    def mae_over_actuals(cls, df: pd.DataFrame) -> pd.Series[bool]:
        within = df["n_actual"] <= df["n_predictions"]
        return within & (df["mae"].isna() == (df["n_actual"] == 0))

    class Config:
        unique = ["game_date", "system_id", "market"]
