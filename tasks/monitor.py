"""Monitoring tasks: drift, coverage and performance reports (HTML + MLflow metrics + artifacts).

The coverage alert fires from here only (`monitor_coverage`), once per date.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from features.analytics import player_game_summary
from features.pipeline import low_coverage, low_coverage_message
from models.grading import evaluation_frame
from models.prediction import EXPORT_SYSTEM
from resources import model_registry
from resources.alerts import send_alert
from resources.logs import run_logger
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse

REPORT_KINDS = ("drift", "coverage", "performance")


def _window_start(settings: Settings, day: date) -> pd.Timestamp:
    """First date of the trailing report window that ends at `day` (window: report_window_days)."""
    return pd.Timestamp(day) - pd.Timedelta(days=settings.report_window_days - 1)


def report_path(settings: Settings, kind: str, day: date) -> Path:
    """reports/{kind}/{date}.html under the state directory."""
    return settings.reports_dir / kind / f"{day.isoformat()}.html"


def _drift(settings: Settings, wh: Warehouse, day: date) -> tuple[Path, dict[str, Any]]:
    """Feature drift of the day's points feature store against the trailing window before it."""
    current = wh.read_dates("ml_feature_store", [day], market="points")
    before = pd.Timestamp(day) - pd.Timedelta(days=1)
    reference = wh.read_window(
        "ml_feature_store", _window_start(settings, before), before, market="points"
    )
    if current.empty or reference.empty:
        raise LookupError(f"no feature rows for {day} or its reference window")
    from resources import reports  # Evidently is slow to import: only when a report is made

    path = report_path(settings, "drift", day)
    return path, reports.feature_drift_report(current, reference, path)


def _coverage(settings: Settings, wh: Warehouse, day: date) -> tuple[Path, dict[str, Any]]:
    """Coverage per table over the trailing window, plus the day's own minimum and tables below."""
    rows = wh.read_window("coverage", _window_start(settings, day), day)
    if rows.empty:
        raise LookupError(f"no coverage rows up to {day}: run the features for the date first")
    from resources import reports

    cov = rows.rename(columns={"table_name": "table"})
    path = report_path(settings, "coverage", day)
    numbers = reports.coverage_report(cov, path, settings.coverage_threshold)
    today = rows[pd.to_datetime(rows["game_date"]).dt.normalize() == pd.Timestamp(day)]
    low = low_coverage(today, settings.coverage_threshold)
    ratio = today["ratio"].astype(float)
    numbers["day_n_tables"] = len(today)
    numbers["day_min_ratio"] = float(ratio.min()) if len(today) else None
    numbers["day_tables_below_threshold"] = sorted(low["table_name"].astype(str))
    numbers["day_below"] = [
        {"table": str(r["table_name"]), "expected": int(r["expected"]), "actual": int(r["actual"])}
        for r in low.to_dict("records")
    ]
    numbers["day_message"] = low_coverage_message(today, settings.coverage_threshold)
    return path, numbers


def _performance_frame(settings: Settings, wh: Warehouse, day: date) -> pd.DataFrame:
    """evaluation_frame of the ensemble over the graded dates of the trailing window ending at `day`."""
    start = _window_start(settings, day)
    dates = wh.distinct_dates("prediction_grades", start, day)
    if not dates:
        raise LookupError(f"no graded dates in the {settings.report_window_days} days up to {day}")
    predictions = wh.read_dates("player_prop_predictions", dates, system_id=EXPORT_SYSTEM)
    box = wh.read_dates("raw_player_boxscores", dates)
    if predictions.empty or box.empty:
        raise LookupError(
            f"no ensemble predictions with box scores on the graded dates up to {day}"
        )
    return evaluation_frame(predictions, player_game_summary(box))


def _performance(settings: Settings, wh: Warehouse, day: date) -> tuple[Path, dict[str, Any]]:
    """Rolling MAE, hit rate on real lines and calibration of the ensemble over the graded window."""
    frame = _performance_frame(settings, wh, day)
    from resources import reports

    path = report_path(settings, "performance", day)
    numbers = reports.performance_report(
        frame, path, window_days=settings.performance_rolling_dates
    )
    numbers["graded_dates"] = int(frame["game_date"].nunique())
    numbers["system_id"] = EXPORT_SYSTEM
    return path, numbers


