"""Monitoring tasks: drift, coverage and performance reports (HTML + MLflow metrics + artifacts).

The coverage alert fires from here only (`monitor_coverage`), once per date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from features.analytics import player_game_summary
from features.pipeline import low_coverage, low_coverage_message
from features.precompute import MODEL_FEATURES
from models.grading import evaluation_frame
from models.prediction import EXPORT_SYSTEM
from resources import model_registry, reports
from resources.alerts import send_alert
from resources.export_store import export_store
from resources.logs import run_logger
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse

REPORT_KINDS = ("drift", "coverage", "performance")
# The model inputs the feature store holds: what drift and missing values are reported on.
FEATURE_COLUMNS: tuple[str, ...] = (*MODEL_FEATURES, "line", "p_over_devig")
MIN_REFERENCE_ROWS = 200  # fewer rows of the training window: use the trailing window


def _window_start(settings: Settings, day: date) -> pd.Timestamp:
    """First date of the trailing report window that ends at `day` (window: report_window_days)."""
    return pd.Timestamp(day) - pd.Timedelta(days=settings.report_window_days - 1)


def _report_path(settings: Settings, kind: str, day: date) -> Path:
    """reports/{kind}/{date}.html under the state directory."""
    return settings.reports_dir / kind / f"{day.isoformat()}.html"


def _champions(settings: Settings) -> dict[str, tuple[str, tuple[date, date] | None]]:
    """Per market: "name vN" of the champion and its training window [start, end) (None: unknown)."""
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    out: dict[str, tuple[str, tuple[date, date] | None]] = {}
    for market in settings.markets:
        name = model_registry.model_name(settings.model_name_prefix, market)
        version = model_registry.version_with_alias(name, settings.champion_alias)
        out[market] = (
            (f"{name} v{version}", model_registry.training_window(name, version))
            if version
            else ("", None)
        )
    return out


def _reference(
    settings: Settings,
    wh: Warehouse,
    table: str,
    columns: list[str],
    day: date,
    window: tuple[date, date] | None,
    **equals: Any,
) -> reports.Reference:
    """The champion's training window rows of `table` when it holds enough, else the trailing window."""
    if window is not None:
        start, end = window[0], window[1] - timedelta(days=1)
        rows = wh.read_window(table, start, end, columns=columns, **equals)
        if len(rows) >= MIN_REFERENCE_ROWS:
            dates = pd.to_datetime(rows["game_date"])
            note = f"{dates.dt.normalize().nunique()} dates of it in {table}"
            return reports.Reference(rows, reports.TRAINING_WINDOW, str(start), str(end), note=note)
        why = f"{table} holds {len(rows)} rows of the champion's training window {start}..{end}"
    else:
        why = "no champion training window in the registry"
    before = day - timedelta(days=1)
    first = _window_start(settings, before).date()
    rows = wh.read_window(table, first, before, columns=columns, **equals)
    source = reports.TRAILING_WINDOW if len(rows) else reports.NO_REFERENCE
    return reports.Reference(rows, source, str(first), str(before), note=why)


def _drift(settings: Settings, wh: Warehouse, day: date) -> tuple[Path, dict[str, Any]]:
    """Feature and prediction drift of the day, per market, against the champion's training window."""
    feature_columns = ["game_date", "market", *FEATURE_COLUMNS]
    current = wh.read_dates("ml_feature_store", [day], columns=feature_columns)
    if current.empty:
        raise LookupError(
            f"ml_feature_store has no rows for {day}: build them with `nba-props run --date {day}` "
            f"or `nba-props backfill --start {day} --end {day}`"
        )
    prediction_columns = ["game_date", "market", *reports.PREDICTION_COLUMNS]
    predictions = wh.read_dates(
        "player_prop_predictions", [day], columns=prediction_columns, system_id=EXPORT_SYSTEM
    )
    champions = _champions(settings)
    markets = []
    for market in settings.drift_markets or settings.markets:
        champion, window = champions[market]
        markets.append(
            reports.MarketDrift(
                market,
                current[current["market"] == market],
                _reference(
                    settings, wh, "ml_feature_store", feature_columns, day, window, market=market
                ),
                predictions[predictions["market"] == market],
                _reference(
                    settings,
                    wh,
                    "player_prop_predictions",
                    prediction_columns,
                    day,
                    window,
                    market=market,
                    system_id=EXPORT_SYSTEM,
                ),
                champion,
            )
        )
    path = _report_path(settings, "drift", day)
    numbers = reports.drift_report(markets, path, f"Drift {day}", columns=list(FEATURE_COLUMNS))
    return path, numbers


def _coverage(settings: Settings, wh: Warehouse, day: date) -> tuple[Path, dict[str, Any]]:
    """Coverage per table over the trailing window with the day's feature store summarised; the day's minimum and tables below."""
    rows = wh.read_window("coverage", _window_start(settings, day), day)
    if rows.empty:
        raise LookupError(
            f"coverage has no rows in {_window_start(settings, day).date()}..{day}: it is written "
            f"with the features (`nba-props run --date {day}` or `nba-props backfill`)"
        )
    features = wh.read_dates("ml_feature_store", [day], columns=["market", *FEATURE_COLUMNS])
    cov = rows.rename(columns={"table_name": "table"})
    path = _report_path(settings, "coverage", day)
    numbers = reports.coverage_report(
        cov, path, settings.coverage_threshold, features, day, list(FEATURE_COLUMNS)
    )
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


