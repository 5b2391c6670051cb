"""Fit one market's ensemble: baseline, LightGBM, similarity and rate x predicted minutes stacked,
NB dispersion, calibration.

Everything that combines systems is chosen out of fold: LightGBM and the minutes model are fitted
on the earlier 80% of the training dates, the stacking weights and the NB dispersion on the later
20%, then both are refitted on all rows. The minutes model does not depend on the market, so
`fit_markets` fits it once and every market's stack shares it. Two things are fitted on the holdout rows that carry a real line, so no
evaluation row ever informs them:

- the market anchor: where a real line exists the published mean is
  `line + model_weight * (model_mean - line)` (the line is known before tip; it carries injury and
  lineup news the box scores do not);
- the market-aware calibrator of P(over) (model's line-free probability and the market's).

Both are fitted per market when the market has at least MIN_MARKET_ROWS holdout lines. Otherwise
the anchor weight is pooled over the markets that have lines, and the calibrator keeps the pooled
slopes with intercept 0: an over/under tendency learned on one market's prices is not moved to
another (that is what turned every demo call into UNDER when the only lines were PRA's).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.anchor import anchored_mean, best_weight
from models.calibration import Calibrator, fit_calibrator
from models.distribution import fit_dispersion, p_over, p_under
from models.evaluation import outcome_over
from models.minutes import MinutesModels, fit_minutes_models, minutes_system_mean
from models.pyfunc import PropMarketModel
from models.systems import LGBM_PARAMS, baseline_ewma_mean, lgbm_mean, train_lgbm

HOLDOUT_SHARE = 0.2
MIN_MARKET_ROWS = 300
PRIOR_MODEL_WEIGHT = 0.5
NUM_ROUNDS = 300
WEIGHT_STEP = 0.05
SYSTEMS: tuple[str, ...] = ("baseline", "lgbm", "similarity", "minutes")
# Weight vectors scored per block when searching the simplex (bounds memory: rows x block floats).
GRID_BLOCK = 128


@dataclass(frozen=True)
class MarketFit:
    """The fitted systems of one market before calibration, with their holdout predictions."""

    market: str
    booster_text: str
    weights: tuple[float, float, float, float]
    alpha: float
    metrics: dict[str, float]
    params: dict[str, object]
    feature_importance: dict[str, float]
    holdout: pd.DataFrame = field(repr=False)
    minutes_booster_text: str = ""


@dataclass(frozen=True)
class TrainedMarket:
    """A trained market model with the holdout numbers that chose its blend, dispersion and calibration."""

    model: PropMarketModel
    metrics: dict[str, float]
    params: dict[str, object]
    feature_importance: dict[str, float]
    holdout: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def training_rows(frame: pd.DataFrame, market: str, before: pd.Timestamp) -> pd.DataFrame:
    """Rows of `market` with a known outcome and real history, from games strictly before `before`."""
    rows = frame[
        (frame["market"] == market)
        & (frame["game_date"] < before)
        & frame["actual"].notna()
        & (frame["games_total"] > 0)
    ]
    return rows.sort_values(["game_date", "player_id"]).reset_index(drop=True)


def simplex_weights(step: float = WEIGHT_STEP, systems: int = len(SYSTEMS)) -> np.ndarray:
    """Every non-negative weight vector of `systems` entries on a grid of `step` that sums to one."""
    k = round(1 / step)
    grid = [
        (*head, k - sum(head))
        for head in itertools.product(range(k + 1), repeat=systems - 1)
        if sum(head) <= k
    ]
    return np.asarray(grid, dtype=float) / k


def fit_stack_weights(system_means: np.ndarray, actual: np.ndarray) -> tuple[float, ...]:
    """Weights (sum 1, non-negative) of the systems (columns) that minimise holdout MAE."""
    grid = simplex_weights(systems=system_means.shape[1])
    maes = np.concatenate(
        [
            np.mean(np.abs(system_means @ block.T - actual[:, None]), axis=0)
            for block in np.array_split(grid, max(1, len(grid) // GRID_BLOCK))
        ]
    )
    return tuple(float(w) for w in grid[int(np.argmin(maes))])


def system_means(rows: pd.DataFrame, booster_text: str, minutes_text: str = "") -> np.ndarray:
    """Columns: baseline, LightGBM, similarity and rate x predicted-minutes means for the rows.

    Without a minutes booster (`minutes_text` empty) the minutes column repeats the baseline.
    """
    import lightgbm as lgb

    booster = lgb.Booster(model_str=booster_text)
    baseline = baseline_ewma_mean(rows)
    sim = rows["similarity_mean"].astype(float).to_numpy()
    sim = np.where(np.isfinite(sim), sim, baseline)
    minutes_booster = lgb.Booster(model_str=minutes_text) if minutes_text else None
    _, by_minutes = minutes_system_mean(minutes_booster, rows, baseline)
    return np.column_stack([baseline, lgbm_mean(booster, rows), sim, by_minutes])


def holdout_split(rows: pd.DataFrame, market: str) -> pd.Timestamp:
    """The first holdout date: the latest HOLDOUT_SHARE of the training dates are the holdout."""
    dates = np.sort(rows["game_date"].unique())
    if len(dates) < 10:
        raise ValueError(f"{market}: only {len(dates)} training dates; need at least 10")
    return pd.Timestamp(dates[int(len(dates) * (1 - HOLDOUT_SHARE))])


def conditional_p_over(mean: np.ndarray, line: np.ndarray, alpha: float) -> np.ndarray:
    """NB P(over | no push) where a line exists, NaN elsewhere."""
    out = np.full(len(mean), np.nan)
    ok = np.isfinite(line)
    if ok.any():
        po = p_over(mean[ok], line[ok], alpha)
        pu = p_under(mean[ok], line[ok], alpha)
        out[ok] = po / np.clip(po + pu, 1e-9, None)
    return out


def fit_market_systems(
    rows: pd.DataFrame,
    market: str,
    params: dict[str, object] | None = None,
    num_rounds: int = NUM_ROUNDS,
    minutes: MinutesModels | None = None,
) -> MarketFit:
    """Fit LightGBM on the earlier dates, stack weights and NB alpha on the later ones, refit on all.

    `minutes` (shared across markets by `fit_markets`) is used when its split is this market's;
    otherwise the minutes models are fitted here (None without `minutes_actual` in the rows).
    """
    split = holdout_split(rows, market)
    if minutes is None or minutes.split != split:
        minutes = fit_minutes_models(rows, split)
    fit, hold = rows[rows["game_date"] < split], rows[rows["game_date"] >= split]
    early = train_lgbm(fit, fit["actual"], params, num_rounds)
    means = system_means(hold, early.model_to_string(), minutes.early if minutes else "")
    actual = hold["actual"].to_numpy(dtype=float)
    # Without a minutes model its column repeats the baseline: the weights use three systems.
    found = fit_stack_weights(means if minutes else means[:, :3], actual)
    weights = (found[0], found[1], found[2], found[3] if minutes else 0.0)
    blend = means @ np.asarray(weights)
    alpha = fit_dispersion(blend, actual)
    final = train_lgbm(rows, rows["actual"], params, num_rounds)
    importance = dict(
        zip(final.feature_name(), (float(v) for v in final.feature_importance("gain")), strict=True)
    )
    line = hold["line"].astype(float).to_numpy() if "line" in hold else np.full(len(hold), np.nan)
    holdout = pd.DataFrame(
        {
            "game_date": hold["game_date"].to_numpy(),
            "market": market,
            "actual": actual,
            "line": line,
            "predicted_mean": blend,
            "p_over_raw": conditional_p_over(blend, line, alpha),
            "p_over_devig": hold["p_over_devig"].astype(float).to_numpy()
            if "p_over_devig" in hold
            else np.nan,
        }
    )
    metrics = {
        "holdout_mae_lgbm": float(np.mean(np.abs(means[:, 1] - actual))),
        "holdout_mae_baseline": float(np.mean(np.abs(means[:, 0] - actual))),
        "holdout_mae_similarity": float(np.mean(np.abs(means[:, 2] - actual))),
        "holdout_mae_minutes": float(np.mean(np.abs(means[:, 3] - actual))),
        "holdout_mae_blend": float(np.mean(np.abs(blend - actual))),
        "weight_baseline": weights[0],
        "weight_lgbm": weights[1],
        "weight_similarity": weights[2],
        "weight_minutes": weights[3],
        "lgbm_weight": weights[1],
        "nb_alpha": alpha,
        "n_train": float(len(rows)),
        "n_holdout": float(len(hold)),
        "n_holdout_lines": float(np.isfinite(line).sum()),
    }
    return MarketFit(
        market,
        final.model_to_string(),
        weights,
        alpha,
        metrics,
        {**LGBM_PARAMS, **(params or {}), "num_rounds": num_rounds},
        importance,
        holdout,
        minutes.final if minutes else "",
    )


def line_rows(holdout: pd.DataFrame) -> pd.DataFrame:
    """Holdout rows with a real line and the market's de-vigged probability."""
    return holdout[holdout["line"].notna() & holdout["p_over_devig"].notna()]


