"""Range tasks for backfill and heal: one read, one model load and one write for many dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from resources import warehouse
from resources.settings import get_settings
from tasks.export import grade_frame
from tasks.features import _dates_sql, predict_frame


@task(name="predict-range", cache_policy=NO_CACHE)
def predict_range(dates: list[date]) -> dict[str, Any]:
    """Predict every market of every date at once; replace the dates' prediction partitions."""
    settings = get_settings()
    url = settings.resolved_warehouse_url
    where, params = _dates_sql(dates)
    store = warehouse.read_table(url, "ml_feature_store", where, params)
    store = store[store["market"].isin(settings.markets)] if len(store) else store
    predictions = predict_frame(settings, store) if len(store) else pd.DataFrame()
    warehouse.replace_partition(
        url, "player_prop_predictions", predictions, "game_date", [pd.Timestamp(d) for d in dates]
    )
    ensemble = predictions[predictions["system_id"] == "ensemble"] if len(predictions) else None
    versions = (
        {str(k): str(v) for k, v in ensemble.groupby("model_name")["model_version"].first().items()}
        if ensemble is not None
        else {}
    )
    get_run_logger().info("predictions for %d dates: %d rows", len(dates), len(predictions))
    return {"rows": len(predictions), "model_versions": versions}


@task(name="grade-range", cache_policy=NO_CACHE)
def grade_range(dates: list[date]) -> dict[str, Any]:
    """Grade finished dates; replace their grade and performance partitions in one write each."""
    settings = get_settings()
    url = settings.resolved_warehouse_url
    grades: list[pd.DataFrame] = []
    performance: list[pd.DataFrame] = []
    for day in dates:
        g, p = grade_frame(settings, day)
        grades.append(g)
        performance.append(p)
    stamps = [pd.Timestamp(d) for d in dates]
    all_grades = pd.concat([g for g in grades if len(g)] or [grades[0]], ignore_index=True)
    all_perf = pd.concat([p for p in performance if len(p)] or [pd.DataFrame()], ignore_index=True)
    warehouse.replace_partition(url, "prediction_grades", all_grades, "game_date", stamps)
    warehouse.replace_partition(url, "system_daily_performance", all_perf, "game_date", stamps)
    get_run_logger().info("graded %d dates: %d grades", len(dates), len(all_grades))
    return {"grades": len(all_grades), "dates": len(dates)}