_PREDICTION_KEY = ["game_date", "player_id", "market", "system_id"]


def _performance_frame(settings: Settings, wh: Warehouse, day: date) -> pd.DataFrame:
    """evaluation_frame of the ensemble (with the market's p_over) over the graded dates up to `day`."""
    start = _window_start(settings, day)
    dates = wh.distinct_dates("prediction_grades", start, day)
    if not dates:
        raise LookupError(
            f"prediction_grades has no graded dates in {start.date()}..{day} (the "
            f"{settings.report_window_days} days up to it): grade them with `nba-props grade "
            "--date D` once predictions and box scores exist (`nba-props backfill`)"
        )
    predictions = wh.read_dates("player_prop_predictions", dates, system_id=EXPORT_SYSTEM)
    box = wh.read_dates("raw_player_boxscores", dates)
    if predictions.empty or box.empty:
        raise LookupError(
            "player_prop_predictions (ensemble) or raw_player_boxscores has no rows on the "
            f"graded dates {start.date()}..{day}: `nba-props backfill` over them refills both"
        )
    market_prices = predictions[[*_PREDICTION_KEY, "p_over_market"]].assign(
        game_date=pd.to_datetime(predictions["game_date"]).dt.normalize(),
        player_id=predictions["player_id"].astype(str),
    )
    frame = evaluation_frame(predictions, player_game_summary(box))
    return frame.merge(market_prices, on=_PREDICTION_KEY, how="left", validate="one_to_one")


def _performance(settings: Settings, wh: Warehouse, day: date) -> tuple[Path, dict[str, Any]]:
    """Per market MAE (and against the line), hit rate and calibration of the ensemble over the graded window."""
    frame = _performance_frame(settings, wh, day)
    path = _report_path(settings, "performance", day)
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


def _reference_tags(numbers: dict[str, Any]) -> dict[str, str]:
    """Which reference each market's drift used (source and window), as MLflow run tags."""
    tags = {}
    for market, values in numbers.get("markets", {}).items():
        for prefix, label in (("", "reference"), ("predictions_", "predictions_reference")):
            source = values.get(f"{prefix}reference_source")
            if source is not None:
                window = values.get(f"{prefix}reference_window") or [None, None]
                tags[f"{market}_{label}"] = f"{source} {window[0]}..{window[1]}"
    return tags


def _log_report(
    settings: Settings, kind: str, day: date, path: Path, numbers: dict[str, Any]
) -> str:
    """Publish the HTML beside the exports; one MLflow run per report (tags game_date, kind) with
    its numbers; the report linked as a Prefect artifact (its bucket URL when exports are on GCS,
    which opens from any machine; else the local file). Sets numbers["report_url"]."""
    published = export_store(settings).publish_report(kind, day, path)
    on_gcs = settings.resolved_exports.startswith("gs://")
    numbers["report_url"] = published if on_gcs else path.resolve().as_uri()
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    with mlflow.start_run(run_name=f"{kind}-{day.isoformat()}") as run:
        mlflow.log_metrics(reports.report_metrics(kind, numbers))
        mlflow.set_tags(
            {
                "game_date": day.isoformat(),
                "kind": kind,
                "report_path": str(path),
                "report_url": numbers["report_url"],
            }
        )
        mlflow.set_tags(_reference_tags(numbers))
    create_link_artifact(
        link=numbers["report_url"],
        link_text=f"{kind} report {day}",
        key=f"{kind}-report",
        description=reports.artifact_description(kind, day, numbers),
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


@task(
    name="monitor-drift",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def monitor_drift(day: date) -> dict[str, Any]:
    """Feature and prediction drift per market against the champion's training window."""
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
                f"Report: {numbers.get('report_url') or path.resolve().as_uri()}",
            ]
        ),
        description=message,
    )
    run_logger().warning("ALERT [coverage-low:%s] %s", day.isoformat(), message)
    send_alert(settings, f"coverage-low:{day.isoformat()}", message)


@task(
    name="monitor-coverage",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def monitor_coverage(day: date) -> dict[str, Any]:
    """Coverage report; below the threshold the run gets a warning, a Prefect artifact and an alert."""
    built = _monitor("coverage", day)
    if isinstance(built, str):
        return {"coverage": built}
    path, numbers = built
    if numbers["day_below"]:
        _coverage_alert(get_settings(), day, path, numbers)
    return {"coverage_report": str(path), "alert": bool(numbers["day_below"]), **numbers}


@task(
    name="monitor-performance",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def monitor_performance(day: date) -> dict[str, Any]:
    """Performance report over the graded dates up to `day` (rolling MAE, hit rate, calibration)."""
    built = _monitor("performance", day)
    if isinstance(built, str):
        return {"performance": built}
    path, numbers = built
    return {"performance_report": str(path), **numbers}