def fit_anchor_weights(holdouts: dict[str, pd.DataFrame]) -> dict[str, float]:
    """Model weight against the line per market: own holdout lines, else pooled, else the prior."""
    grid = np.linspace(0.0, 1.0, round(1 / WEIGHT_STEP) + 1)
    pooled_rows = [h for h in holdouts.values() if len(h)]
    pooled = best_weight(pooled_rows, grid) if pooled_rows else PRIOR_MODEL_WEIGHT
    return {
        market: best_weight([h], grid) if len(h) >= MIN_MARKET_ROWS else pooled
        for market, h in holdouts.items()
    }


def calibrator_for(rows: pd.DataFrame) -> Calibrator:
    """The market-aware calibrator fitted on holdout rows with a real line."""
    y = outcome_over(rows["actual"], rows["line"]).to_numpy()
    return fit_calibrator(
        rows["p_over_raw"].to_numpy(dtype=float), rows["p_over_devig"].to_numpy(dtype=float), y
    )


def fit_calibrators(holdouts: dict[str, pd.DataFrame]) -> dict[str, Calibrator]:
    """Per market: its own calibrator with enough holdout lines, else the pooled slopes, intercept 0."""
    pooled = calibrator_for(pd.concat(list(holdouts.values()), ignore_index=True))
    fallback = Calibrator(0.0, pooled.w_model, pooled.w_market, pooled.n)
    return {
        market: calibrator_for(h) if len(h) >= MIN_MARKET_ROWS else fallback
        for market, h in holdouts.items()
    }


