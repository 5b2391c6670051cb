"""The backfill flow: every phase over a date range, each phase once for the whole range.

One parent run with four child runs (ingest, features, predict, grade) in the Prefect UI. Ingest
fetches only what the warehouse lacks (schedules, finished box scores, lines, and the official
injury report of game dates from `injury_report_backfill_from` on, as of the pre-tip refresh's
time of day); features are built
for all game dates at once; predictions and grades are written in one partition replace each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger

from features.calendar import EASTERN
from flows.daily import ingest_availability
from resources.cache_keys import run_cached
from resources.clock import time_of_day, today_eastern
from resources.expected import expected_view, read_counts
from resources.input_gaps import unscheduled_note
from resources.parameters import check_date, check_order
from resources.raw_store import GcsRawStore, LocalRawStore, open_raw_store
from resources.run_tags import identity_tags, tag_current_flow_run
from resources.settings import get_settings
from resources.sources.base import LINE_KINDS, RESULT_KINDS, RawPayload
from resources.sources.injury_report import KIND as INJURY_KIND
from resources.sources.injury_report import SOURCE as INJURY_SOURCE
from resources.warehouse import Warehouse
from tasks.features import build_features
from tasks.grade import grade
from tasks.ingest import ingest
from tasks.predict import predict

ProgressListener = Callable[[str, int, int], None]
_listeners: list[ProgressListener] = []


def add_progress_listener(listener: ProgressListener) -> None:
    """Receive (phase, done, total) as the phases advance (the CLI's progress bar)."""
    _listeners.append(listener)


def remove_progress_listener(listener: ProgressListener) -> None:
    """Stop receiving progress."""
    if listener in _listeners:
        _listeners.remove(listener)


def _progress(phase: str, done: int, total: int) -> None:
    for listener in list(_listeners):
        listener(phase, done, total)


def calendar_dates(start: date, end: date) -> list[date]:
    """Every calendar date in [start, end]."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def ingest_plan(
    dates: list[date],
    counts: pd.DataFrame,
    finished_before: date,
    fetched: Callable[[str, date], bool] = lambda kind, day: False,
) -> list[tuple[date, list[str]]]:
    """What to fetch per date: the schedule when absent; box scores of finished dates and lines when missing.

    A kind whose payload for the date is already in the raw store (`fetched`) is not fetched
    again: a date without lines in the source stays without lines, and a re-run fetches nothing.
    Game odds of a finished date that the warehouse holds (`odds_rows`, e.g. imported) are not
    fetched again when only its prop lines are missing.
    """
    by_date = counts.set_index(pd.to_datetime(counts["game_date"])) if len(counts) else None

    def n(day: date, measure: str) -> float:
        if by_date is None or measure not in by_date or pd.Timestamp(day) not in by_date.index:
            return 0.0
        value: Any = by_date.at[pd.Timestamp(day), measure]
        return 0.0 if pd.isna(value) else float(value)

    plan: list[tuple[date, list[str]]] = []
    for day in dates:
        games = n(day, "games")
        kinds = [] if games else ["schedule"]
        if not games or n(day, "prop_rows") == 0:
            odds_held = day < finished_before and n(day, "odds_rows") > 0
            kinds += [k for k in LINE_KINDS if not (k == "game_odds" and odds_held)]
        if day < finished_before and (not games or n(day, "boxscore_games") < games):
            kinds += RESULT_KINDS
        kinds = [kind for kind in kinds if not fetched(kind, day)]
        if kinds:
            plan.append((day, kinds))
    return plan


def report_dates(
    game_days: list[date],
    held: set[date],
    first: date,
    fetched: Callable[[str, date], bool] = lambda kind, day: False,
) -> list[date]:
    """Game dates from `first` on whose injury report is neither in the warehouse (`held`) nor
    already fetched into the raw store (a date the league published nothing for stays empty)."""
    return [
        day
        for day in game_days
        if day >= first and day not in held and not fetched(INJURY_KIND, day)
    ]


def report_clock(day: date, time_text: str) -> pd.Timestamp:
    """The UTC instant a backfilled date's injury report is read as of: `time_text` US-Eastern."""
    hours, minutes = time_of_day(time_text)
    local = pd.Timestamp(day) + timedelta(hours=hours, minutes=minutes)
    return local.tz_localize(EASTERN).tz_convert("UTC")


def no_report_marker(source: str, day: date, clock: pd.Timestamp) -> RawPayload:
    """What the raw store keeps for a date whose source had no report as of the backfill's clock:
    the answer to a question about a fixed past instant is final, so a re-run does not ask again."""
    content = json.dumps({"no_report_as_of": clock.isoformat()}).encode()
    return RawPayload(
        source=source,
        kind=INJURY_KIND,
        game_date=day,
        content=content,
        fetched_at=clock.to_pydatetime(),
        meta={"empty_answer": "true"},
    )


def _ingest_reports(
    days: list[date], time_text: str, store: LocalRawStore | GcsRawStore
) -> dict[str, int]:
    """Each date's injury report; a date whose source still fails after its retries is logged and
    skipped (its availability features stay unknown, asked again next time), never failing the
    backfill. A date the source has no report for is marked as asked."""
    source = "replay" if get_settings().source == "replay" else INJURY_SOURCE
    loaded, failed = 0, 0
    for day in days:
        clock = report_clock(day, time_text)
        report = ingest_availability(day, clock)
        if any("error" in numbers for numbers in report.values()):  # logged; asked again next time
            failed += 1
            continue
        loaded += sum(int(str(numbers["rows_loaded"])) for numbers in report.values())
        if not store.fetched(INJURY_KIND, day):
            store.save(no_report_marker(source, day, clock))
    return {"dates": len(days), "rows_loaded": loaded, "failed_dates": failed}


def _with_odds_rows(counts: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """`counts` with the game-odds rows per date (column odds_rows) the ingest plan reads."""
    odds = Warehouse.from_settings(get_settings()).count_by_date("raw_game_odds", start, end)
    odds = odds.assign(game_date=pd.to_datetime(odds["game_date"])).rename(
        columns={"n": "odds_rows"}
    )
    if counts.empty:
        return odds
    counts = counts.assign(game_date=pd.to_datetime(counts["game_date"]))
    return counts.merge(odds, on="game_date", how="outer")


@flow(name="backfill-ingest")
def ingest_phase(dates: list[date]) -> dict[str, Any]:
    """Fetch what is missing for the dates (as of the next day: results final, every pre-tip line)."""
    settings = get_settings()
    start, end = min(dates), max(dates)
    store = open_raw_store(settings.resolved_raw_store, settings.gcp_credentials_block)
    counts = _with_odds_rows(read_counts(settings, start, end), start, end)
    plan = ingest_plan(dates, counts, today_eastern(settings), store.fetched)
    loaded: dict[str, int] = {}
    for i, (day, kinds) in enumerate(plan, start=1):
        report = ingest(kinds, day, run_date=day + timedelta(days=1))
        for kind, numbers in report.items():
            loaded[kind] = loaded.get(kind, 0) + int(str(numbers["rows_loaded"]))
        _progress("ingest", i, len(plan))
    if not plan:
        _progress("ingest", 0, 0)
    wh = Warehouse.from_settings(settings)
    scheduled = wh.count_by_date("raw_schedule", start, end)
    reports = wh.count_by_date("raw_injury_report", start, end)
    days = report_dates(
        sorted(pd.Timestamp(d).date() for d in scheduled["game_date"]),
        {pd.Timestamp(d).date() for d in reports["game_date"]},
        settings.injury_report_backfill_from,
        store.fetched,
    )
    injury = _ingest_reports(days, settings.injury_report_backfill_time, store)
    return {"fetched_dates": len(plan), "rows_loaded": loaded, "injury_report": injury}


@flow(name="backfill-features")
def features_phase(dates: list[date], refresh: bool = False) -> dict[str, int]:
    """Phases 3-4 for every game date at once (cached while the inputs are unchanged)."""
    _progress("features", 0, 1)
    counts: dict[str, int] = run_cached(
        build_features, "features", dates, {"dates": dates}, refresh
    )
    _progress("features", 1, 1)
    return counts


@flow(name="backfill-predict")
def predict_phase(dates: list[date], refresh: bool = False) -> dict[str, Any]:
    """Predictions of every date in one pass (cached while features and champions are unchanged)."""
    _progress("predict", 0, 1)
    result: dict[str, Any] = run_cached(predict, "predict", dates, {"dates": dates}, refresh)
    _progress("predict", 1, 1)
    return result


@flow(name="backfill-grade")
def grade_phase(dates: list[date], refresh: bool = False) -> dict[str, Any]:
    """Grades of the finished dates in one write (cached while predictions and results are unchanged)."""
    _progress("grade", 0, 1)
    result: dict[str, Any] = (
        run_cached(grade, "grade", dates, {"dates": dates}, refresh)
        if dates
        else {"grades": 0, "dates": 0, "record": {}}
    )
    _progress("grade", 1, 1)
    return result


def game_dates(start: date, end: date) -> list[date]:
    """Dates with games in [start, end] according to the warehouse schedule."""
    settings = get_settings()
    counts = read_counts(settings, start, end)
    if counts.empty or "games" not in counts:
        return []
    with_games = counts[counts["games"].fillna(0) > 0]
    return sorted(pd.Timestamp(d).date() for d in with_games["game_date"])


def run_phases(dates: list[date], refresh: bool = False) -> dict[str, Any]:
    """Ingest what is missing, then features, predictions and grades for the dates with games.

    refresh=true runs every phase even when its inputs are unchanged.
    """
    settings = get_settings()
    logger = get_run_logger()
    summary: dict[str, Any] = {"ingest": ingest_phase(dates)}
    wanted = set(dates)
    with_games = [d for d in game_dates(min(dates), max(dates)) if d in wanted]
    summary["dates"] = len(with_games)
    note = unscheduled_note(dates, with_games, settings.source)
    if note:
        summary["no_schedule"] = note
    if not with_games:
        logger.info("no games between %s and %s: %s", min(dates), max(dates), note)
        return summary
    summary["features"] = features_phase(with_games, refresh)
    summary["predictions"] = predict_phase(with_games, refresh)
    finished = [d for d in with_games if d < today_eastern(settings)]
    summary["grading"] = grade_phase(finished, refresh)
    versions = summary["predictions"].get("model_versions", {})
    tag_current_flow_run(identity_tags(versions))
    view = expected_view(
        read_counts(settings, min(with_games), max(with_games)),
        with_games,
        today_eastern(settings),
        len(settings.markets),
        settings.coverage_threshold,
    )
    summary["states"] = view["state"].value_counts().to_dict()
    return summary


@flow(name="backfill", log_prints=True)
def backfill(start: date, end: date, refresh: bool = False) -> dict[str, Any]:
    """Every phase over [start, end]: ingest what is missing, then features, predictions, grades.

    Phases whose inputs are unchanged since a previous run come back Cached; refresh=true reruns them.
    """
    start, end = check_date("start", start), check_date("end", end)
    check_order("start", start, "end", end)
    tag_current_flow_run(identity_tags())
    summary = run_phases(calendar_dates(start, end), refresh)
    get_run_logger().info("backfill %s..%s: %s", start, end, summary)
    return summary
