"""Evaluation arithmetic, calibration and the promotion gate on small real-number cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from models.backtest import monthly_folds
from models.calibration import Calibrator, fit_calibrator
from models.evaluation import bet_profit, bet_summary, wilson_interval
from models.promotion import promotion_gate


def test_wilson_interval_matches_the_textbook_value() -> None:
    lo, hi = wilson_interval(54, 100)
    assert math.isclose(lo, 0.4423, abs_tol=1e-3) and math.isclose(hi, 0.6347, abs_tol=1e-3)


def test_profit_at_real_prices_and_push_returns_the_stake() -> None:
    bets = pd.DataFrame(
        {
            "recommendation": ["OVER", "UNDER", "OVER", "UNDER"],
            "over_price": [-110.0, -110.0, 150.0, 120.0],
            "under_price": [-110.0, -130.0, -180.0, -140.0],
            "line": [20.5, 20.5, 10.0, 5.5],
            "actual": [25.0, 25.0, 10.0, 3.0],
        }
    )
    profit = bet_profit(bets).to_numpy()
    assert np.allclose(profit, [100 / 110, -1.0, 0.0, 100 / 140])
    s = bet_summary(bets)
    assert (s["bets"], s["wins"], s["losses"], s["pushes"]) == (4, 2, 1, 1)
    assert math.isclose(s["hit_rate"], 2 / 3)


def test_calibrator_learns_to_trust_the_market_when_the_model_is_noise() -> None:
    rng = np.random.default_rng(3)
    p_market = rng.uniform(0.2, 0.8, 5000)
    y = (rng.uniform(size=5000) < p_market).astype(float)
    p_model = rng.uniform(0.05, 0.95, 5000)
    cal = fit_calibrator(p_model, p_market, y)
    assert cal.w_market > 0.7 and abs(cal.w_model) < 0.15
    # An extreme model call against a confident market is pulled back toward the market.
    assert cal.apply(np.array([0.08]), np.array([0.6]))[0] > 0.45


def test_calibrator_falls_back_to_the_fixed_prior_without_enough_rows() -> None:
    cal = fit_calibrator(np.array([0.3, 0.6]), np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert cal == Calibrator(n=2)


def test_promotion_gate_says_why() -> None:
    champ = {"n": 500, "mae": 5.2, "brier": 0.250}
    ok = promotion_gate({"n": 500, "mae": 5.21, "brier": 0.249}, champ, 200, 0.02, 0.0)
    assert ok.passed and len(ok.reasons) == 3
    worse = promotion_gate({"n": 500, "mae": 5.3, "brier": 0.251}, champ, 200, 0.02, 0.0)
    assert not worse.passed and any("Brier" in r and "worse" in r for r in worse.reasons)
    small = promotion_gate({"n": 50, "mae": 5.0, "brier": 0.2}, champ, 200, 0.02, 0.0)
    assert not small.passed and "need 200" in small.reasons[0]


def test_monthly_folds_cover_the_window_without_overlap() -> None:
    folds = monthly_folds(pd.Timestamp("2024-03-10"), pd.Timestamp("2024-05-25"))
    assert [(f.start.date().isoformat(), f.end.date().isoformat()) for f in folds] == [
        ("2024-03-10", "2024-04-01"),
        ("2024-04-01", "2024-05-01"),
        ("2024-05-01", "2024-05-26"),
    ]
