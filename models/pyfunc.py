"""The registered model of a market: an MLflow pyfunc that blends the systems and prices the line."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from mlflow.pyfunc.model import PythonModel

from features.precompute import MODEL_FEATURES
from models.distribution import p_over, p_under
from models.systems import baseline_ewma_mean, lgbm_mean

INPUT_COLUMNS: tuple[str, ...] = (*MODEL_FEATURES, "line")
OUTPUT_COLUMNS: tuple[str, ...] = (
    "predicted_mean",
    "baseline_mean",
    "lgbm_mean",
    "p_over",
    "p_under",
)


class PropMarketModel(PythonModel):
    """Ensemble of the EWMA baseline and LightGBM (weight fitted out of sample) + NB dispersion."""

    def __init__(self, market: str, booster_text: str, lgbm_weight: float, alpha: float) -> None:
        self.market = market
        self.booster_text = booster_text
        self.lgbm_weight = lgbm_weight
        self.alpha = alpha
        self._booster: lgb.Booster | None = None

    def _model(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.booster_text)
        return self._booster

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_booster"] = None
        return state

    def predict_frame(self, features: pd.DataFrame) -> pd.DataFrame:
        """Means from each system, the blended mean, and P(over)/P(under) where a line is given."""
        baseline = baseline_ewma_mean(features)
        boosted = lgbm_mean(self._model(), features)
        mean = self.lgbm_weight * boosted + (1.0 - self.lgbm_weight) * baseline
        line = (
            features["line"].astype(float).to_numpy()
            if "line" in features
            else np.full(len(features), np.nan)
        )
        has_line = np.isfinite(line)
        po = np.full(len(features), np.nan)
        pu = np.full(len(features), np.nan)
        if has_line.any():
            po[has_line] = p_over(mean[has_line], line[has_line], self.alpha)
            pu[has_line] = p_under(mean[has_line], line[has_line], self.alpha)
        return pd.DataFrame(
            {
                "predicted_mean": mean,
                "baseline_mean": baseline,
                "lgbm_mean": boosted,
                "p_over": po,
                "p_under": pu,
            },
            index=features.index,
        )

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        return self.predict_frame(model_input)
