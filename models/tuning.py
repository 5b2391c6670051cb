"""optuna tuning of the LightGBM system on walk-forward folds inside the training period."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import optuna
import pandas as pd

from models.systems import lgbm_mean, train_lgbm

TUNING_FOLDS = 2
TUNING_FOLD_DAYS = 45
TUNING_SEED = 7

TrialCallback = Callable[[int, dict[str, object], float], None]


@dataclass(frozen=True)
class TuningResult:
    """Best LightGBM parameters (mean walk-forward MAE) and every trial's numbers."""

    best_params: dict[str, object]
    best_value: float
    trials: list[dict[str, object]] = field(default_factory=list)


def tuning_folds(
    rows: pd.DataFrame, n_folds: int = TUNING_FOLDS, days: int = TUNING_FOLD_DAYS
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The last `n_folds` blocks of `days` days of the rows' dates, oldest first: (start, end)."""
    last = pd.Timestamp(rows["game_date"].max()) + pd.Timedelta(days=1)
    folds = []
    for k in range(n_folds, 0, -1):
        start = last - pd.Timedelta(days=days * k)
        folds.append((start, start + pd.Timedelta(days=days)))
    return folds


def suggest(trial: optuna.Trial) -> dict[str, object]:
    """The search space."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.12, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
        "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 20, 400, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.5, 1.0),
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
    }


def walk_forward_mae(rows: pd.DataFrame, params: dict[str, object], num_rounds: int) -> float:
    """Mean MAE over the tuning folds, each fitted only on rows before it."""
    maes = []
    for start, end in tuning_folds(rows):
        fit = rows[rows["game_date"] < start]
        hold = rows[(rows["game_date"] >= start) & (rows["game_date"] < end)]
        if fit.empty or hold.empty:
            continue
        booster = train_lgbm(fit, fit["actual"], params, num_rounds)
        pred = lgbm_mean(booster, hold)
        maes.append(float(np.mean(np.abs(pred - hold["actual"].to_numpy(dtype=float)))))
    if not maes:
        raise ValueError("no tuning fold has rows on both sides; widen the training window")
    return float(np.mean(maes))


def tune_market(
    rows: pd.DataFrame, trials: int, num_rounds: int, on_trial: TrialCallback | None = None
) -> TuningResult:
    """Run `trials` TPE trials (seeded) minimising walk-forward MAE; report each to `on_trial`."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    history: list[dict[str, object]] = []

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial)
        value = walk_forward_mae(rows, params, num_rounds)
        history.append({"trial": trial.number, **params, "mae": value})
        if on_trial is not None:
            on_trial(trial.number, params, value)
        return value

    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=TUNING_SEED)
    )
    study.optimize(objective, n_trials=trials)
    return TuningResult(dict(study.best_params), float(study.best_value), history)
