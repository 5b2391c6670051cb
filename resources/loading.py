"""Import real data files (the layouts of ../shared/data) into the raw tables, with quarantine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd

from resources import warehouse
from resources.crosswalk_store import refresh_identity
from resources.logs import append_traceback, log_file
from resources.raw_loader import LoadReport, load_rows
from resources.settings import Settings
from resources.sources import files as importers
from resources.sources import injury_report
from resources.sources.base import InputFileError, SourceError

KIND_FOLDERS = {
    "box-scores": "player_game_logs",
    "team-logs": "team_game_logs",
    "props": "props",
    "game-odds": "game_odds",
    "injury-reports": "injuries",
}
# Files of a kind's folder that are of that kind (the injuries folder also holds other logs).
KIND_GLOBS = {"injury-reports": "official_injury_report_*.csv*"}
KIND_EXPECTS = {
    "box-scores": importers.PLAYER_LOGS,
    "team-logs": importers.TEAM_LOGS,
    "props": importers.PROPS,
    "game-odds": importers.GAME_ODDS,
    "injury-reports": injury_report.INJURY_REPORTS,
}
Rows = TypeVar("Rows")
# The `source` of schedule rows derived from player box scores (no team logs for those games).
DERIVED_SCHEDULE_SOURCE = "derived-from-box-scores:"


@dataclass
class DerivedLoadReport(LoadReport):
    """A load of rows derived from another table's rows (say so when reporting it)."""

    derived_from: str = ""


class ImportDirError(SourceError):
    """Some files of a folder could not be imported; the others were. One line names each failure."""

    def __init__(self, root: Path, failures: list[str], reports: list[LoadReport]) -> None:
        super().__init__(
            "file",
            f"{len(failures)} file(s) under {root} not imported (the other files were): "
            + " | ".join(failures),
        )
        self.failures = failures
        self.reports = reports


def _before(frame: pd.DataFrame, before: date | None) -> pd.DataFrame:
    if before is None or frame.empty:
        return frame
    return frame[pd.to_datetime(frame["game_date"]) < pd.Timestamp(before)]


def _log_unexpected(settings: Settings, path: Path, exc: BaseException) -> Path:
    """Append the traceback of an unexpected import failure to {home}/logs/import.log; its path."""
    return append_traceback(log_file(settings.home_dir, "import"), f"importing {path}", exc)


def _read(settings: Settings, kind: str, path: Path, reader: Callable[[Path], Rows]) -> Rows:
    """The reader's rows; a failure it did not foresee becomes an InputFileError (traceback logged)."""
    try:
        return reader(path)
    except SourceError:
        raise
    except Exception as exc:
        log = _log_unexpected(settings, path, exc)
        raise InputFileError(
            path,
            KIND_EXPECTS[kind],
            f"a file the reader failed on ({type(exc).__name__}: {exc}; traceback in {log})",
        ) from exc


