"""Evaluation on real lines: MAE against the line and baselines, Brier, log loss, bets, hit rate, ROI.

Conventions: rows are player-games with a real consensus line and a played game (a line on a
player who did not play is void and left out). Brier and log loss use P(over | no push) and leave
pushes out; the market's de-vigged two-way probability is already conditional on no push. A
pushed bet returns the stake: it counts in `bets` and ROI (profit 0) but not in the hit rate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from features.lines import payout_per_unit

EV_BUCKETS: tuple[float, ...] = (0.03, 0.06, 0.10, 0.20, math.inf)
Z95 = 1.959963984540054


def wilson_interval(wins: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = wins / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return (centre - half, centre + half)


def mean_interval(values: np.ndarray) -> tuple[float, float]:
    """95% normal interval of a mean (ROI per unit staked)."""
    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return (math.nan, math.nan)
    half = Z95 * float(np.std(v, ddof=1)) / math.sqrt(len(v))
    return (float(np.mean(v)) - half, float(np.mean(v)) + half)


def outcome_over(actual: pd.Series, line: pd.Series) -> pd.Series:
    """1 when the stat went over, 0 under, NaN on a push."""
    a, ln = actual.astype(float), line.astype(float)
    return pd.Series(np.where(a > ln, 1.0, np.where(a < ln, 0.0, np.nan)), index=actual.index)


def bet_profit(frame: pd.DataFrame) -> pd.Series:
    """Profit per unit of each OVER/UNDER call at the real price of its side (push 0)."""
    over = frame["recommendation"] == "OVER"
    price = frame["over_price"].where(over, frame["under_price"]).astype(float)
    a, ln = frame["actual"].astype(float), frame["line"].astype(float)
    won = np.where(over, a > ln, a < ln)
    push = a == ln
    profit = np.where(push, 0.0, np.where(won, payout_per_unit(price), -1.0))
    return pd.Series(profit, index=frame.index, dtype=float)


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of a probability (rows with NaN left out)."""
    ok = np.isfinite(p) & np.isfinite(y)
    return float(np.mean((p[ok] - y[ok]) ** 2)) if ok.any() else math.nan


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood (probabilities clipped to [1e-6, 1-1e-6])."""
    ok = np.isfinite(p) & np.isfinite(y)
    if not ok.any():
        return math.nan
    q = np.clip(p[ok], 1e-6, 1 - 1e-6)
    return float(-np.mean(y[ok] * np.log(q) + (1 - y[ok]) * np.log(1 - q)))


def bet_summary(bets: pd.DataFrame) -> dict[str, Any]:
    """Bets, wins, losses, pushes, hit rate with Wilson 95%, ROI with normal 95% interval."""
    profit = bet_profit(bets) if len(bets) else pd.Series(dtype=float)
    decided = bets[bets["actual"] != bets["line"]] if len(bets) else bets
    wins = int((profit > 0).sum())
    losses = int((profit < 0).sum())
    n_dec = wins + losses
    hit_lo, hit_hi = wilson_interval(wins, n_dec)
    roi_lo, roi_hi = mean_interval(profit.to_numpy())
    return {
        "bets": int(len(bets)),
        "wins": wins,
        "losses": losses,
        "pushes": int(len(bets) - len(decided)),
        "hit_rate": wins / n_dec if n_dec else math.nan,
        "hit_rate_ci95": [hit_lo, hit_hi],
        "roi": float(profit.mean()) if len(profit) else math.nan,
        "roi_ci95": [roi_lo, roi_hi],
        "profit_units": float(profit.sum()),
    }


def ev_bucket_table(bets: pd.DataFrame) -> list[dict[str, Any]]:
    """Bet summary per expected-value bucket."""
    rows: list[dict[str, Any]] = []
    for lo, hi in zip(EV_BUCKETS[:-1], EV_BUCKETS[1:], strict=True):
        sel = bets[(bets["expected_value"] >= lo) & (bets["expected_value"] < hi)]
        rows.append({"ev_from": lo, "ev_to": hi, **bet_summary(sel)})
    return rows


def evaluate(rows: pd.DataFrame) -> dict[str, Any]:
    """All metrics for scored real-line rows.

    Needs actual, line, over_price, under_price, p_over_devig, predicted_mean, baseline_mean,
    stat_l10, p_over and p_under (calibrated), p_over_raw (NB, given no push), recommendation,
    expected_value; optional model_mean (line-free stack), lgbm_mean and similarity_mean.
    """
    r = rows[rows["line"].notna() & rows["actual"].notna()]
    a = r["actual"].to_numpy(dtype=float)
    y = outcome_over(r["actual"], r["line"]).to_numpy()
    p_market = r["p_over_devig"].to_numpy(dtype=float)
    out: dict[str, Any] = {
        "n": int(len(r)),
        "dates": [
            str(pd.Timestamp(r["game_date"].min()).date()),
            str(pd.Timestamp(r["game_date"].max()).date()),
        ]
        if len(r)
        else [],
        "mae": float(np.mean(np.abs(r["predicted_mean"].to_numpy(dtype=float) - a))),
        "market_mae": float(np.mean(np.abs(r["line"].to_numpy(dtype=float) - a))),
        "baseline_mae": float(np.mean(np.abs(r["baseline_mean"].to_numpy(dtype=float) - a))),
        "last10_mae": float(np.mean(np.abs(r["stat_l10"].fillna(0.0).to_numpy(dtype=float) - a))),
        "bias": float(np.mean(r["predicted_mean"].to_numpy(dtype=float) - a)),
        "market_bias": float(np.mean(r["line"].to_numpy(dtype=float) - a)),
        "n_push": int(np.isnan(y).sum()),
        "n_market_prob": int(np.isfinite(p_market).sum()),
    }
    for col in ("model_mean", "lgbm_mean", "similarity_mean"):
        if col in r:
            out[f"{col.removesuffix('_mean')}_mae"] = float(
                np.mean(np.abs(r[col].to_numpy(dtype=float) - a))
            )
    both = np.isfinite(p_market)
    decided = (r["p_over"] + r["p_under"]).clip(lower=1e-9)
    p_cal = (r["p_over"] / decided).to_numpy(dtype=float)
    p_raw = r["p_over_raw"].to_numpy(dtype=float)
    out["brier"] = brier(np.where(both, p_cal, np.nan), y)
    out["brier_raw"] = brier(np.where(both, p_raw, np.nan), y)
    out["market_brier"] = brier(p_market, y)
    out["log_loss"] = log_loss(np.where(both, p_cal, np.nan), y)
    out["log_loss_raw"] = log_loss(np.where(both, p_raw, np.nan), y)
    out["market_log_loss"] = log_loss(p_market, y)
    bets = r[r["recommendation"].isin(["OVER", "UNDER"])]
    summary = bet_summary(bets)
    out.update(summary)
    out["bets_over"] = int((bets["recommendation"] == "OVER").sum())
    out["by_ev_bucket"] = ev_bucket_table(bets)
    return out
