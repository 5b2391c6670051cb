"""Load and read `raw_injury_report`: report names resolved to NBA ids, unresolved ones quarantined."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pandas as pd

from features.identity import resolve_report_names
from resources.raw_loader import LoadReport, load_rows
from resources.settings import Settings
from resources.warehouse import Warehouse

TABLE = "raw_injury_report"
UNRESOLVED_RULE = "player name not resolved to an NBA player id"
PLAYER_COLUMNS = ("player_id", "player_name", "team_abbr", "game_date")


def with_player_ids(wh: Warehouse, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with `player_id` resolved from the warehouse's box scores (NA where no player matches)."""
    if rows.empty:
        return rows.assign(player_id=pd.Series(dtype="string"))
    last = pd.to_datetime(rows["game_date"]).max()
    players = wh.read_window("raw_player_boxscores", None, last, columns=PLAYER_COLUMNS)
    return rows.assign(player_id=resolve_report_names(rows, players))


@dataclass
class InjuryLoadReport(LoadReport):
    """A load of report rows; team entries marked NOT YET SUBMITTED carry no player and are counted."""

    teams_not_submitted: int = 0


def load_injury_rows(
    settings: Settings,
    rows: pd.DataFrame,
    source: str,
    payload_path: str | None,
    teams_not_submitted: int = 0,
) -> InjuryLoadReport:
    """Resolve names, then load like any raw rows (unresolved names are quarantined by the contract)."""
    wh = Warehouse.from_settings(settings)
    report = load_rows(settings, TABLE, with_player_ids(wh, rows), source, payload_path)
    return InjuryLoadReport(**vars(report), teams_not_submitted=teams_not_submitted)


def unresolved_injury_names(settings: Settings) -> pd.DataFrame:
    """Report names no NBA id was found for, with team, rows and date range, most frequent first."""
    columns = ["player_name", "team_abbr", "n_rows", "first_date", "last_date"]
    wh = Warehouse.from_settings(settings)
    rows = wh.read_all("quarantine", table_name=TABLE, rule=UNRESOLVED_RULE)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    parsed = pd.DataFrame([json.loads(text) for text in rows["row_json"]])
    parsed["game_date"] = pd.to_datetime(parsed["game_date"])
    out = parsed.groupby(["player_name", "team_abbr"], as_index=False).agg(
        n_rows=("game_date", "size"),
        first_date=("game_date", "min"),
        last_date=("game_date", "max"),
    )
    return out.sort_values(["n_rows", "player_name"], ascending=[False, True]).reset_index(
        drop=True
    )[columns]


def read_injury_reports(wh: Warehouse, dates: list[date]) -> pd.DataFrame:
    """Report rows for the games of `dates` (every report time; features keep the pre-game ones)."""
    return wh.read_dates(TABLE, dates)