def _new_games(derived: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    """Derived games the schedule lacks (by game id, or by date and teams under another id)."""
    if schedule.empty or derived.empty:
        return derived
    known = derived["game_id"].isin(schedule["game_id"].astype(str))
    same_game = derived.merge(
        schedule[["game_date", "home_team", "away_team"]].drop_duplicates(),
        on=["game_date", "home_team", "away_team"],
        how="left",
        indicator=True,
    )["_merge"].eq("both")
    return derived[~known & ~same_game.to_numpy()].reset_index(drop=True)


def _import_box_scores(
    settings: Settings, path: Path, before: date | None, source: str, where: str
) -> list[LoadReport]:
    """Box scores, then the schedule of the games no team log gave (derived from MATCHUP)."""
    url = settings.resolved_warehouse_url
    rows = _before(_read(settings, "box-scores", path, importers.read_player_logs), before)
    schedule = warehouse.read_table(url, "raw_schedule")
    if len(schedule):
        schedule["game_date"] = pd.to_datetime(schedule["game_date"])
        rows = importers.canonical_game_ids(rows, schedule)
    reports = [load_rows(settings, "raw_player_boxscores", rows, source, where)]
    derived_source = DERIVED_SCHEDULE_SOURCE + source
    games = _new_games(importers.schedule_from_player_rows(rows, derived_source), schedule)
    if len(games):
        loaded = load_rows(settings, "raw_schedule", games, derived_source, where + "#schedule")
        reports.append(
            DerivedLoadReport(**vars(loaded), derived_from="player box scores (MATCHUP)")
        )
    return reports


def _adopt_derived_games(settings: Settings, schedule: pd.DataFrame) -> None:
    """Team logs give real ids to games derived earlier under date-and-teams keys: re-key those rows."""
    url = settings.resolved_warehouse_url
    real = schedule.assign(
        derived=importers.derived_game_id(
            schedule["game_date"], schedule["home_team"], schedule["away_team"]
        )
    ).set_index("derived")["game_id"]
    real = real[real.index != real.to_numpy()]
    held = warehouse.read_table(url, "raw_schedule")
    if held.empty or not held["game_id"].isin(real.index).any():
        return
    old_ids = held.loc[held["game_id"].isin(real.index), "game_id"].tolist()
    boxes = warehouse.read_table(url, "raw_player_boxscores")
    if len(boxes):
        rekeyed = boxes[boxes["game_id"].isin(old_ids)].assign(
            game_id=lambda f: f["game_id"].map(real)
        )
        warehouse.replace_partition(url, "raw_player_boxscores", rekeyed, "game_id", old_ids)
    warehouse.replace_partition(url, "raw_schedule", held.iloc[0:0], "game_id", old_ids)


def import_file(
    settings: Settings, kind: str, path: Path, before: date | None = None
) -> list[LoadReport]:
    """Import one file of `kind`; rows on or after `before` are left for the pipeline to ingest.

    A file that cannot be used raises InputFileError (a SourceError) before anything is written.
    """
    source = f"file:{path.name}"
    where = str(path.resolve())
    if kind == "box-scores":
        return _import_box_scores(settings, path, before, source, where)
    if kind == "team-logs":
        teams, _skipped = _read(settings, kind, path, importers.read_team_logs)
        teams = _before(teams, before)
        schedule = importers.schedule_from_team_rows(teams, source=source)
        reports = [
            load_rows(settings, "raw_team_boxscores", teams, source, where),
            load_rows(settings, "raw_schedule", schedule, source, where + "#schedule"),
        ]
        _adopt_derived_games(settings, schedule)
        return reports
    if kind == "props":
        return [
            load_rows(
                settings,
                "raw_prop_lines",
                _before(_read(settings, kind, path, importers.read_props), before),
                source,
                where,
            )
        ]
    if kind == "game-odds":
        return [
            load_rows(
                settings,
                "raw_game_odds",
                _before(_read(settings, kind, path, importers.read_game_odds), before),
                source,
                where,
            )
        ]
    if kind == "injury-reports":
        from resources.injury_store import load_injury_rows

        rows, not_submitted = _read(settings, kind, path, injury_report.read_report_csv)
        return [load_injury_rows(settings, _before(rows, before), source, where, not_submitted)]
    raise ValueError(f"unknown import kind {kind!r}; use one of {sorted(KIND_FOLDERS)}")


def refresh_after_import(settings: Settings, kinds: set[str]) -> pd.DataFrame:
    """Rebuild the identity crosswalk when box scores or prop lines were imported; its resolution rows."""
    if not kinds & {"box-scores", "props"}:
        return pd.DataFrame()
    return refresh_identity(settings)


def _one_line(settings: Settings, path: Path, exc: Exception) -> str:
    """A failure as one line: the SourceError's message, or the exception with where its traceback went."""
    if isinstance(exc, SourceError):
        return str(exc)
    log = _log_unexpected(settings, path, exc)
    return f"{path}: {type(exc).__name__}: {exc} (traceback in {log})"


def import_dir(
    settings: Settings,
    root: Path,
    before: date | None = None,
    on_file: Callable[[str, Path, list[LoadReport]], None] | None = None,
    on_error: Callable[[str, Path, str], None] | None = None,
) -> list[LoadReport]:
    """Import every file under `root` in the ../shared/data layout (team logs first: they give the schedule;
    injury reports after box scores: their names resolve against them).

    A file that fails is reported in one line (`on_error`) and the next files are imported; the
    identity crosswalk (player_registry, prop_name_resolution) is rebuilt once at the end, then
    ImportDirError lists the failed files (so a command exits non-zero after importing the rest).
    """
    reports: list[LoadReport] = []
    failures: list[str] = []
    for kind in ("team-logs", "box-scores", "props", "game-odds", "injury-reports"):
        for path in sorted((root / KIND_FOLDERS[kind]).glob(KIND_GLOBS.get(kind, "*.csv*"))):
            try:
                file_reports = import_file(settings, kind, path, before)
            except Exception as exc:
                line = _one_line(settings, path, exc)
                failures.append(line)
                if on_error:
                    on_error(kind, path, line)
                continue
            reports.extend(file_reports)
            if on_file:
                on_file(kind, path, file_reports)
    refresh_after_import(settings, {"box-scores", "props"})
    if failures:
        raise ImportDirError(root, failures, reports)
    return reports
