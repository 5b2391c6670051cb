"""Import real data files (the layouts of ../shared/data) into the raw tables, with quarantine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from resources import warehouse
from resources.crosswalk_store import refresh_identity
from resources.settings import Settings
from resources.sources import files as importers
from tasks.ingest import LoadReport, load_rows

KIND_FOLDERS = {
    "box-scores": "player_game_logs",
    "team-logs": "team_game_logs",
    "props": "props",
    "game-odds": "game_odds",
}


def _before(frame: pd.DataFrame, before: date | None) -> pd.DataFrame:
    if before is None or frame.empty:
        return frame
    return frame[pd.to_datetime(frame["game_date"]) < pd.Timestamp(before)]


def import_file(
    settings: Settings, kind: str, path: Path, before: date | None = None
) -> list[LoadReport]:
    """Import one file of `kind`; rows on or after `before` are left for the pipeline to ingest."""
    source = f"file:{path.name}"
    where = str(path.resolve())
    if kind == "box-scores":
        rows = _before(importers.read_player_logs(path), before)
        schedule = warehouse.read_table(settings.resolved_warehouse_url, "raw_schedule")
        if len(schedule):
            rows = importers.canonical_game_ids(rows, schedule)
        return [load_rows(settings, "raw_player_boxscores", rows, source, where)]
    if kind == "team-logs":
        teams, _skipped = importers.read_team_logs(path)
        teams = _before(teams, before)
        schedule = importers.schedule_from_team_rows(teams, source=source)
        return [
            load_rows(settings, "raw_team_boxscores", teams, source, where),
            load_rows(settings, "raw_schedule", schedule, source, where + "#schedule"),
        ]
    if kind == "props":
        return [
            load_rows(
                settings,
                "raw_prop_lines",
                _before(importers.read_props(path), before),
                source,
                where,
            )
        ]
    if kind == "game-odds":
        return [
            load_rows(
                settings,
                "raw_game_odds",
                _before(importers.read_game_odds(path), before),
                source,
                where,
            )
        ]
    raise ValueError(f"unknown import kind {kind!r}; use one of {sorted(KIND_FOLDERS)}")


def refresh_after_import(settings: Settings, kinds: set[str]) -> pd.DataFrame:
    """Rebuild the identity crosswalk when box scores or prop lines were imported; its resolution rows."""
    if not kinds & {"box-scores", "props"}:
        return pd.DataFrame()
    return refresh_identity(settings)


def import_dir(
    settings: Settings,
    root: Path,
    before: date | None = None,
    on_file: Callable[[str, Path, list[LoadReport]], None] | None = None,
) -> list[LoadReport]:
    """Import every file under `root` in the ../shared/data layout (team logs first: they give the schedule).

    The identity crosswalk (player_registry, prop_name_resolution) is rebuilt once at the end.
    """
    reports: list[LoadReport] = []
    for kind in ("team-logs", "box-scores", "props", "game-odds"):
        for path in sorted((root / KIND_FOLDERS[kind]).glob("*.csv*")):
            file_reports = import_file(settings, kind, path, before)
            reports.extend(file_reports)
            if on_file:
                on_file(kind, path, file_reports)
    refresh_after_import(settings, {"box-scores", "props"})
    return reports
