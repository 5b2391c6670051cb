"""Behavioural model tests on bundled real data: minutes, shuffled labels, leakage, beating the baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.backtest import leakage_flags, real_line_rows, score
from models.calibration import Calibrator
from models.minutes import minutes_metrics
from models.similarity import similarity_mean
from models.systems import baseline_ewma_mean
from models.training import finish, fit_market_systems, training_rows
from tests.model.conftest import CUTOFF

ROUNDS = 60
SHORT_ROUNDS = 30
SHORT_TRAIN_START = pd.Timestamp("2024-01-02")


@pytest.fixture(scope="module")
def points_model(model_frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    rows = training_rows(model_frame, "points", CUTOFF)
    return finish(fit_market_systems(rows, "points", num_rounds=ROUNDS), Calibrator(), 1.0)


def _held_out(frame: pd.DataFrame, market: str) -> pd.DataFrame:
    return frame[
        (frame["market"] == market)
        & (frame["game_date"] >= CUTOFF)
        & frame["actual"].notna()
        & (frame["games_total"] > 0)
    ].reset_index(drop=True)


def test_more_projected_minutes_give_more_points(points_model, model_frame, state_home) -> None:  # type: ignore[no-untyped-def]
    from resources.settings import get_settings
    from resources.training_data import player_history

    rows = _held_out(model_frame, "points").head(400)
    more = rows.assign(projected_minutes=rows["projected_minutes"] + 6.0)
    games = player_history(get_settings(), pd.Timestamp(rows["game_date"].max()).date())
    more["similarity_mean"] = similarity_mean(games, more, "points")
    base = points_model.model.predict_frame(rows)["predicted_mean"].to_numpy()
    up = points_model.model.predict_frame(more)["predicted_mean"].to_numpy()
    assert np.all(up >= base - 1e-9), (
        "a player given more minutes must never be predicted fewer points"
    )
    assert up.mean() > base.mean() + 0.25


def test_shuffled_labels_give_no_skill(model_frame: pd.DataFrame) -> None:
    rows = training_rows(model_frame, "points", CUTOFF)
    rows = rows[rows["game_date"] >= SHORT_TRAIN_START].reset_index(drop=True)
    shuffled = rows.assign(actual=np.random.default_rng(0).permutation(rows["actual"].to_numpy()))
    fit = fit_market_systems(shuffled, "points", num_rounds=SHORT_ROUNDS)
    hold = _held_out(model_frame, "points")
    out = finish(fit, Calibrator(), 1.0).model.predict_frame(hold)
    actual = hold["actual"].to_numpy(dtype=float)
    lgbm_mae = float(np.mean(np.abs(out["lgbm_mean"] - actual)))
    baseline_mae = float(np.mean(np.abs(baseline_ewma_mean(hold) - actual)))
    assert lgbm_mae > baseline_mae, (lgbm_mae, baseline_mae)


def test_trained_model_beats_ewma_baseline_on_held_out_window(points_model, model_frame) -> None:  # type: ignore[no-untyped-def]
    hold = _held_out(model_frame, "points")
    out = points_model.model.predict_frame(hold)
    actual = hold["actual"].to_numpy(dtype=float)
    model_mae = float(np.mean(np.abs(out["predicted_mean"] - actual)))
    baseline_mae = float(np.mean(np.abs(out["baseline_mean"] - actual)))
    assert len(hold) > 1000
    assert model_mae < baseline_mae, (model_mae, baseline_mae)


def test_honest_fold_has_no_leakage_flags(points_model, model_frame) -> None:  # type: ignore[no-untyped-def]
    rows = real_line_rows(model_frame, CUTOFF, pd.Timestamp("2024-04-09"))
    rows = rows[rows["market"] == "points"]
    scored = score({"points": points_model}, rows, 0.03)
    train = training_rows(model_frame, "points", CUTOFF)
    assert leakage_flags(train, scored) == []


def test_model_that_saw_the_target_dates_rows_is_caught(model_frame: pd.DataFrame) -> None:
    # The leak: the target's own outcome slipped into a feature, and the target rows into training.
    leaked = model_frame.assign(stat_l5=model_frame["actual"].fillna(model_frame["stat_l5"]))
    window_end = pd.Timestamp("2024-04-09")
    train = leaked[
        (leaked["market"] == "points")
        & leaked["actual"].notna()
        & (leaked["games_total"] > 0)
        & (leaked["game_date"] >= SHORT_TRAIN_START)
    ]
    fit = fit_market_systems(
        train.reset_index(drop=True), "points", {"learning_rate": 0.2}, SHORT_ROUNDS
    )
    model = finish(fit, Calibrator(), 1.0)
    rows = real_line_rows(leaked, CUTOFF, window_end)
    rows = rows[rows["market"] == "points"]
    scored = score({"points": model}, rows, 0.03)
    flags = leakage_flags(train, scored)
    assert any("on or after the first scored date" in f for f in flags)
    assert any("also training rows" in f for f in flags)
    assert any("stat_l5" in f for f in flags)
    assert any("too good to be true" in f for f in flags)


def test_predicted_minutes_beat_the_heuristic_projection_on_held_out_games(
    points_model, model_frame
) -> None:  # type: ignore[no-untyped-def]
    hold = _held_out(model_frame, "points")
    hold = hold[(hold["minutes_actual"] > 0) & hold["projected_minutes"].notna()]
    out = points_model.model.predict_frame(hold)
    assert points_model.model.minutes_booster_text, "the registered stack carries a minutes model"
    assert "weight_minutes" in points_model.metrics
    metrics = minutes_metrics(hold.assign(predicted_minutes=out["predicted_minutes"].to_numpy()))
    assert metrics["n"] > 1000
    assert metrics["mae_model"] < metrics["mae_projected"], metrics
    assert np.isfinite(out["minutes_mean"]).all()