def finish(fit: MarketFit, calibrator: Calibrator, model_weight: float) -> TrainedMarket:
    """Wrap fitted systems, the market anchor and the calibrator into the registered pyfunc."""
    model = PropMarketModel(
        fit.market,
        fit.booster_text,
        fit.weights,
        fit.alpha,
        (calibrator.intercept, calibrator.w_model, calibrator.w_market),
        model_weight,
        fit.minutes_booster_text,
    )
    line = fit.holdout["line"].to_numpy(dtype=float)
    holdout = fit.holdout.assign(
        model_mean=fit.holdout["predicted_mean"],
        predicted_mean=anchored_mean(
            fit.holdout["predicted_mean"].to_numpy(dtype=float), line, model_weight
        ),
        p_over=calibrator.apply(
            fit.holdout["p_over_raw"].to_numpy(dtype=float),
            fit.holdout["p_over_devig"].to_numpy(dtype=float),
        ),
    )
    anchored = line_rows(holdout)
    anchor_metrics = {"model_weight": model_weight}
    if len(anchored):
        actual = anchored["actual"]
        anchor_metrics["holdout_mae_anchored"] = float(
            (anchored["predicted_mean"] - actual).abs().mean()
        )
        anchor_metrics["holdout_mae_line"] = float((anchored["line"] - actual).abs().mean())
    return TrainedMarket(
        model,
        {**fit.metrics, **anchor_metrics, **calibrator.as_dict()},
        fit.params,
        fit.feature_importance,
        holdout,
    )


def fit_markets(
    frame: pd.DataFrame,
    markets: list[str],
    before: pd.Timestamp,
    params: dict[str, dict[str, object]] | None = None,
    num_rounds: int = NUM_ROUNDS,
) -> dict[str, TrainedMarket]:
    """Fit every market on rows before `before`, the anchors and calibrators, and build the pyfuncs.

    The minutes models are fitted once, on the first market's rows (every market has a row per
    played player-game), and shared by the markets whose holdout starts on the same date.
    """
    rows = {m: training_rows(frame, m, before) for m in markets}
    first = rows[markets[0]] if markets else pd.DataFrame()
    minutes = fit_minutes_models(first, holdout_split(first, markets[0])) if markets else None
    fits = [
        fit_market_systems(rows[m], m, (params or {}).get(m), num_rounds, minutes) for m in markets
    ]
    return finish_all(fits)


def finish_all(fits: list[MarketFit]) -> dict[str, TrainedMarket]:
    """Anchor weights and calibrators fitted across the markets' holdouts, then the pyfuncs."""
    holdouts = {f.market: line_rows(f.holdout) for f in fits}
    weights = fit_anchor_weights(holdouts)
    calibrators = fit_calibrators(holdouts)
    return {f.market: finish(f, calibrators[f.market], weights[f.market]) for f in fits}


def fit_market_model(
    rows: pd.DataFrame, market: str, params: dict[str, object] | None = None
) -> TrainedMarket:
    """One market alone (its own holdout lines anchor and calibrate it, else the priors)."""
    return finish_all([fit_market_systems(rows, market, params)])[market]
