"""Vectorised building blocks of contract rules: each returns one boolean per row, no Python loop."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Relative tolerance of a derived value against its formula (float rounding only).
TOLERANCE = 1e-6
# Pace (possessions per 48 minutes): NBA teams play 90-105; outside 60-140 is a units bug.
PACE_MIN, PACE_MAX = 60.0, 140.0
# Minutes one player can play in one game (48 + four overtimes is 68).
MAX_PLAYER_MINUTES = 70.0
# A prop line or a player's stat far beyond any NBA record is a parsing bug (as in raw_prop_lines).
MAX_LINE = 120.0


def close(actual: pd.Series, expected: pd.Series) -> pd.Series:
    """`actual` equals `expected` up to float rounding; a row missing either side passes."""
    diff = (actual.astype(float) - expected.astype(float)).abs()
    scale = np.maximum(1.0, expected.astype(float).abs())
    return actual.isna() | expected.isna() | (diff <= TOLERANCE * scale)


def implies(condition: pd.Series, consequence: pd.Series) -> pd.Series:
    """Rows where `condition` holds also satisfy `consequence`."""
    return ~condition.astype(bool) | consequence.astype(bool)


def american_odds(price: pd.Series) -> pd.Series:
    """American odds are <= -100 or >= +100 (missing passes)."""
    return price.isna() | (price <= -100) | (price >= 100)


def matches(values: pd.Series, pattern: str) -> pd.Series:
    """Each present value fully matches `pattern`; the regex runs once per distinct value."""
    distinct = pd.Series(values.dropna().unique())
    good = distinct[distinct.astype(str).str.fullmatch(pattern)]
    return values.isna() | values.isin(good)


def payout(price: pd.Series) -> pd.Series:
    """Profit of a winning one-unit stake at American odds (+150 -> 1.5, -110 -> 0.909)."""
    p = price.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        won = np.where(p > 0, p / 100.0, 100.0 / p.abs())
    return pd.Series(won, index=p.index).where(p.notna())
