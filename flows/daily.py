"""The daily-pipeline flow: ingest, features, predictions, grading, exports, monitoring."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow, get_run_logger

from resources.alerts import flow_failure_hook
from resources.clock import replay_as_of, today_eastern
from resources.locks import run_lock
from resources.run_status import PhaseLog
from resources.run_tags import code_version, identity_tags, tag_current_flow_run
from resources.settings import Settings, get_settings
from resources.sources.base import DAY_KINDS, RESULT_KINDS
from tasks.export import export, export_status
from tasks.features import build_features
from tasks.grade import grade
from tasks.ingest import ingest
from tasks.monitor import monitor_coverage, monitor_drift, monitor_performance
from tasks.predict import predict

PHASES = ("ingest", "features", "predict", "grade", "export", "monitor")


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


def _run(settings: Settings, target: date, previous: date, same_day: bool) -> dict[str, Any]:
    """The phases of one daily run (called while holding the date's slot); status.json at the end."""
    log = PhaseLog(settings, PHASES)
    summary: dict[str, Any] = {"game_date": target.isoformat(), "same_day": same_day}
    note = f"game_date {target}; code {code_version()}"
    try:
        summary["ingest"] = log.run("ingest", lambda: _ingest(target, previous, same_day), note)
        as_of = replay_as_of(settings, target) if settings.source == "replay" else None
        summary["features"] = log.run("features", lambda: build_features([target], as_of), note)
        summary["predictions"] = log.run("predict", lambda: predict([target]), note)
        if same_day:
            log.skip("grade", f"same-day run: nothing of {target} is final yet")
        else:
            summary["grading"] = log.run(
                "grade", lambda: grade([previous]), f"game_date {previous}"
            )
        summary["exports"] = log.run("export", lambda: export(target, previous), note)
        summary |= log.run("monitor", lambda: _monitor(target, previous, same_day), note)
    finally:
        summary["exports"] = {
            **summary.get("exports", {}),
            "status": export_status(target, log.phases()),
        }
    return summary


def _ingest(target: date, previous: date, same_day: bool) -> dict[str, Any]:
    """Last night's results and lines (production mode), then the target date's schedule and lines."""
    if not same_day:
        ingest([*DAY_KINDS, *RESULT_KINDS], previous, run_date=target)
    return ingest(list(DAY_KINDS), target)


def _monitor(target: date, previous: date, same_day: bool) -> dict[str, Any]:
    """Drift and coverage of the target date; performance up to the graded date."""
    result = {"monitoring": monitor_drift(target), "coverage": monitor_coverage(target)}
    if not same_day:
        result["performance"] = monitor_performance(previous)
    return result
