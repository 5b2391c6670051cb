"""Phase 6 tasks: the JSON exports of a run (predictions, results, best bets) and status.json."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from models import exports
from models.grading import daily_performance
from models.prediction import EXPORT_SYSTEM
from resources.clock import now_utc
from resources.export_store import ExportStore, export_store
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse


def _results(wh: Warehouse, store: ExportStore, day: date, now: pd.Timestamp) -> str:
    """Write results/{day}.json from the date's grades and per-system performance."""
    grades = wh.read_dates("prediction_grades", [day])
    performance = wh.read_dates("system_daily_performance", [day])
    if performance.empty:
        performance = daily_performance(grades, wh.read_dates("player_prop_predictions", [day]))
    document = exports.build_results_export(grades, performance, day, now)
    return store.write(f"results/{day.isoformat()}.json", document)


@task(name="export-results", cache_policy=NO_CACHE, **TASK_RETRY_OPTIONS)
def export_results(day: date) -> str:
    """Write results/{day}.json (after a regrade too); returns where it went."""
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    return _results(wh, export_store(settings), day, now_utc(settings))


@task(
    name="export",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def export(day: date, previous: date) -> dict[str, str]:
    """Write predictions/{day}.json, results/{previous}.json and best-bets/{day}.json.

    Best-bet picks already published for the day stay locked: the published document is read
    first, and a read that fails for any reason but "not found" fails the task.
    """
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    store = export_store(settings)
    now = now_utc(settings)
    predictions = wh.read_dates("player_prop_predictions", [day])
    written = {
        "predictions": store.write(
            f"predictions/{day.isoformat()}.json",
            exports.build_predictions_export(predictions, day, now, EXPORT_SYSTEM),
        ),
        "results": _results(wh, store, previous, now),
    }
    best_path = f"best-bets/{day.isoformat()}.json"
    published = store.read(best_path)
    ensemble = predictions[predictions["system_id"] == EXPORT_SYSTEM]
    written["best_bets"] = store.write(
        best_path, exports.build_best_bets_export(ensemble, day, now, previous=published)
    )
    return written


def _market_versions(predictions: pd.DataFrame, alias: str) -> dict[str, dict[str, str]]:
    """Market -> the model name, version and alias its published calls came from."""
    ensemble = predictions[predictions["system_id"] == EXPORT_SYSTEM]
    first = ensemble.groupby("market")[["model_name", "model_version"]].first()
    return {
        str(market): {
            "model_name": str(r.model_name),
            "version": str(r.model_version),
            "alias": alias,
        }
        for market, r in first.iterrows()
    }


def _status_document(
    settings: Settings, wh: Warehouse, day: date, phases: list[dict[str, Any]]
) -> dict[str, Any]:
    coverage = wh.read_dates("coverage", [day]).rename(columns={"table_name": "table"})
    predictions = wh.read_dates("player_prop_predictions", [day])
    versions = _market_versions(predictions, settings.champion_alias)
    return exports.build_status_export(phases, coverage, versions, now_utc(settings))


@task(name="export-status", cache_policy=NO_CACHE, **TASK_RETRY_OPTIONS)
def export_status(day: date, phases: list[dict[str, Any]]) -> str:
    """Write status.json: each phase's real state and time from this run, coverage, model versions."""
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    document = _status_document(settings, wh, day, phases)
    return export_store(settings).write("status.json", document)
