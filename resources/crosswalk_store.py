"""Write and read the identity crosswalk: `player_registry` and `prop_name_resolution`."""

from __future__ import annotations

from datetime import date

import pandas as pd

from features.crosswalk import (
    RESOLUTION_COLUMNS,
    player_registry,
    prop_name_resolution,
    unresolved_summary,
)
from features.pipeline import resolve_prop_lines
from resources.settings import Settings
from resources.warehouse import Warehouse

PLAYER_COLUMNS = ("player_id", "player_name", "team_abbr", "game_date")
PROP_COLUMNS = ("event_id", "game_date", "home_team", "away_team", "bookmaker", "player_name")


def refresh_identity(settings: Settings, dates: list[date] | None = None) -> pd.DataFrame:
    """Rebuild `player_registry` and the `prop_name_resolution` rows of `dates` (all when None).

    Returns the resolution rows written. Resolution uses box scores up to the last refreshed date.
    """
    wh = Warehouse.from_settings(settings)
    if not wh.exists("raw_player_boxscores"):
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    players = wh.read_all("raw_player_boxscores", columns=PLAYER_COLUMNS)
    registry = player_registry(players)
    wh.replace_partition(
        "player_registry", registry, "player_id", list(registry["player_id"].unique())
    )
    if not wh.exists("raw_prop_lines"):
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    props = _read_props(wh, dates)
    if props.empty:
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    last = pd.to_datetime(props["game_date"]).max()
    history = players[pd.to_datetime(players["game_date"]) <= last]
    resolution = prop_name_resolution(resolve_prop_lines(props, history), history)
    days = sorted({pd.Timestamp(d) for d in (dates or [])} | set(resolution["game_date"]))
    wh.replace_partition("prop_name_resolution", resolution, "game_date", days)
    return resolution


def _read_props(wh: Warehouse, dates: list[date] | None) -> pd.DataFrame:
    """Prop-line rows needed for name resolution (only those of `dates` when given)."""
    if dates is None:
        return wh.read_all("raw_prop_lines", columns=PROP_COLUMNS)
    return wh.read_dates("raw_prop_lines", dates, columns=PROP_COLUMNS).reset_index(drop=True)


def unresolved_prop_names(settings: Settings, day: date | None = None) -> pd.DataFrame:
    """Prop-line names no player id was found for (on `day`, or overall), most frequent first."""
    wh = Warehouse.from_settings(settings)
    if not wh.exists("prop_name_resolution"):
        return unresolved_summary(pd.DataFrame(columns=list(RESOLUTION_COLUMNS)))
    rows = (
        wh.read_dates("prop_name_resolution", [day], resolution="unresolved")
        if day
        else wh.read_all("prop_name_resolution", resolution="unresolved")
    )
    return unresolved_summary(rows)
