"""Phase 6 tasks: grade a finished date, write the JSON exports, run the monitoring reports."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from contracts.analytics import PlayerGameSummary
from contracts.predictions import PredictionGrades
from contracts.registry import TABLES
from features.analytics import player_game_summary
from models import exports
from models.grading import daily_performance, evaluation_frame, grade_predictions
from resources import model_registry, warehouse
from resources.clock import now_utc
from resources.run_tags import code_version
from resources.settings import Settings, get_settings

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


def store_grades(settings: Settings, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grade `day` from the warehouse and replace its prediction_grades and system_daily_performance.

    Re-running after a box-score correction replaces the date's grades with the corrected ones.
    """
    url = settings.resolved_warehouse_url
    grades, performance = grade_frame(settings, day)
    stamp = [pd.Timestamp(day)]
    warehouse.replace_partition(url, "prediction_grades", grades, "game_date", stamp)
    warehouse.replace_partition(url, "system_daily_performance", performance, "game_date", stamp)
    return grades, performance


@task(name="grade", cache_policy=NO_CACHE)
def grade_date(day: date) -> dict[str, Any]:
    """Grade a finished date's calls; replaces its grades and performance rows."""
    grades, _ = store_grades(get_settings(), day)
    record = (
        grades[grades["system_id"] == EXPORT_SYSTEM]["result"].value_counts().to_dict()
        if len(grades)
        else {}
    )
    get_run_logger().info("graded %s: %d grades, ensemble record %s", day, len(grades), record)
    return {"grades": len(grades), "record": record}


