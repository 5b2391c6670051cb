"""Recommendation policy: OVER / UNDER only when the expected value at the real price clears a bar."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.lines import payout_per_unit


def recommend(frame: pd.DataFrame, min_expected_value: float) -> pd.DataFrame:
    """Add edge, expected_value and recommendation to rows with p_over, p_under, line and prices.

    Expected value per unit staked: p_win * payout - p_lose (a push returns the stake). Without a
    real line the call is NO_LINE; without a price on a side that side cannot be bet.
    """
    out = frame.copy()
    has_line = out["line"].notna()
    p_o = out["p_over"].astype(float)
    p_u = out["p_under"].astype(float) if "p_under" in out else 1.0 - p_o
    ev_over = p_o * payout_per_unit(out["over_price"].astype(float)) - p_u
    ev_under = p_u * payout_per_unit(out["under_price"].astype(float)) - p_o
    ev_over = ev_over.where(out["over_price"].notna())
    ev_under = ev_under.where(out["under_price"].notna())
    best_is_over = ev_over.fillna(-np.inf) >= ev_under.fillna(-np.inf)
    best_ev = np.where(best_is_over, ev_over, ev_under)
    out["expected_value"] = pd.Series(best_ev, index=out.index).where(has_line)
    market_p = (
        out["p_over_market"] if "p_over_market" in out else pd.Series(np.nan, index=out.index)
    )
    out["edge"] = (p_o - market_p).where(has_line)
    bet = has_line & (out["expected_value"] >= min_expected_value)
    out["recommendation"] = np.select(
        [~has_line, bet & best_is_over, bet & ~best_is_over],
        ["NO_LINE", "OVER", "UNDER"],
        default="PASS",
    )
    return out
