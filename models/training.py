"""Fit one market's model: LightGBM + baseline blend and dispersion, chosen on a time-ordered holdout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.distribution import fit_dispersion
from models.pyfunc import PropMarketModel
from models.systems import LGBM_PARAMS, baseline_ewma_mean, lgbm_mean, train_lgbm

HOLDOUT_SHARE = 0.2
NUM_ROUNDS = 300


@dataclass(frozen=True)
class TrainedMarket:
    """A trained market model with the holdout numbers that chose its blend and dispersion."""

    model: PropMarketModel
    metrics: dict[str, float]
    params: dict[str, object]
    feature_importance: dict[str, float]


def training_rows(frame: pd.DataFrame, market: str, before: pd.Timestamp) -> pd.DataFrame:
    """Rows of `market` with a known outcome and real history, from games strictly before `before`."""
    rows = frame[
        (frame["market"] == market)
        & (frame["game_date"] < before)
        & frame["actual"].notna()
        & (frame["games_total"] > 0)
    ]
    return rows.sort_values(["game_date", "player_id"]).reset_index(drop=True)


def fit_market_model(
    rows: pd.DataFrame, market: str, params: dict[str, object] | None = None
) -> TrainedMarket:
    """Fit on the earlier 80% of dates, choose blend weight and NB alpha on the later 20%, refit on all."""
    dates = np.sort(rows["game_date"].unique())
    if len(dates) < 10:
        raise ValueError(f"{market}: only {len(dates)} training dates; need at least 10")
    split = dates[int(len(dates) * (1 - HOLDOUT_SHARE))]
    fit, hold = rows[rows["game_date"] < split], rows[rows["game_date"] >= split]
    booster = train_lgbm(fit, fit["actual"], params, NUM_ROUNDS)
    boosted = lgbm_mean(booster, hold)
    baseline = baseline_ewma_mean(hold)
    actual = hold["actual"].to_numpy(dtype=float)
    weights = np.linspace(0.0, 1.0, 21)
    maes = [float(np.mean(np.abs(w * boosted + (1 - w) * baseline - actual))) for w in weights]
    weight = float(weights[int(np.argmin(maes))])
    blend = weight * boosted + (1 - weight) * baseline
    alpha = fit_dispersion(blend, actual)
    final = train_lgbm(rows, rows["actual"], params, NUM_ROUNDS)
    importance = dict(
        zip(final.feature_name(), (float(v) for v in final.feature_importance("gain")), strict=True)
    )
    metrics = {
        "holdout_mae_lgbm": float(np.mean(np.abs(boosted - actual))),
        "holdout_mae_baseline": float(np.mean(np.abs(baseline - actual))),
        "holdout_mae_blend": float(np.min(maes)),
        "lgbm_weight": weight,
        "nb_alpha": alpha,
        "n_train": float(len(rows)),
        "n_holdout": float(len(hold)),
    }
    model = PropMarketModel(market, final.model_to_string(), weight, alpha)
    return TrainedMarket(
        model, metrics, {**LGBM_PARAMS, **(params or {}), "num_rounds": NUM_ROUNDS}, importance
    )
