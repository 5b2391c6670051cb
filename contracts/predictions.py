"""Contracts of the prediction and grading tables (phases 5-6)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.raw import MARKETS

RECOMMENDATIONS: tuple[str, ...] = ("OVER", "UNDER", "PASS", "NO_LINE")
GRADE_RESULTS: tuple[str, ...] = ("win", "loss", "push", "void")


class PlayerPropPredictions(pa.DataFrameModel):
    """One prediction of one system for a player, date and market, with the call against the line."""

    game_date: Series[pd.Timestamp]
    game_id: Series[str]
    player_id: Series[str]
    player_name: Series[str]
    team_abbr: Series[str]
    opponent_abbr: Series[str]
    market: Series[str] = pa.Field(isin=list(MARKETS))
    system_id: Series[str]
    model_name: Series[str]
    model_version: Series[str]
    predicted_mean: Series[float] = pa.Field(ge=0)
    line: Series[float] = pa.Field(nullable=True, ge=0)
    line_source: Series[str] = pa.Field(nullable=True)
    over_price: Series[float] = pa.Field(nullable=True)
    under_price: Series[float] = pa.Field(nullable=True)
    p_over: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    p_over_market: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    edge: Series[float] = pa.Field(nullable=True)
    expected_value: Series[float] = pa.Field(nullable=True)
    recommendation: Series[str] = pa.Field(isin=list(RECOMMENDATIONS))

    @pa.dataframe_check(error="a recommendation other than NO_LINE needs a real line")
    def line_when_recommended(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["recommendation"] == "NO_LINE") | df["line"].notna()

    class Config:
        coerce = True
        strict = "filter"
        unique = ["game_date", "player_id", "market", "system_id"]


class PredictionGrades(pa.DataFrameModel):
    """The outcome of one graded prediction (OVER or UNDER against a real line)."""

    game_date: Series[pd.Timestamp]
    game_id: Series[str]
    player_id: Series[str]
    player_name: Series[str]
    market: Series[str] = pa.Field(isin=list(MARKETS))
    system_id: Series[str]
    recommendation: Series[str] = pa.Field(isin=["OVER", "UNDER"])
    line: Series[float]
    price: Series[float] = pa.Field(nullable=True)
    predicted_mean: Series[float]
    actual: Series[float] = pa.Field(nullable=True)
    result: Series[str] = pa.Field(isin=list(GRADE_RESULTS))
    void_reason: Series[str] = pa.Field(nullable=True)
    profit: Series[float] = pa.Field(nullable=True)
    graded_at: Series[pd.DatetimeTZDtype] = pa.Field(dtype_kwargs={"unit": "ns", "tz": "UTC"})

    class Config:
        coerce = True
        strict = "filter"
        unique = ["game_date", "player_id", "market", "system_id"]