BUILDERS: dict[str, Callable[[Settings, Warehouse, date], tuple[Path, dict[str, Any]]]] = {
    "drift": _drift,
    "coverage": _coverage,
    "performance": _performance,
}


@task(name="report", cache_policy=NO_CACHE)
def build_report(kind: str, day: date) -> tuple[Path, dict[str, Any]]:
    """Build one monitoring report; LookupError (saying what is missing) when there is no input."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown report {kind!r}; one of {sorted(BUILDERS)}")
    settings = get_settings()
    return BUILDERS[kind](settings, Warehouse.from_settings(settings), day)


def report_metrics(kind: str, numbers: dict[str, Any]) -> dict[str, float]:
    """The numeric key numbers of a report as MLflow metrics named {kind}_{name}."""
    return {
        f"{kind}_{k}": float(v)
        for k, v in numbers.items()
        if isinstance(v, int | float | bool) and not (isinstance(v, float) and math.isnan(v))
    }


def _log_report(
    settings: Settings, kind: str, day: date, path: Path, numbers: dict[str, Any]
) -> str:
    """One MLflow run per report (tags game_date, kind) with its numbers; the HTML linked as an artifact."""
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    with mlflow.start_run(run_name=f"{kind}-{day.isoformat()}") as run:
        mlflow.log_metrics(report_metrics(kind, numbers))
        mlflow.set_tags({"game_date": day.isoformat(), "kind": kind, "report_path": str(path)})
    create_link_artifact(
        link=path.resolve().as_uri(), link_text=f"{kind} report {day}", key=f"{kind}-report"
    )
    return str(run.info.run_id)


def _monitor(kind: str, day: date) -> tuple[Path, dict[str, Any]] | str:
    """Build and log one report; the reason (also logged) when there was nothing to report on."""
    settings = get_settings()
    try:
        path, numbers = build_report.fn(kind, day)
    except LookupError as exc:
        run_logger().info("%s report for %s skipped: %s", kind, day, exc)
        return f"skipped: {exc}"
    numbers["mlflow_run_id"] = _log_report(settings, kind, day, path, numbers)
    return path, numbers


@task(name="monitor-drift", cache_policy=NO_CACHE)
def monitor_drift(day: date) -> dict[str, Any]:
    """Feature drift of the day's feature store against the trailing window."""
    built = _monitor("drift", day)
    if isinstance(built, str):
        return {"drift": built}
    path, numbers = built
    return {"drift_report": str(path), **numbers}


def _coverage_alert(settings: Settings, day: date, path: Path, numbers: dict[str, Any]) -> None:
    """The one coverage alert: a Prefect markdown artifact and an operator alert (deduplicated)."""
    rows = [f"| {r['table']} | {r['expected']} | {r['actual']} |" for r in numbers["day_below"]]
    message = f"coverage below {settings.coverage_threshold:.0%} on {day}: {numbers['day_message']}"
    create_markdown_artifact(
        key="coverage-alert",
        markdown="\n".join(
            [
                f"# Coverage below {settings.coverage_threshold:.0%} on {day}",
                "",
                "| table | expected | actual |",
                "|---|---|---|",
                *rows,
                "",
                f"Report: {path.resolve().as_uri()}",
            ]
        ),
        description=message,
    )
    run_logger().warning("ALERT [coverage-low:%s] %s", day.isoformat(), message)
    send_alert(settings, f"coverage-low:{day.isoformat()}", message)


@task(name="monitor-coverage", cache_policy=NO_CACHE)
def monitor_coverage(day: date) -> dict[str, Any]:
    """Coverage report; below the threshold the run gets a warning, a Prefect artifact and an alert."""
    built = _monitor("coverage", day)
    if isinstance(built, str):
        return {"coverage": built}
    path, numbers = built
    if numbers["day_below"]:
        _coverage_alert(get_settings(), day, path, numbers)
    return {"coverage_report": str(path), "alert": bool(numbers["day_below"]), **numbers}


@task(name="monitor-performance", cache_policy=NO_CACHE)
def monitor_performance(day: date) -> dict[str, Any]:
    """Performance report over the graded dates up to `day` (rolling MAE, hit rate, calibration)."""
    built = _monitor("performance", day)
    if isinstance(built, str):
        return {"performance": built}
    path, numbers = built
    return {"performance_report": str(path), **numbers}
