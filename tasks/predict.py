"""Phase 5 task: every system's predictions for one date or many, written per date partition."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import task

from features.analytics import player_game_summary
from models.prediction import EXPORT_SYSTEM, finish_predictions, market_predictions, model_versions
from models.similarity import add_similarity
from resources import model_registry
from resources.logs import run_logger
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse


def _predictions(settings: Settings, wh: Warehouse, store: pd.DataFrame) -> pd.DataFrame:
    """Load each market's champion by alias and run every system on the feature-store rows."""
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    # The similarity system needs each player's history (games strictly before the rows' dates);
    # it is per player, so only the games of the players predicted are summarised.
    history = wh.read_before("raw_player_boxscores", store["game_date"].max())
    history = history[history["player_id"].astype(str).isin(set(store["player_id"].astype(str)))]
    store = add_similarity(store, player_game_summary(history))
    frames: list[pd.DataFrame] = []
    for market, rows in store.groupby("market", sort=True):
        name = model_registry.model_name(settings.model_name_prefix, str(market))
        loaded = model_registry.load_by_alias(name, settings.champion_alias)
        champion = model_registry.predict_with(loaded, rows)
        frames += market_predictions(rows, str(market), loaded.name, loaded.version, champion)
    return finish_predictions(frames, settings.min_expected_value)


@task(
    name="predict",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def predict(dates: list[date]) -> dict[str, Any]:
    """Predict every market of the dates with every system; replace the dates' predictions."""
    if not dates:
        return {"rows": 0, "recommendations": {}, "model_versions": {}}
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    store = wh.read_dates("ml_feature_store", dates)
    store = store[store["market"].isin(settings.markets)] if len(store) else store
    predictions = _predictions(settings, wh, store) if len(store) else pd.DataFrame()
    wh.replace_dates("player_prop_predictions", predictions, dates)
    calls = (
        predictions.loc[predictions["system_id"] == EXPORT_SYSTEM, "recommendation"]
        .value_counts()
        .to_dict()
        if len(predictions)
        else {}
    )
    run_logger().info(
        "predictions for %d date(s) %s..%s: %d rows, ensemble calls %s",
        len(dates),
        min(dates),
        max(dates),
        len(predictions),
        calls,
    )
    return {
        "rows": len(predictions),
        "recommendations": calls,
        "model_versions": model_versions(predictions),
    }
