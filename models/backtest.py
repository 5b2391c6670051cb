"""Walk-forward backtest on real lines: retrain before every fold, score the fold, never fit on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.availability import (
    AVAILABILITY_FEATURES,
    MARKET_FEATURES,
    REPORT_FEATURES,
    REST_FEATURES,
)
from features.precompute import MODEL_FEATURES
from models.evaluation import evaluate
from models.policy import recommend
from models.pyfunc import INPUT_COLUMNS
from models.training import NUM_ROUNDS, TrainedMarket, fit_markets, training_rows
from models.tuning import tune_market

# Availability ablation: which feature groups the models may see (the others are blanked to NaN,
# which LightGBM never splits on). "report" includes the rest features (days since last game,
# games missed): who is out, and for how long.
ABLATIONS: dict[str, tuple[str, ...]] = {
    "none": (),
    "report": (*REST_FEATURES, *REPORT_FEATURES),
    "market": MARKET_FEATURES,
    "both": AVAILABILITY_FEATURES,
}
LEAK_CORRELATION = 0.97
LEAK_MAE_RATIO = 0.6


class LeakageError(RuntimeError):
    """A model saw rows it is evaluated on (or a feature that is the target)."""


@dataclass(frozen=True)
class Fold:
    """One walk-forward fold: train strictly before `start`, score [start, end)."""

    start: pd.Timestamp
    end: pd.Timestamp


def ablate_availability(frame: pd.DataFrame, keep: str) -> pd.DataFrame:
    """The frame with the availability features outside ABLATIONS[keep] blanked (NaN)."""
    if keep not in ABLATIONS:
        raise ValueError(f"unknown availability ablation {keep!r}; use one of {sorted(ABLATIONS)}")
    blank = [c for c in AVAILABILITY_FEATURES if c not in ABLATIONS[keep] and c in frame.columns]
    return frame.assign(**dict.fromkeys(blank, np.nan)) if blank else frame


def monthly_folds(start: pd.Timestamp, end_inclusive: pd.Timestamp) -> list[Fold]:
    """Calendar-month folds covering [start, end_inclusive]."""
    edges = pd.date_range(start.to_period("M").to_timestamp(), end_inclusive, freq="MS")
    starts = [max(e, start) for e in edges] or [start]
    if starts[0] > start:
        starts.insert(0, start)
    last = end_inclusive + pd.Timedelta(days=1)
    ends = [*starts[1:], last]
    return [Fold(s, e) for s, e in zip(starts, ends, strict=True) if s < e]


def real_line_rows(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Played player-games in [start, end) with a real consensus line and some history."""
    return frame[
        (frame["game_date"] >= start)
        & (frame["game_date"] < end)
        & frame["line"].notna()
        & frame["actual"].notna()
        & (frame["games_total"] > 0)
    ].reset_index(drop=True)


def score(models: dict[str, TrainedMarket], rows: pd.DataFrame, min_ev: float) -> pd.DataFrame:
    """Every market model's predictions and the recommendation policy on the rows."""
    frames = []
    for market, part in rows.groupby("market", sort=True):
        trained = models[str(market)]
        part = part.reset_index(drop=True)
        out = trained.model.predict_frame(part[list(INPUT_COLUMNS)].astype(float))
        frames.append(
            pd.concat([part.drop(columns=list(out.columns), errors="ignore"), out], axis=1)
        )
    scored = pd.concat(frames, ignore_index=True)
    scored["p_over_market"] = scored["p_over_devig"]
    return recommend(scored, min_ev)


def leakage_flags(train: pd.DataFrame, scored: pd.DataFrame) -> list[str]:
    """Reasons to believe a model saw what it is scored on (empty list: none found)."""
    flags: list[str] = []
    if len(train) and len(scored) and train["game_date"].max() >= scored["game_date"].min():
        flags.append(
            f"training rows reach {pd.Timestamp(train['game_date'].max()).date()}, "
            f"on or after the first scored date {pd.Timestamp(scored['game_date'].min()).date()}"
        )
    keys = ["game_date", "player_id", "market"]
    overlap = train[keys].merge(scored[keys], on=keys) if len(train) and len(scored) else None
    if overlap is not None and len(overlap):
        flags.append(f"{len(overlap)} scored player-games are also training rows")
    if len(scored) > 30:
        actual = scored["actual"].astype(float)
        for col in MODEL_FEATURES:
            values = scored[col].astype(float)
            if values.std() > 0 and abs(values.corr(actual)) > LEAK_CORRELATION:
                flags.append(f"feature {col} correlates {values.corr(actual):.3f} with the target")
        mae = float(np.mean(np.abs(scored["predicted_mean"] - actual)))
        market_mae = float(np.mean(np.abs(scored["line"] - actual)))
        if mae < LEAK_MAE_RATIO * market_mae:
            flags.append(
                f"MAE {mae:.3f} is below {LEAK_MAE_RATIO} x the market's {market_mae:.3f}: too good to be true"
            )
    return flags


