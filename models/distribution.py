"""Turn a predicted mean into P(stat > line) with a per-market count distribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

# Variance = mean + alpha * mean^2 (negative binomial); alpha fitted per market on training residuals.
DEFAULT_ALPHA: dict[str, float] = {
    "points": 0.08,
    "rebounds": 0.10,
    "assists": 0.15,
    "threes": 0.25,
    "pra": 0.06,
}


def fit_dispersion(mean: np.ndarray, actual: np.ndarray) -> float:
    """Method-of-moments NB dispersion: alpha = mean((y-mu)^2 - mu) / mean(mu^2), floored at a tiny value."""
    mu = np.clip(np.asarray(mean, dtype=float), 0.05, None)
    y = np.asarray(actual, dtype=float)
    ok = np.isfinite(mu) & np.isfinite(y)
    alpha = float(np.mean((y[ok] - mu[ok]) ** 2 - mu[ok]) / np.mean(mu[ok] ** 2))
    return max(alpha, 1e-3)


def p_over(mean: pd.Series | np.ndarray, line: pd.Series | np.ndarray, alpha: float) -> np.ndarray:
    """P(X > line) for X ~ NegBin(mean, alpha); a push (X == line on whole lines) counts as not over."""
    mu = np.clip(np.asarray(mean, dtype=float), 0.05, None)
    ln = np.asarray(line, dtype=float)
    n = 1.0 / alpha
    p = n / (n + mu)
    return np.asarray(stats.nbinom.sf(np.floor(ln), n, p), dtype=float)


def p_under(mean: pd.Series | np.ndarray, line: pd.Series | np.ndarray, alpha: float) -> np.ndarray:
    """P(X < line) for X ~ NegBin(mean, alpha)."""
    mu = np.clip(np.asarray(mean, dtype=float), 0.05, None)
    ln = np.asarray(line, dtype=float)
    n = 1.0 / alpha
    p = n / (n + mu)
    return np.asarray(stats.nbinom.cdf(np.ceil(ln) - 1, n, p), dtype=float)
