"""Prediction systems: the EWMA baseline and a LightGBM mean model, per market."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.precompute import MODEL_FEATURES

HOME_FACTOR = 1.01
BACK_TO_BACK_FACTOR = 0.97
LGBM_PARAMS: dict[str, object] = {
    "objective": "poisson",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "seed": 7,
    "num_threads": 0,  # OpenMP's default: OMP_NUM_THREADS if set, else one thread per core
    "deterministic": True,
}


def baseline_ewma_mean(features: pd.DataFrame) -> np.ndarray:
    """Moving-average baseline: half EWMA, half last-10 mean, with home and back-to-back adjustments."""
    base = 0.5 * features["stat_ewm"].astype(float) + 0.5 * features["stat_l10"].astype(float)
    home = np.where(features["is_home"].astype(float) > 0.5, HOME_FACTOR, 1.0)
    b2b = np.where(features["back_to_back"].astype(float) > 0.5, BACK_TO_BACK_FACTOR, 1.0)
    return np.asarray(np.clip(base.fillna(0.0).to_numpy() * home * b2b, 0.0, None), dtype=float)


def feature_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns, as floats, in the fixed order of MODEL_FEATURES."""
    return features[list(MODEL_FEATURES)].astype(float)


MONOTONE_INCREASING: tuple[str, ...] = ("projected_minutes",)


def monotone_constraints() -> list[int]:
    """+1 for features the mean may only grow with (more projected minutes, never fewer points)."""
    return [1 if f in MONOTONE_INCREASING else 0 for f in MODEL_FEATURES]


def train_lgbm(
    features: pd.DataFrame,
    target: pd.Series,
    params: dict[str, object] | None = None,
    num_rounds: int = 300,
) -> lgb.Booster:
    """Fit a LightGBM mean model (Poisson objective: counts, non-negative means)."""
    data = lgb.Dataset(feature_matrix(features), label=target.astype(float), free_raw_data=True)
    merged = {**LGBM_PARAMS, "monotone_constraints": monotone_constraints(), **(params or {})}
    return lgb.train(merged, data, num_boost_round=num_rounds)


def lgbm_mean(booster: lgb.Booster, features: pd.DataFrame) -> np.ndarray:
    """Predicted mean of a trained LightGBM model."""
    return np.asarray(booster.predict(feature_matrix(features)), dtype=float)