def tuned_params(
    train: pd.DataFrame, markets: list[str], before: pd.Timestamp, trials: int, num_rounds: int
) -> dict[str, dict[str, object]]:
    """optuna-tuned LightGBM parameters per market from the rows before `before` only."""
    return {
        m: tune_market(training_rows(train, m, before), trials, num_rounds).best_params
        for m in markets
    }


def walk_forward(
    frame: pd.DataFrame,
    markets: list[str],
    start: pd.Timestamp,
    end_inclusive: pd.Timestamp,
    min_ev: float,
    params: dict[str, dict[str, object]] | None = None,
    num_rounds: int = NUM_ROUNDS,
    on_fold: Callable[[pd.DataFrame, list[dict[str, Any]]], None] | None = None,
    trials: int = 0,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Score every fold's real-line rows with models fitted on rows strictly before the fold.

    With `trials` > 0, LightGBM is tuned with optuna for every market inside every fold, on the
    fold's training rows only (as `nba-props train --trials` does before a cutoff); `params` is
    then ignored. `on_fold` receives the rows scored so far and the fold summaries after every
    fold (progress).
    """
    scored_parts: list[pd.DataFrame] = []
    folds: list[dict[str, Any]] = []
    for fold in monthly_folds(start, end_inclusive):
        rows = real_line_rows(frame, fold.start, fold.end)
        rows = rows[rows["market"].isin(markets)]
        todo = sorted(rows["market"].unique())
        if not todo:
            continue
        train = frame[(frame["game_date"] < fold.start) & frame["market"].isin(todo)]
        fold_params = (
            tuned_params(train, todo, fold.start, trials, num_rounds) if trials > 0 else params
        )
        models = fit_markets(train, todo, fold.start, fold_params, num_rounds)
        scored = score(models, rows, min_ev)
        flags = leakage_flags(train[train["actual"].notna()], scored)
        if flags:
            raise LeakageError(f"fold {fold.start.date()}: " + "; ".join(flags))
        scored_parts.append(scored.assign(fold=str(fold.start.date())))
        folds.append(
            {
                "fold_start": str(fold.start.date()),
                "fold_end_exclusive": str(fold.end.date()),
                "train_last_date": str(pd.Timestamp(train["game_date"].max()).date()),
                "rows": int(len(rows)),
                "markets": todo,
                "calibration": {
                    m: {k: v for k, v in t.metrics.items() if k.startswith("cal_")}
                    for m, t in models.items()
                },
                "lgbm_params": fold_params or {},
                "model_weight": {m: t.metrics["model_weight"] for m, t in models.items()},
                "weights": {
                    m: [
                        t.metrics["weight_baseline"],
                        t.metrics["weight_lgbm"],
                        t.metrics["weight_similarity"],
                        t.metrics["weight_minutes"],
                    ]
                    for m, t in models.items()
                },
            }
        )
        if on_fold is not None:
            on_fold(pd.concat(scored_parts, ignore_index=True), folds)
    scored_all = pd.concat(scored_parts, ignore_index=True) if scored_parts else pd.DataFrame()
    return scored_all, folds


def report(scored: pd.DataFrame, markets: list[str]) -> dict[str, Any]:
    """Metrics per market (and pooled over markets when there are several)."""
    out: dict[str, Any] = {}
    for market in markets:
        part = scored[scored["market"] == market] if len(scored) else scored
        out[market] = evaluate(part) if len(part) else {"n": 0}
    if len(markets) > 1 and len(scored):
        pooled = evaluate(scored)
        out["all"] = {k: v for k, v in pooled.items() if "mae" not in k and "bias" not in k}
    return out
