"""The minutes model learns what the recent-minutes heuristic cannot: a teammate's absence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.minutes import MINUTES_FEATURES, fit_minutes, minutes_metrics, predict_minutes


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
