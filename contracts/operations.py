"""Contracts of the operational tables: coverage of the precompute tables per date."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from contracts.columns import OpenContract, key_field, utc_field
from contracts.rules import close, implies

# The precompute tables coverage counts (features.pipeline.COVERAGE_COLUMNS; a test keeps them equal).
COVERED_TABLES: tuple[str, ...] = (
    "player_daily_cache",
    "team_defense_summary",
    "player_composite_factors",
    "ml_feature_store",
)


class Coverage(OpenContract):
    """Per date and precompute table: expected players (teams) and those with real values."""

    game_date: Series[pd.Timestamp]
    table_name: Series[str] = pa.Field(isin=list(COVERED_TABLES))
    expected: Series[int] = pa.Field(ge=0)
    actual: Series[int] = pa.Field(ge=0)
    # actual / expected (so within [0, 1]); 1.0 or missing when nothing is expected.
    ratio: Series[float] = pa.Field(nullable=True)

    @pa.dataframe_check(error="actual > expected")
    def actual_within_expected(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["actual"] <= df["expected"]

    @pa.dataframe_check(error="ratio != actual / expected")
    def ratio_is_share(cls, df: pd.DataFrame) -> pd.Series[bool]:
        expected = df["expected"].where(df["expected"] > 0)
        share = close(df["ratio"], df["actual"] / expected)
        return share & implies(df["expected"] > 0, df["ratio"].notna())

    class Config:
        unique = ["game_date", "table_name"]


class PhaseCache(pa.DataFrameModel):
    """Which cache key produced the outputs a phase holds for a set of dates (resources/cache_keys)."""

    phase: Series[str] = pa.Field(
        isin=["features", "predict", "grade", "export", "drift", "coverage", "performance"]
    )
    dates_key: Series[str] = pa.Field(str_length={"min_value": 10})
    input_key: Series[str] = key_field()
    output_fingerprint: Series[str] = key_field()
    recorded_at: Series[pd.DatetimeTZDtype] = utc_field()

    class Config:
        coerce = True
        strict = True
        unique = ["phase", "dates_key"]
