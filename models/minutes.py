"""A minutes model: how long a player will play, from recent minutes, role, rest and availability.

LightGBM (L2) on played player-games. Its inputs are the feature store's minutes, rest and
availability columns and the team's implied total; `predicted_minutes` then multiplies per-minute
rates (`rate_mean`), which is the stack's fourth system (`models.training`). Evaluated
walk-forward like the stat models (`walk_forward_minutes`): fitted on games strictly before each
fold, scored on the fold, against the heuristic `projected_minutes` and last-10.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.availability import AVAILABILITY_FEATURES
from models.systems import LGBM_PARAMS

MINUTES_FEATURES: tuple[str, ...] = (
    "minutes_l5",
    "minutes_l10",
    "minutes_std_l10",
    "minutes_ewm",
    "projected_minutes",
    "usage_l10",
    "usage_spike",
    "days_rest",
    "back_to_back",
    "games_last_7d",
    "minutes_last_7d",
    "is_home",
    "postseason",
    "team_spread",
    "games_this_season",
    "quality_score",
    "implied_team_total",
    *AVAILABILITY_FEATURES,
)
# The stat models' LightGBM settings with a squared-error objective and larger leaves; predicted
# minutes may only grow with the heuristic projection (as the stat models' means do).
MINUTES_PARAMS: dict[str, object] = {
    **LGBM_PARAMS,
    "objective": "regression",
    "min_data_in_leaf": 100,
    "monotone_constraints": [1 if f == "projected_minutes" else 0 for f in MINUTES_FEATURES],
}
MINUTES_ROUNDS = 300
MAX_MINUTES = 53.0
# Below this many played rows a minutes model is not fitted (the stack then has no minutes system).
MIN_MINUTES_ROWS = 500


@dataclass(frozen=True)
class MinutesModels:
    """Minutes boosters of one training set: `early` fitted before `split` (it scores the
    holdout the stack weights are chosen on), `final` on every row (it is registered)."""

    split: pd.Timestamp
    early: str
    final: str


def minutes_matrix(rows: pd.DataFrame) -> pd.DataFrame:
    """The minutes model's inputs as floats (a column the rows lack is NaN)."""
    return rows.reindex(columns=list(MINUTES_FEATURES)).astype(float)


def fit_minutes(
    rows: pd.DataFrame, num_rounds: int = MINUTES_ROUNDS, objective: str = "regression"
) -> lgb.Booster:
    """Fit on played player-games (`minutes_actual` > 0) with some history.

    `objective` "regression" fits the mean (what a rate x minutes mean needs), "regression_l1"
    the median (what minutes MAE rewards).
    """
    played = played_rows(rows)
    data = lgb.Dataset(minutes_matrix(played), label=played["minutes_actual"].astype(float))
    return lgb.train({**MINUTES_PARAMS, "objective": objective}, data, num_boost_round=num_rounds)


def played_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows the minutes model learns from: played games (`minutes_actual` > 0) with some history."""
    if "minutes_actual" not in rows:
        return rows.iloc[0:0]
    return rows[(rows["minutes_actual"] > 0) & (rows["games_total"] > 0)]


def fit_minutes_models(rows: pd.DataFrame, split: pd.Timestamp) -> MinutesModels | None:
    """The early and final minutes boosters of a training set, or None without enough played rows."""
    early_rows = played_rows(rows[rows["game_date"] < split])
    if len(early_rows) < MIN_MINUTES_ROWS:
        return None
    early = fit_minutes(early_rows).model_to_string()
    return MinutesModels(split, early, fit_minutes(rows).model_to_string())


def predict_minutes(booster: lgb.Booster, rows: pd.DataFrame) -> np.ndarray:
    """Predicted minutes, clipped to [0, MAX_MINUTES]."""
    return np.clip(np.asarray(booster.predict(minutes_matrix(rows)), dtype=float), 0, MAX_MINUTES)


def rate_mean(rows: pd.DataFrame, minutes: np.ndarray) -> np.ndarray:
    """The stat's mean as per-minute rate (last 10 games) times predicted minutes."""
    rate = rows["stat_per36_l10"].astype(float).to_numpy() / 36.0
    return np.where(np.isfinite(rate), rate * minutes, np.nan)


def minutes_system_mean(
    booster: lgb.Booster | None, rows: pd.DataFrame, fallback: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(predicted minutes, rate x predicted minutes) per row; `fallback` where either is unknown."""
    if booster is None:
        return np.full(len(rows), np.nan), fallback
    minutes = predict_minutes(booster, rows)
    mean = rate_mean(rows, minutes)
    return minutes, np.where(np.isfinite(mean), mean, fallback)


def minutes_metrics(scored: pd.DataFrame) -> dict[str, Any]:
    """MAE of predicted minutes, the heuristic projection and last-10, on played rows with history."""
    r = scored[(scored["minutes_actual"] > 0) & scored["projected_minutes"].notna()]
    actual = r["minutes_actual"].to_numpy(dtype=float)

    def mae(column: str) -> float:
        return float(np.mean(np.abs(r[column].fillna(0.0).to_numpy(dtype=float) - actual)))

    return {
        "n": int(len(r)),
        "mae_model": mae("predicted_minutes"),
        "mae_projected": mae("projected_minutes"),
        "mae_last10": mae("minutes_l10"),
        "bias_model": float(np.mean(r["predicted_minutes"].to_numpy(dtype=float) - actual)),
    }


def walk_forward_minutes(
    frame: pd.DataFrame,
    folds: list[tuple[pd.Timestamp, pd.Timestamp]],
    transform: Callable[[pd.DataFrame], pd.DataFrame] = lambda f: f,
    objective: str = "regression",
) -> pd.DataFrame:
    """Score each fold [start, end) with a model fitted on rows strictly before its start.

    `frame` has one row per player-game (any market's rows, deduplicated by the caller) with
    `minutes_actual`; `transform` is applied before fitting and scoring (e.g. an ablation).
    """
    parts = []
    for start, end in folds:
        train = transform(frame[frame["game_date"] < start])
        rows = transform(frame[(frame["game_date"] >= start) & (frame["game_date"] < end)])
        if rows.empty:
            continue
        booster = fit_minutes(train, objective=objective)
        parts.append(rows.assign(predicted_minutes=predict_minutes(booster, rows)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
