"""The daily-pipeline flow: ingest, features, predictions, grading, exports, monitoring."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger

from resources.alerts import flow_failure_hook
from resources.cache_keys import run_cached
from resources.clock import run_as_of, time_of_day, today_eastern
from resources.locks import run_lock
from resources.logs import run_logger
from resources.parameters import check_optional_date
from resources.run_status import PhaseLog
from resources.run_tags import code_version, identity_tags, tag_current_flow_run
from resources.settings import Settings, get_settings
from resources.sources.base import AVAILABILITY_KINDS, DAY_KINDS, RESULT_KINDS, SourceError
from tasks.export import export, export_status
from tasks.features import build_features
from tasks.grade import grade
from tasks.ingest import ingest
from tasks.monitor import monitor_coverage, monitor_drift, monitor_performance
from tasks.predict import predict

PHASES = ("ingest", "features", "predict", "grade", "export", "monitor")
# A failed run is retried once, 5 minutes later: every write is a partition replace and finished
# phases come back from the cache, so a retry repeats only what failed (tasks already retried
# their transient errors; resources/retry.py).
DAILY_FLOW_RETRIES = 1
DAILY_FLOW_RETRY_DELAY_SECONDS = 300


@flow(
    name="daily-pipeline",
    log_prints=True,
    on_failure=[flow_failure_hook],
    on_crashed=[flow_failure_hook],
    retries=DAILY_FLOW_RETRIES,
    retry_delay_seconds=DAILY_FLOW_RETRY_DELAY_SECONDS,
)
def daily_pipeline(
    game_date: date | None = None,
    same_day: bool = False,
    refresh: bool = False,
    replay_time: str | None = None,
) -> dict[str, Any]:
    """Predict `game_date` (default: today, US-Eastern).

    same_day=false (production, after last night's games): ingest and grade the previous date, then
    build context, features and predictions for the target date. same_day=true: predict today's
    games from data up to yesterday with today's lines and injury report; nothing of today is
    expected to be final (the pre-tip refresh runs this way late in the afternoon).
    refresh=true runs every phase even when its inputs are unchanged (ignores cached results).
    replay_time ('HH:MM' US-Eastern) is the time of day the replay source answers as of on the
    date (the morning run 10:00, the pre-tip refresh 17:40; default NBA_PROPS_REPLAY_CLOCK_TIME);
    the live source always runs on the real clock.
    """
    game_date = check_optional_date("game_date", game_date)
    if replay_time is not None:
        try:
            time_of_day(replay_time)
        except ValueError as exc:
            raise ValueError(f"replay_time: {exc}") from None
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
        summary = _run(settings, target, previous, same_day, refresh, replay_time)
    tag_current_flow_run(identity_tags(summary["predictions"].get("model_versions", {})))
    return summary


def _run(
    settings: Settings,
    target: date,
    previous: date,
    same_day: bool,
    refresh: bool,
    replay_time: str | None = None,
) -> dict[str, Any]:
    """The phases of one daily run (called while holding the date's slot); status.json at the end."""
    log = PhaseLog(settings, PHASES)
    # Replay: one clock for the whole run (ingest serves what was published before it, features
    # keep what was published before it). Live: the real clock, features keep everything pre-tip.
    as_of = run_as_of(settings, target, replay_time)
    summary: dict[str, Any] = {"game_date": target.isoformat(), "same_day": same_day}
    if as_of is not None:
        summary["as_of"] = as_of.isoformat()
    note = f"game_date {target}; code {code_version()}"

    try:
        summary["ingest"] = log.run(
            "ingest", lambda: _ingest(target, previous, same_day, as_of), note
        )
        summary["features"] = log.run(
            "features",
            lambda: run_cached(
                build_features, "features", [target], {"dates": [target], "as_of": as_of}, refresh
            ),
            note,
        )
        summary["predictions"] = log.run(
            "predict",
            lambda: run_cached(predict, "predict", [target], {"dates": [target]}, refresh),
            note,
        )
        if same_day:
            log.skip("grade", f"same-day run: nothing of {target} is final yet")
        else:
            summary["grading"] = log.run(
                "grade",
                lambda: run_cached(grade, "grade", [previous], {"dates": [previous]}, refresh),
                f"game_date {previous}",
            )
        summary["exports"] = log.run(
            "export",
            lambda: run_cached(
                export, "export", [target], {"day": target, "previous": previous}, refresh
            ),
            note,
        )
        summary |= log.run("monitor", lambda: _monitor(target, previous, same_day, refresh), note)
    finally:
        status = export_status(target, log.phases())
        summary["exports"] = {**summary.get("exports", {}), "status": status}
    return summary


def _ingest(
    target: date, previous: date, same_day: bool, clock: pd.Timestamp | None
) -> dict[str, Any]:
    """Last night's results and lines (production mode), then the target date's schedule, lines and
    injury report (every run fetches them again: a later run gets the newer snapshot)."""
    if not same_day:
        ingest([*DAY_KINDS, *RESULT_KINDS], previous, run_date=target, clock=clock)
    out = ingest(list(DAY_KINDS), target, clock=clock)
    return out | ingest_availability(target, clock)


def ingest_availability(
    game_date: date, clock: pd.Timestamp | None
) -> dict[str, dict[str, object]]:
    """The date's injury report as of `clock`: the one policy of the daily run and of backfill.

    No report yet is no rows (availability features stay unknown). A report source still failing
    after its retries is logged and returned as an `error` entry per kind, never raised: the run
    goes on without the report. Any other exception (a bug) propagates.
    """
    try:
        return ingest(list(AVAILABILITY_KINDS), game_date, clock=clock)
    except SourceError as exc:  # the source failed after its retries
        run_logger().warning("injury report for %s not ingested: %s", game_date, exc)
        return {kind: {"rows_loaded": 0, "error": str(exc)} for kind in AVAILABILITY_KINDS}


def _monitor(target: date, previous: date, same_day: bool, refresh: bool) -> dict[str, Any]:
    """Drift and coverage of the target date; performance up to the graded date."""
    result = {
        "monitoring": run_cached(monitor_drift, "drift", [target], {"day": target}, refresh),
        "coverage": run_cached(monitor_coverage, "coverage", [target], {"day": target}, refresh),
    }
    if not same_day:
        result["performance"] = run_cached(
            monitor_performance, "performance", [previous], {"day": previous}, refresh
        )
    return result