def write_results_export(settings: Settings, day: date, now: pd.Timestamp) -> str:
    """Write results/{day}.json from the date's grades and per-system performance."""
    url = settings.resolved_warehouse_url
    grades = _on(url, "prediction_grades", day)
    performance = _on(url, "system_daily_performance", day)
    if performance.empty:
        performance = daily_performance(grades, _on(url, "player_prop_predictions", day))
    return exports.write_json_atomic(
        settings.resolved_exports,
        f"results/{day.isoformat()}.json",
        exports.build_results_export(grades, performance, day, now),
        settings.gcp_credentials_block,
    )


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
        settings.gcp_credentials_block,
    )
    written["results"] = write_results_export(settings, previous, now)
    best_path = f"best-bets/{day.isoformat()}.json"
    published = read_published(target, best_path, settings.gcp_credentials_block)
    ensemble = (
        predictions[predictions["system_id"] == EXPORT_SYSTEM] if len(predictions) else predictions
    )
    written["best_bets"] = exports.write_json_atomic(
        target,
        best_path,
        exports.build_best_bets_export(ensemble, day, now, previous=published),
        settings.gcp_credentials_block,
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
        target,
        "status.json",
        exports.build_status_export(phases, coverage, versions, now),
        settings.gcp_credentials_block,
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


# ---------------------------------------------------------------- monitoring


def _window(settings: Settings, day: date) -> dict[str, Any]:
    """Query parameters of the trailing report window: s < game_date <= d."""
    d = pd.Timestamp(day)
    return {
        "s": (d - pd.Timedelta(days=settings.report_window_days)).to_pydatetime(),
        "d": d.to_pydatetime(),
    }


def report_path(settings: Settings, kind: str, day: date) -> Path:
    """reports/{kind}/{date}.html under the state directory."""
    return settings.reports_dir / kind / f"{day.isoformat()}.html"


def build_drift_report(settings: Settings, day: date) -> tuple[Path, dict[str, Any]]:
    """Feature drift of the day's points feature store against the trailing window before it."""
    url = settings.resolved_warehouse_url
    window = _window(settings, day)
    current = warehouse.read_table(
        url, "ml_feature_store", "game_date = :d AND market = 'points'", {"d": window["d"]}
    )
    reference = warehouse.read_table(
        url, "ml_feature_store", "game_date >= :s AND game_date < :d AND market = 'points'", window
    )
    if current.empty or reference.empty:
        raise LookupError(f"no feature rows for {day} or its reference window")
    from resources import reports  # Evidently is slow to import: only when a report is made

    path = report_path(settings, "drift", day)
    return path, reports.feature_drift_report(current, reference, path)


def build_coverage_report(settings: Settings, day: date) -> tuple[Path, dict[str, Any]]:
    """Coverage per table over the trailing window, plus the day's own minimum and tables below."""
    url = settings.resolved_warehouse_url
    rows = warehouse.read_table(
        url, "coverage", "game_date > :s AND game_date <= :d", _window(settings, day)
    )
    if rows.empty:
        raise LookupError(f"no coverage rows up to {day}: run the features for the date first")
    from resources import reports

    cov = rows.rename(columns={"table_name": "table"})
    path = report_path(settings, "coverage", day)
    numbers = reports.coverage_report(cov, path, settings.coverage_threshold)
    today = cov[pd.to_datetime(cov["game_date"]).dt.normalize() == pd.Timestamp(day)]
    ratio = today["ratio"].astype(float)
    low = today[ratio.isna() | (ratio < settings.coverage_threshold)]
    numbers["day_n_tables"] = len(today)
    numbers["day_min_ratio"] = float(ratio.min()) if len(today) else None
    numbers["day_tables_below_threshold"] = sorted(low["table"].astype(str))
    numbers["day_below"] = [
        {"table": str(r["table"]), "expected": int(r["expected"]), "actual": int(r["actual"])}
        for r in low.to_dict("records")
    ]
    return path, numbers


def performance_frame(settings: Settings, day: date) -> pd.DataFrame:
    """evaluation_frame of the ensemble over the graded dates of the trailing window ending at `day`."""
    url = settings.resolved_warehouse_url
    window = _window(settings, day)
    where = "game_date > :s AND game_date <= :d"
    graded = (
        warehouse.read_sql(
            url, f"SELECT DISTINCT game_date FROM prediction_grades WHERE {where}", window
        )
        if warehouse.table_exists(url, "prediction_grades")
        else pd.DataFrame()
    )
    if graded.empty:
        raise LookupError(f"no graded dates in the {settings.report_window_days} days up to {day}")
    dates = set(pd.to_datetime(graded["game_date"]).dt.normalize())
    predictions = warehouse.read_table(
        url,
        "player_prop_predictions",
        f"{where} AND system_id = :system",
        {**window, "system": EXPORT_SYSTEM},
    )
    box = warehouse.read_table(url, "raw_player_boxscores", where, window)
    predictions = predictions[pd.to_datetime(predictions["game_date"]).dt.normalize().isin(dates)]
    box = box[pd.to_datetime(box["game_date"]).dt.normalize().isin(dates)]
    if predictions.empty or box.empty:
        raise LookupError(
            f"no ensemble predictions with box scores on the graded dates up to {day}"
        )
    return evaluation_frame(predictions, player_game_summary(box))


def build_performance_report(settings: Settings, day: date) -> tuple[Path, dict[str, Any]]:
    """Rolling MAE, hit rate on real lines and calibration of the ensemble over the graded window."""
    frame = performance_frame(settings, day)
    from resources import reports

    path = report_path(settings, "performance", day)
    numbers = reports.performance_report(
        frame, path, window_days=settings.performance_rolling_dates
    )
    numbers["graded_dates"] = int(frame["game_date"].nunique())
    numbers["system_id"] = EXPORT_SYSTEM
    return path, numbers


REPORT_BUILDERS = {
    "drift": build_drift_report,
    "coverage": build_coverage_report,
    "performance": build_performance_report,
}


def build_report(settings: Settings, kind: str, day: date) -> tuple[Path, dict[str, Any]]:
    """Build one monitoring report from the warehouse; LookupError when it has nothing to report on."""
    if kind not in REPORT_BUILDERS:
        raise ValueError(f"unknown report {kind!r}; one of {sorted(REPORT_BUILDERS)}")
    return REPORT_BUILDERS[kind](settings, day)


def report_metrics(kind: str, numbers: dict[str, Any]) -> dict[str, float]:
    """The numeric key numbers of a report as MLflow metrics named {kind}_{name}."""
    return {
        f"{kind}_{k}": float(v)
        for k, v in numbers.items()
        if isinstance(v, int | float | bool) and not (isinstance(v, float) and math.isnan(v))
    }


def log_report(
    settings: Settings, kind: str, day: date, path: Path, numbers: dict[str, Any]
) -> str:
    """One MLflow run per report (tags game_date, kind) with its numbers; the HTML linked as a Prefect artifact."""
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    with mlflow.start_run(run_name=f"{kind}-{day.isoformat()}") as run:
        mlflow.log_metrics(report_metrics(kind, numbers))
        mlflow.set_tags({"game_date": day.isoformat(), "kind": kind, "report_path": str(path)})
    create_link_artifact(
        link=path.resolve().as_uri(), link_text=f"{kind} report {day}", key=f"{kind}-report"
    )
    return str(run.info.run_id)


def raise_alert(settings: Settings, signature: str, message: str) -> None:
    """Raise an operator alert through the configured channel (deduplicated, rate limited)."""
    from resources.alerts import send_alert

    get_run_logger().warning("ALERT [%s] %s", signature, message)
    send_alert(settings, signature, message)


def _monitor(kind: str, day: date) -> tuple[Settings, Path, dict[str, Any]] | dict[str, Any]:
    """Build and log one report; a dict saying why when there was nothing to report on."""
    settings = get_settings()
    try:
        path, numbers = build_report(settings, kind, day)
    except LookupError as exc:
        get_run_logger().info("%s report for %s skipped: %s", kind, day, exc)
        return {kind: f"skipped: {exc}"}
    numbers["mlflow_run_id"] = log_report(settings, kind, day, path, numbers)
    return settings, path, numbers


@task(name="monitor", cache_policy=NO_CACHE)
def monitor_date(day: date) -> dict[str, Any]:
    """Feature drift of the day's feature store against the trailing window; HTML + MLflow + artifact."""
    built = _monitor("drift", day)
    if isinstance(built, dict):
        return built
    _, path, numbers = built
    return {"drift_report": str(path), **numbers}


@task(name="monitor-coverage", cache_policy=NO_CACHE)
def monitor_coverage(day: date) -> dict[str, Any]:
    """Coverage report; below the threshold the run gets a warning, a Prefect artifact and an alert."""
    built = _monitor("coverage", day)
    if isinstance(built, dict):
        return built
    settings, path, numbers = built
    low = numbers["day_below"]
    if low:
        lines = [f"| {r['table']} | {r['expected']} | {r['actual']} |" for r in low]
        message = f"coverage below {settings.coverage_threshold:.0%} on {day}: " + ", ".join(
            f"{r['table']} {r['actual']}/{r['expected']}" for r in low
        )
        create_markdown_artifact(
            key="coverage-alert",
            markdown="\n".join(
                [
                    f"# Coverage below {settings.coverage_threshold:.0%} on {day}",
                    "",
                    "| table | expected | actual |",
                    "|---|---|---|",
                    *lines,
                    "",
                    f"Report: {path.resolve().as_uri()}",
                ]
            ),
            description=message,
        )
        raise_alert(settings, f"coverage-low:{day.isoformat()}", message)
    return {"coverage_report": str(path), "alert": bool(low), **numbers}


@task(name="monitor-performance", cache_policy=NO_CACHE)
def monitor_performance(day: date) -> dict[str, Any]:
    """Performance report over the graded dates up to `day` (rolling MAE, hit rate, calibration)."""
    built = _monitor("performance", day)
    if isinstance(built, dict):
        return built
    _, path, numbers = built
    return {"performance_report": str(path), **numbers}
