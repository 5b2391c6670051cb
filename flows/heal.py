"""The heal flow: find the dates whose outputs are missing or low against the schedule, re-run them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from prefect import flow, get_run_logger

from flows.backfill import calendar_dates, run_phases
from resources.alerts import send_alert
from resources.clock import today_eastern
from resources.expected import expected_view, gap_dates, read_counts
from resources.parameters import check_optional_date, check_order
from resources.run_tags import identity_tags, tag_current_flow_run
from resources.settings import get_settings


def find_gaps(start: date, end: date) -> tuple[list[date], list[date]]:
    """(dates with a missing or low phase, dates the warehouse has no schedule for)."""
    settings = get_settings()
    dates = calendar_dates(start, end)
    view = expected_view(
        read_counts(settings, start, end),
        dates,
        today_eastern(settings),
        len(settings.markets),
        settings.coverage_threshold,
    )
    unscheduled = sorted(
        d.date() for d in view.loc[view["state"] == "no_games", "game_date"].drop_duplicates()
    )
    return gap_dates(view), unscheduled


@flow(name="heal", log_prints=True)
def heal(start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Re-run exactly the dates in [start, end] with a missing or low-coverage phase.

    Default window: the `heal_lookback_days` days before today (US-Eastern). Dates without a
    schedule get their schedule fetched (that is how a silently skipped day is found); the
    remaining gaps after the re-run are alerted.
    """
    start, end = check_optional_date("start", start), check_optional_date("end", end)
    settings = get_settings()
    today = today_eastern(settings)
    end = end or today - timedelta(days=1)
    start = start or end - timedelta(days=settings.heal_lookback_days - 1)
    check_order("start", start, "end", end)
    logger = get_run_logger()
    tag_current_flow_run(identity_tags())
    gaps, unscheduled = find_gaps(start, end)
    logger.info(
        "heal %s..%s: gaps on %s; no schedule on %d dates", start, end, gaps, len(unscheduled)
    )
    targets = sorted(set(gaps) | set(unscheduled))
    summary: dict[str, Any] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "gap_dates": [d.isoformat() for d in gaps],
    }
    if not targets:
        return {**summary, "remaining": []}
    summary["run"] = run_phases(targets, refresh=True)
    remaining, _ = find_gaps(start, end)
    summary["remaining"] = [d.isoformat() for d in remaining]
    if remaining:
        send_alert(
            settings,
            f"heal-remaining:{start.isoformat()}:{end.isoformat()}",
            f"heal left gaps on {', '.join(summary['remaining'])} (see `nba-props status --date D`)",
        )
    return summary
