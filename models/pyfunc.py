"""The registered model of a market: an MLflow pyfunc that stacks the systems and prices the line."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModel

from features.precompute import MODEL_FEATURES
from models.anchor import anchored_mean
from models.calibration import Calibrator
from models.distribution import p_over, p_under
from models.minutes import minutes_system_mean
from models.systems import baseline_ewma_mean, lgbm_mean

# implied_team_total (from the game's odds) is a minutes-model input beside the features;
# similarity_mean is computed from the player's history by the caller (models.similarity);
# p_over_raw is the NB P(over | no push) before calibration;
# p_over_devig is the market's de-vigged probability the calibration combines with the model's.
INPUT_COLUMNS: tuple[str, ...] = (
    *MODEL_FEATURES,
    "implied_team_total",
    "similarity_mean",
    "p_over_devig",
    "line",
)
OUTPUT_COLUMNS: tuple[str, ...] = (
    "predicted_mean",
    "model_mean",
    "baseline_mean",
    "lgbm_mean",
    "similarity_mean",
    "minutes_mean",
    "predicted_minutes",
    "p_over_raw",
    "p_over",
    "p_under",
)


class PropMarketModel(PythonModel):
    """Stack of EWMA baseline, LightGBM, similarity and rate x predicted minutes (weights fitted out
    of fold), NB dispersion, a market-aware logistic calibration of P(over), and the published
    mean anchored to the line.

    `model_mean` is the line-free stack; `predicted_mean` is `line + model_weight * (model_mean -
    line)` where a real line is given, else `model_mean`. P(over) starts from the line-free mean so
    the calibrator combines two independent opinions (the model's and the market's).
    """

    def __init__(
        self,
        market: str,
        booster_text: str,
        weights: tuple[float, ...],
        alpha: float,
        calibration: tuple[float, float, float],
        model_weight: float = 1.0,
        minutes_booster_text: str = "",
    ) -> None:
        self.market = market
        self.booster_text = booster_text
        self.weights = _four_weights(weights)
        self.alpha = alpha
        self.calibration = calibration
        self.model_weight = model_weight
        self.minutes_booster_text = minutes_booster_text
        self._booster: lgb.Booster | None = None
        self._minutes_booster: lgb.Booster | None = None

    def _model(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.booster_text)
        return self._booster

    def _minutes_model(self) -> lgb.Booster | None:
        if self._minutes_booster is None and self.minutes_booster_text:
            self._minutes_booster = lgb.Booster(model_str=self.minutes_booster_text)
        return self._minutes_booster

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_booster"] = None
        state["_minutes_booster"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Versions logged before the market anchor existed publish the line-free mean; versions
        # logged before the minutes system have three weights and no minutes booster.
        defaults = {"model_weight": 1.0, "minutes_booster_text": "", "_minutes_booster": None}
        self.__dict__.update({**defaults, **state})
        self.weights = _four_weights(self.weights)

    def predict_frame(self, features: pd.DataFrame) -> pd.DataFrame:
        """Means of each system, the stacked mean, raw and calibrated P(over)/P(under) where a line is given."""
        n = len(features)
        baseline = baseline_ewma_mean(features)
        boosted = lgbm_mean(self._model(), features)
        sim = (
            features["similarity_mean"].astype(float).to_numpy()
            if "similarity_mean" in features
            else np.full(n, np.nan)
        )
        sim = np.where(np.isfinite(sim), sim, baseline)
        minutes, by_minutes = minutes_system_mean(self._minutes_model(), features, baseline)
        w = self.weights
        mean = w[0] * baseline + w[1] * boosted + w[2] * sim + w[3] * by_minutes
        line = (
            features["line"].astype(float).to_numpy() if "line" in features else np.full(n, np.nan)
        )
        market = (
            features["p_over_devig"].astype(float).to_numpy()
            if "p_over_devig" in features
            else np.full(n, np.nan)
        )
        has_line = np.isfinite(line)
        published = anchored_mean(mean, line, self.model_weight)
        raw = np.full(n, np.nan)
        po = np.full(n, np.nan)
        pu = np.full(n, np.nan)
        if has_line.any():
            o = p_over(mean[has_line], line[has_line], self.alpha)
            u = p_under(mean[has_line], line[has_line], self.alpha)
            decided = np.clip(o + u, 1e-9, 1.0)
            raw[has_line] = o / decided
            cal = Calibrator(*self.calibration).apply(o / decided, market[has_line])
            po[has_line] = cal * decided
            pu[has_line] = (1.0 - cal) * decided
        return pd.DataFrame(
            {
                "predicted_mean": published,
                "model_mean": mean,
                "baseline_mean": baseline,
                "lgbm_mean": boosted,
                "similarity_mean": sim,
                "minutes_mean": by_minutes,
                "predicted_minutes": minutes,
                "p_over_raw": raw,
                "p_over": po,
                "p_under": pu,
            },
            index=features.index,
        )

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        return self.predict_frame(model_input)


def _four_weights(weights: tuple[float, ...]) -> tuple[float, float, float, float]:
    """Stack weights of (baseline, lgbm, similarity, minutes); a three-weight stack has no minutes."""
    w = tuple(float(x) for x in weights) + (0.0,) * (4 - len(weights))
    return (w[0], w[1], w[2], w[3])
