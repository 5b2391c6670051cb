"""The daily-pipeline flow: ingest, features, predictions, grading, exports, monitoring."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow, get_run_logger

from tasks.clock import replay_as_of, today_eastern
from tasks.ingest import ingest
from tasks.phases import build_features, predict
from tasks.publish import (
    export_date,
    grade_date,
    monitor_coverage,
    monitor_date,
    monitor_performance,
)
from tasks.settings import get_settings

RESULT_KINDS = ["player_boxscores", "team_boxscores"]
DAY_KINDS = ["schedule", "prop_lines", "game_odds"]


@flow(name="daily-pipeline", log_prints=True)
def daily_pipeline(game_date: date | None = None, same_day: bool = False) -> dict[str, Any]:
    """Predict `game_date` (default: today, US-Eastern).

    same_day=false (production, after last night's games): ingest and grade the previous date, then
    build context, features and predictions for the target date. same_day=true: predict today's
    games from data up to yesterday with today's lines; nothing of today is expected to be final.
    """
    settings = get_settings()
    target = game_date or today_eastern(settings)
    previous = target - timedelta(days=1)
    logger = get_run_logger()
    logger.info("daily-pipeline for %s (same_day=%s, source=%s)", target, same_day, settings.source)
    summary: dict[str, Any] = {"game_date": target.isoformat(), "same_day": same_day}
    if not same_day:
        ingest(DAY_KINDS + RESULT_KINDS, previous, run_date=target)
    summary["ingest"] = ingest(DAY_KINDS, target)
    as_of = replay_as_of(settings, target) if settings.source == "replay" else None
    summary["features"] = build_features([target], as_of)
    summary["predictions"] = predict(target)
    if not same_day:
        summary["grading"] = grade_date(previous)
    summary["exports"] = export_date(target, previous, summary)
    summary["monitoring"] = monitor_date(target)
    summary["coverage"] = monitor_coverage(target)
    if not same_day:
        summary["performance"] = monitor_performance(previous)
    return summary
