"""The market anchor: the published mean leans on the real line by a weight fitted out of fold."""

from __future__ import annotations

import numpy as np
import pandas as pd


def anchored_mean(model_mean: np.ndarray, line: np.ndarray, model_weight: float) -> np.ndarray:
    """`line + model_weight * (model_mean - line)` where a line exists, the model's mean elsewhere."""
    m = np.asarray(model_mean, dtype=float)
    ln = np.asarray(line, dtype=float)
    blended = np.where(np.isfinite(ln), ln + model_weight * (m - ln), m)
    return np.asarray(np.clip(blended, 0.0, None), dtype=float)


def anchor_loss(holdouts: list[pd.DataFrame], grid: np.ndarray) -> np.ndarray:
    """Per grid weight: the sum over holdouts of the anchored MAE divided by the line's MAE.

    Dividing by the line's MAE puts markets of different scale (points, threes) on one footing
    when the weight is pooled. Each holdout needs predicted_mean (line-free), line and actual.
    """
    total = np.zeros(len(grid))
    for h in holdouts:
        m = h["predicted_mean"].to_numpy(dtype=float)[:, None]
        ln = h["line"].to_numpy(dtype=float)[:, None]
        a = h["actual"].to_numpy(dtype=float)[:, None]
        line_mae = max(float(np.mean(np.abs(ln - a))), 1e-9)
        total += np.mean(np.abs(ln + grid[None, :] * (m - ln) - a), axis=0) / line_mae
    return total


def best_weight(holdouts: list[pd.DataFrame], grid: np.ndarray) -> float:
    """The grid weight with the lowest anchor loss."""
    return round(float(grid[int(np.argmin(anchor_loss(holdouts, grid)))]), 4)
