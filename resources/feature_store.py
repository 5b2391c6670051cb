"""The feature store's IO: phases 3-4 inputs read point in time, their tables written per date.

Game summaries are contract-checked row by row (broken rows quarantined); every other table is
checked by the warehouse's contract before its partitions are replaced.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from contracts.registry import TABLES
from contracts.validate import split_valid
from features.availability import HISTORY
from features.pipeline import FeatureTables, build_feature_tables
from resources.clock import now_utc
from resources.injury_store import read_injury_reports
from resources.logs import run_logger
from resources.settings import Settings
from resources.warehouse import Warehouse

FEATURE_TABLES = (
    "upcoming_player_game_context",
    "player_daily_cache",
    "team_defense_summary",
    "player_composite_factors",
    "prop_line_consensus",
    "ml_feature_store",
)
SUMMARY_TABLES = ("player_game_summary", "team_game_summary")


def write_feature_tables(
    wh: Warehouse, dates: list[date], tables: FeatureTables | None
) -> dict[str, int]:
    """Replace each feature table's partitions for the dates (dates without games end up empty)."""
    counts: dict[str, int] = {}
    for name in FEATURE_TABLES:
        frame = (
            getattr(tables, name)
            if tables is not None
            else pd.DataFrame({"game_date": pd.Series(dtype="datetime64[ns]")})
        )
        if "game_date" in frame:
            frame = frame.assign(game_date=pd.to_datetime(frame["game_date"]))
        if wh.exists(name) or len(frame):
            counts[name] = wh.replace_dates(name, frame, dates)
    return counts


def _summary_dates(
    wh: Warehouse, name: str, frame: pd.DataFrame, first_refreshed: pd.Timestamp
) -> list[pd.Timestamp]:
    """Game dates of `frame` new to the table or on/after `first_refreshed` (stat corrections)."""
    have = set(wh.distinct_dates(name))
    frame_dates = pd.to_datetime(frame["game_date"]).unique()
    return sorted(d for d in frame_dates if d >= first_refreshed or d not in have)


def write_game_summaries(
    settings: Settings, wh: Warehouse, dates: list[date], tables: FeatureTables | None
) -> dict[str, int]:
    """Write player/team game summaries for game dates new to the table or recent.

    Recent = within `summary_refresh_days` before the first target date, so corrected box scores
    are picked up; older partitions already written are left alone. Broken rows go to quarantine.
    """
    counts: dict[str, int] = {}
    if tables is None:
        return counts
    first = pd.Timestamp(min(dates)) - pd.Timedelta(days=settings.summary_refresh_days)
    for name in SUMMARY_TABLES:
        frame = getattr(tables, name)
        todo = _summary_dates(wh, name, frame, first) if len(frame) else []
        if not todo:
            counts[name] = 0
            continue
        spec = TABLES[name]
        path = f"derived://{name}/{todo[0].date()}..{todo[-1].date()}"
        result = split_valid(
            frame[pd.to_datetime(frame["game_date"]).isin(todo)],
            spec.contract,
            table_name=name,
            source="phase3",
            payload_path=path,
            now=now_utc(settings),
            natural_key=list(spec.natural_key),
        )
        counts[name] = wh.replace_partition(name, result.good, "game_date", todo)
        wh.replace_partition("quarantine", result.quarantine, "payload_path", [path])
        if len(result.quarantine):
            run_logger().warning("%s: quarantined %s", name, result.counts_by_rule)
    return counts


def feature_tables(
    wh: Warehouse, dates: list[date], as_of: pd.Timestamp | None
) -> FeatureTables | None:
    """Phases 3-4 for the dates, vectorised over all of them (None when nothing is scheduled).

    Inputs: the schedule, odds snapshots and injury-report rows of the dates; prop snapshots of the
    dates and of the LINE_HISTORY_DAYS before the first (the market-implied availability features
    compare today's lines with them); every box score before the last.
    """
    schedule = wh.read_dates("raw_schedule", dates)
    if schedule.empty:
        return None
    first, last = min(dates), max(dates)
    return build_feature_tables(
        schedule,
        wh.read_before("raw_player_boxscores", last),
        wh.read_before("raw_team_boxscores", last),
        wh.read_window("raw_prop_lines", pd.Timestamp(first) - HISTORY, pd.Timestamp(last)),
        as_of,
        game_odds=wh.read_dates("raw_game_odds", dates),
        injury_reports=read_injury_reports(wh, dates),
    )
