"""The daily-pipeline flow: ingest, features, predictions, grading, exports, monitoring."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow, get_run_logger

from resources.alerts import alert_on_low_coverage, flow_failure_hook
from resources.clock import replay_as_of, today_eastern
from resources.locks import run_lock
from resources.run_tags import identity_tags, tag_current_flow_run
from resources.settings import get_settings
from tasks.export import (
    export_date,
    grade_date,
    monitor_coverage,
    monitor_date,
    monitor_performance,
)
from tasks.features import build_features, predict
from tasks.ingest import ingest

RESULT_KINDS = ["player_boxscores", "team_boxscores"]
DAY_KINDS = ["schedule", "prop_lines", "game_odds"]


@flow(
    name="daily-pipeline",
    log_prints=True,
    on_failure=[flow_failure_hook],
    on_crashed=[flow_failure_hook],
)
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
    tag_current_flow_run([*identity_tags(), f"game_date:{target.isoformat()}"])
    # Two runs never interleave writes to one date (one slot per written date, resources/locks.py).
    written = [target] if same_day else [previous, target]
    locks = [f"daily-pipeline-{d.isoformat()}" for d in written]
    with run_lock(locks, settings.daily_lock_timeout_seconds):
        summary = _run(settings, target, previous, same_day)
    tag_current_flow_run(identity_tags(summary["predictions"].get("model_versions", {})))
    return summary


def _run(settings: Any, target: date, previous: date, same_day: bool) -> dict[str, Any]:
    """The phases of one daily run (called while holding the date's slot)."""
    summary: dict[str, Any] = {"game_date": target.isoformat(), "same_day": same_day}
    if not same_day:
        ingest(DAY_KINDS + RESULT_KINDS, previous, run_date=target)
    summary["ingest"] = ingest(DAY_KINDS, target)
    as_of = replay_as_of(settings, target) if settings.source == "replay" else None
    summary["features"] = build_features([target], as_of)
    alert_on_low_coverage(settings, target)
    summary["predictions"] = predict(target)
    if not same_day:
        summary["grading"] = grade_date(previous)
    summary["exports"] = export_date(target, previous, summary)
    summary["monitoring"] = monitor_date(target)
    summary["coverage"] = monitor_coverage(target)
    if not same_day:
        summary["performance"] = monitor_performance(previous)
    return summary
