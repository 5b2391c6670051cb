"""Market-aware calibration: P(over) from the model's and the market's probabilities, fitted out of fold.

A logistic regression on logit(p_model) and logit(p_market) (pooled over markets, pushes left
out) lets the market's knowledge (rest days, injuries) pull extreme model calls back. Without
enough out-of-fold rows it falls back to the market's own probability (model weight 0): with no
measured evidence that the model adds anything, P(over) is the de-vigged price, every expected
value is the vig, and every call is PASS. It never fits on the window being evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

MIN_CALIBRATION_ROWS = 200
EPS = 1e-4


@dataclass(frozen=True)
class Calibrator:
    """p = sigmoid(intercept + w_model * logit(p_model) + w_market * logit(p_market))."""

    intercept: float = 0.0
    w_model: float = 0.0
    w_market: float = 1.0
    n: int = 0

    def apply(self, p_model: np.ndarray, p_market: np.ndarray) -> np.ndarray:
        """Calibrated P(over | no push); without a market probability the model's logit stands in."""
        lm = logit(p_model)
        lk = logit(p_market)
        lk = np.where(np.isfinite(lk), lk, lm)
        return np.asarray(sigmoid(self.intercept + self.w_model * lm + self.w_market * lk))

    def as_dict(self) -> dict[str, float]:
        """Coefficients for logging."""
        return {
            "cal_intercept": self.intercept,
            "cal_w_model": self.w_model,
            "cal_w_market": self.w_market,
            "cal_n": float(self.n),
        }


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) with p clipped away from 0 and 1 (NaN stays NaN)."""
    q = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.asarray(np.log(q / (1 - q)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))))


def fit_calibrator(p_model: np.ndarray, p_market: np.ndarray, over: np.ndarray) -> Calibrator:
    """Fit the logistic combination on out-of-fold rows (over: 1 over, 0 under, NaN push/unknown)."""
    pm = np.asarray(p_model, dtype=float)
    pk = np.asarray(p_market, dtype=float)
    y = np.asarray(over, dtype=float)
    ok = np.isfinite(pm) & np.isfinite(pk) & np.isfinite(y)
    if int(ok.sum()) < MIN_CALIBRATION_ROWS or len(np.unique(y[ok])) < 2:
        return Calibrator(n=int(ok.sum()))
    x = np.column_stack([logit(pm[ok]), logit(pk[ok])])
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(x, y[ok].astype(int))
    return Calibrator(
        intercept=float(lr.intercept_[0]),
        w_model=float(lr.coef_[0][0]),
        w_market=float(lr.coef_[0][1]),
        n=int(ok.sum()),
    )
