"""Phase 6 tasks: grade a finished date, write the JSON exports, run the monitoring reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NO_CACHE

from contracts.analytics import PlayerGameSummary
from contracts.predictions import PredictionGrades
from contracts.registry import TABLES
from features.analytics import player_game_summary
from models import registry
from models.grading import daily_performance, grade_predictions
from tasks import exports, warehouse
from tasks.clock import now_utc
from tasks.identity import code_version
from tasks.settings import Settings, get_settings

EXPORT_SYSTEM = "ensemble"


def _on(url: str, table: str, day: date) -> pd.DataFrame:
    """A table's rows for one date; an absent table reads as an empty frame with its contract's columns."""
    frame = warehouse.read_table(
        url, table, "game_date = :d", {"d": pd.Timestamp(day).to_pydatetime()}
    )
    if frame.empty and table in TABLES:
        columns = list(TABLES[table].contract.to_schema().columns)
        frame = pd.DataFrame(
            {c: pd.Series(dtype="datetime64[ns]" if c == "game_date" else object) for c in columns}
        )
    elif frame.empty and "game_date" not in frame:
        frame = pd.DataFrame({"game_date": pd.Series(dtype="datetime64[ns]")})
    return frame


def grade_frame(settings: Settings, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grades and per-system performance of one date from the warehouse."""
    url = settings.resolved_warehouse_url
    predictions = _on(url, "player_prop_predictions", day)
    box = _on(url, "raw_player_boxscores", day)
    schedule = _on(url, "raw_schedule", day)
    if predictions.empty:
        return pd.DataFrame(columns=list(PredictionGrades.to_schema().columns)), pd.DataFrame()
    played_games = set(box["game_id"]) if len(box) else set()
    finished = schedule[schedule["game_id"].isin(played_games)] if len(schedule) else schedule
    summary = (
        player_game_summary(box)
        if len(box)
        else pd.DataFrame(columns=list(PlayerGameSummary.to_schema().columns))
    )
    grades = grade_predictions(predictions, summary, finished, now_utc(settings))
    performance = daily_performance(grades, predictions, summary)
    return grades, performance


@task(name="grade", cache_policy=NO_CACHE)
def grade_date(day: date) -> dict[str, Any]:
    """Grade a finished date's calls; replaces its grades and performance rows."""
    settings = get_settings()
    url = settings.resolved_warehouse_url
    grades, performance = grade_frame(settings, day)
    stamp = [pd.Timestamp(day)]
    warehouse.replace_partition(url, "prediction_grades", grades, "game_date", stamp)
    warehouse.replace_partition(url, "system_daily_performance", performance, "game_date", stamp)
    record = (
        grades[grades["system_id"] == EXPORT_SYSTEM]["result"].value_counts().to_dict()
        if len(grades)
        else {}
    )
    get_run_logger().info("graded %s: %d grades, ensemble record %s", day, len(grades), record)
    return {"grades": len(grades), "record": record}


@task(name="export", cache_policy=NO_CACHE)
def export_date(day: date, previous: date, run_summary: dict[str, Any]) -> dict[str, str]:
    """Write predictions/{day}.json, results/{previous}.json, best-bets/{day}.json and status.json."""
    settings = get_settings()
    url = settings.resolved_warehouse_url
    now = now_utc(settings)
    target = settings.resolved_exports
    predictions = _on(url, "player_prop_predictions", day)
    written: dict[str, str] = {}
    written["predictions"] = exports.write_json_atomic(
        target,
        f"predictions/{day.isoformat()}.json",
        exports.build_predictions_export(predictions, day, now, EXPORT_SYSTEM),
    )
    grades = _on(url, "prediction_grades", previous)
    performance = _on(url, "system_daily_performance", previous)
    if performance.empty:
        performance = daily_performance(grades, _on(url, "player_prop_predictions", previous))
    written["results"] = exports.write_json_atomic(
        target,
        f"results/{previous.isoformat()}.json",
        exports.build_results_export(grades, performance, previous, now),
    )
    best_path = f"best-bets/{day.isoformat()}.json"
    published = read_published(target, best_path, settings.gcp_credentials_block)
    ensemble = (
        predictions[predictions["system_id"] == EXPORT_SYSTEM] if len(predictions) else predictions
    )
    written["best_bets"] = exports.write_json_atomic(
        target, best_path, exports.build_best_bets_export(ensemble, day, now, previous=published)
    )
    coverage = warehouse.read_table(
        url, "coverage", "game_date = :d", {"d": pd.Timestamp(day).to_pydatetime()}
    )
    coverage = coverage.rename(columns={"table_name": "table"})
    phases = [
        {
            "name": name,
            "status": "completed",
            "updated_at": now.isoformat(),
            "message": f"game_date {day}; code {code_version()}",
        }
        for name in ("ingest", "features", "predict", "grade", "export")
        if name != "grade" or not run_summary.get("same_day")
    ]
    versions = {
        market: {"model_name": name, "version": str(version), "alias": settings.champion_alias}
        for market, (name, version) in _market_versions(predictions).items()
    }
    written["status"] = exports.write_json_atomic(
        target, "status.json", exports.build_status_export(phases, coverage, versions, now)
    )
    return written


def _market_versions(predictions: pd.DataFrame) -> dict[str, tuple[str, str]]:
    if predictions.empty:
        return {}
    ens = predictions[predictions["system_id"] == EXPORT_SYSTEM]
    first = ens.groupby("market")[["model_name", "model_version"]].first()
    return {str(m): (str(r.model_name), str(r.model_version)) for m, r in first.iterrows()}


def read_published(
    target: str, relative_path: str, credentials_block: str | None = None
) -> dict[str, Any] | None:
    """An export already published (its picks are locked), or None when there is none yet."""
    if target.startswith("gs://"):
        bucket = exports._gcs_bucket(target, credentials_block)
        try:
            return dict(json.loads(bucket.read_path(relative_path)))
        except Exception:  # prefect-gcp raises the client's NotFound; nothing published yet
            return None
    path = Path(target) / relative_path
    return json.loads(path.read_text()) if path.exists() else None


@task(name="monitor", cache_policy=NO_CACHE)
def monitor_date(day: date) -> dict[str, Any]:
    """Feature drift of the day's feature store against the trailing 28 days; HTML + MLflow + artifact."""
    settings = get_settings()
    url = settings.resolved_warehouse_url
    d = pd.Timestamp(day)
    current = warehouse.read_table(
        url, "ml_feature_store", "game_date = :d AND market = 'points'", {"d": d.to_pydatetime()}
    )
    reference = warehouse.read_table(
        url,
        "ml_feature_store",
        "game_date >= :s AND game_date < :d AND market = 'points'",
        {"s": (d - pd.Timedelta(days=28)).to_pydatetime(), "d": d.to_pydatetime()},
    )
    if current.empty or reference.empty:
        return {"drift": "skipped: no feature rows for the day or its reference window"}
    from tasks import reports  # Evidently is slow to import: only when a report is made

    path = settings.reports_dir / "drift" / f"{day.isoformat()}.html"
    numbers = reports.feature_drift_report(current, reference, path)
    registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    with mlflow.start_run(run_name=f"monitor-{day.isoformat()}"):
        mlflow.log_metrics(
            {
                f"drift_{k}": float(v)
                for k, v in numbers.items()
                if isinstance(v, (int, float, bool))
            }
        )
        mlflow.set_tag("game_date", day.isoformat())
    create_link_artifact(
        link=path.resolve().as_uri(), link_text=f"feature drift {day}", key="feature-drift"
    )
    return {"drift_report": str(path), **numbers}
