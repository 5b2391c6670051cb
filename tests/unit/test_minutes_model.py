"""The minutes model learns what the recent-minutes heuristic cannot (a teammate's absence), and
its rate x minutes mean is a system of the registered stack."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from models.minutes import MINUTES_FEATURES, fit_minutes, minutes_metrics, predict_minutes
from models.pyfunc import INPUT_COLUMNS, PropMarketModel
from models.systems import train_lgbm
from models.training import fit_stack_weights


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    recent = rng.uniform(10, 36, n)
    vacated = rng.choice([0.0, 0.0, 30.0], n)
    frame = pd.DataFrame({c: np.nan for c in MINUTES_FEATURES}, index=range(n))
    frame["minutes_l10"] = recent
    frame["projected_minutes"] = recent
    frame["vacated_minutes"] = vacated
    frame["games_total"] = 20.0
    frame["minutes_actual"] = recent + 0.2 * vacated + rng.normal(0, 1, n)
    return frame


def test_minutes_model_beats_the_projection_when_teammates_are_out() -> None:
    booster = fit_minutes(_rows(1500, seed=1), num_rounds=80)
    test = _rows(400, seed=2)
    scored = test.assign(predicted_minutes=predict_minutes(booster, test))
    metrics = minutes_metrics(scored)
    assert metrics["n"] == 400
    assert metrics["mae_model"] < 0.6 * metrics["mae_projected"]


def test_stack_weights_find_the_minutes_system_when_it_is_the_truth() -> None:
    rng = np.random.default_rng(3)
    truth = rng.uniform(5, 30, 800)
    means = np.column_stack(
        [truth + rng.normal(0, 4, 800), truth + rng.normal(0, 3, 800), truth + 2.0, truth]
    )
    weights = fit_stack_weights(means, truth)
    assert len(weights) == 4
    assert weights[3] == max(weights) and weights[3] >= 0.9
    assert abs(sum(weights) - 1.0) < 1e-9


def test_the_registered_model_multiplies_rates_by_predicted_minutes() -> None:
    train = _rows(1500, seed=4)
    booster = fit_minutes(train, num_rounds=60)
    rows = _rows(50, seed=5)
    features = pd.DataFrame({c: np.nan for c in INPUT_COLUMNS}, index=rows.index)
    features[list(MINUTES_FEATURES)] = rows[list(MINUTES_FEATURES)]
    features[["stat_ewm", "stat_l10", "is_home", "back_to_back"]] = [20.0, 20.0, 0.0, 0.0]
    features["stat_per36_l10"] = 36.0  # one point a minute: the minutes system's mean is minutes
    member = train_lgbm(features.fillna(1.0), rows["minutes_actual"], num_rounds=5)  # weight 0
    model = PropMarketModel(
        "points",
        member.model_to_string(),
        (0.0, 0.0, 0.0, 1.0),
        0.1,
        (0.0, 1.0, 0.0),
        1.0,
        booster.model_to_string(),
    )
    out = model.predict_frame(features)
    assert np.allclose(out["predicted_minutes"], predict_minutes(booster, features))
    assert np.allclose(out["minutes_mean"], out["predicted_minutes"])
    assert np.allclose(out["model_mean"], out["minutes_mean"])
    no_rate = model.predict_frame(features.assign(stat_per36_l10=np.nan))
    assert np.allclose(no_rate["minutes_mean"], no_rate["baseline_mean"])


def test_a_version_logged_before_the_minutes_system_has_a_zero_minutes_weight() -> None:
    model = PropMarketModel("points", "", (0.2, 0.5, 0.3), 0.1, (0.0, 0.5, 0.5), 0.25)
    state = model.__getstate__()
    state["weights"] = (0.2, 0.5, 0.3)
    del state["minutes_booster_text"], state["_minutes_booster"]
    old = PropMarketModel.__new__(PropMarketModel)
    old.__setstate__(state)
    assert old.weights == (0.2, 0.5, 0.3, 0.0)
    assert old._minutes_model() is None
    assert pickle.loads(pickle.dumps(model)).weights == (0.2, 0.5, 0.3, 0.0)
