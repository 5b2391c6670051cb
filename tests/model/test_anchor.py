"""The market anchor and the per-market calibrators: what is fitted where, and the fallbacks."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from models.anchor import anchored_mean, best_weight
from models.pyfunc import PropMarketModel
from models.training import (
    MIN_MARKET_ROWS,
    PRIOR_MODEL_WEIGHT,
    calibrator_for,
    fit_anchor_weights,
    fit_calibrators,
)

GRID = np.linspace(0.0, 1.0, 21)


def holdout(
    n: int, market: str, model_weight: float, seed: int, over_bias: float = 0.0
) -> pd.DataFrame:
    """Holdout rows whose outcome is `line + model_weight * (model - line)` plus noise."""
    rng = np.random.default_rng(seed)
    line = rng.integers(5, 30, n) + 0.5
    model = line + rng.normal(0, 3, n)
    actual = np.round(line + model_weight * (model - line) + rng.normal(0, 0.4, n) + over_bias)
    p_market = np.clip(0.5 + rng.normal(0, 0.05, n), 0.05, 0.95)
    return pd.DataFrame(
        {
            "market": market,
            "actual": actual,
            "line": line,
            "predicted_mean": model,
            "p_over_raw": np.clip(0.5 + (model - line) / 12, 0.02, 0.98),
            "p_over_devig": p_market,
        }
    )


def test_anchored_mean_uses_the_line_only_where_one_exists() -> None:
    out = anchored_mean(np.array([20.0, 20.0, 4.0]), np.array([10.5, np.nan, 1.5]), 0.2)
    assert np.allclose(out, [10.5 + 0.2 * 9.5, 20.0, 1.5 + 0.2 * 2.5])
    assert np.allclose(anchored_mean(np.array([20.0]), np.array([10.5]), 0.0), [10.5])


def test_best_weight_recovers_the_weight_that_generated_the_outcomes() -> None:
    assert best_weight([holdout(4000, "points", 0.3, seed=1)], GRID) == 0.3
    assert best_weight([holdout(4000, "points", 0.8, seed=2)], GRID) == 0.8


def test_a_market_without_enough_own_lines_takes_the_pooled_weight_or_the_prior() -> None:
    holdouts = {
        "pra": holdout(3000, "pra", 0.2, seed=3),
        "points": holdout(MIN_MARKET_ROWS - 1, "points", 0.9, seed=4),
        "threes": holdout(0, "threes", 0.9, seed=5),
    }
    weights = fit_anchor_weights(holdouts)
    pooled = best_weight([holdouts["pra"], holdouts["points"]], GRID)
    assert weights == {"pra": 0.2, "points": pooled, "threes": pooled}
    assert pooled < 0.9
    none = fit_anchor_weights({"threes": holdouts["threes"]})
    assert none == {"threes": PRIOR_MODEL_WEIGHT}


def test_an_over_under_tendency_of_one_market_is_not_moved_to_another() -> None:
    pra = holdout(4000, "pra", 0.2, seed=6, over_bias=-1.0)  # unders hit far more than priced
    holdouts = {"pra": pra, "points": holdout(10, "points", 0.2, seed=7)}
    cals = fit_calibrators(holdouts)
    assert cals["pra"].intercept < -0.1
    assert cals["points"].intercept == 0.0
    pooled = calibrator_for(pd.concat(list(holdouts.values())))
    assert (cals["points"].w_model, cals["points"].w_market) == (pooled.w_model, pooled.w_market)


def test_model_weight_defaults_to_line_free_for_versions_logged_before_the_anchor() -> None:
    model = PropMarketModel("points", "", (1.0, 0.0, 0.0), 0.1, (0.0, 0.5, 0.5), 0.25)
    state = model.__getstate__()
    del state["model_weight"]
    old = PropMarketModel.__new__(PropMarketModel)
    old.__setstate__(state)
    assert old.model_weight == 1.0
    assert pickle.loads(pickle.dumps(model)).model_weight == 0.25


def test_without_out_of_fold_lines_the_probability_is_the_market_s() -> None:
    cal = fit_calibrators({"threes": holdout(0, "threes", 0.9, seed=8)})["threes"]
    p_market = np.array([0.3, 0.55, 0.7])
    assert np.allclose(cal.apply(np.array([0.9, 0.1, 0.5]), p_market), p_market)
