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
from resources import warehouse
from resources.settings import Settings

PLAYER_COLUMNS = "player_id, player_name, team_abbr, game_date"
PROP_COLUMNS = "event_id, game_date, home_team, away_team, bookmaker, player_name"


def refresh_identity(settings: Settings, dates: list[date] | None = None) -> pd.DataFrame:
    """Rebuild `player_registry` and the `prop_name_resolution` rows of `dates` (all when None).

    Returns the resolution rows written. Resolution uses box scores up to the last refreshed date.
    """
    url = settings.resolved_warehouse_url
    if not warehouse.table_exists(url, "raw_player_boxscores"):
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    players = warehouse.read_sql(url, f"SELECT {PLAYER_COLUMNS} FROM raw_player_boxscores")
    registry = player_registry(players)
    warehouse.replace_partition(
        url, "player_registry", registry, "player_id", list(registry["player_id"].unique())
    )
    if not warehouse.table_exists(url, "raw_prop_lines"):
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    props = _read_props(url, dates)
    if props.empty:
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    last = pd.to_datetime(props["game_date"]).max()
    history = players[pd.to_datetime(players["game_date"]) <= last]
    resolution = prop_name_resolution(resolve_prop_lines(props, history), history)
    days = sorted({pd.Timestamp(d) for d in (dates or [])} | set(resolution["game_date"]))
    warehouse.replace_partition(url, "prop_name_resolution", resolution, "game_date", days)
    return resolution


def _read_props(url: str, dates: list[date] | None) -> pd.DataFrame:
    """Prop-line rows needed for name resolution (only those of `dates` when given)."""
    sql = f"SELECT {PROP_COLUMNS} FROM raw_prop_lines"
    if dates is None:
        return warehouse.read_sql(url, sql)
    days = sorted(pd.Timestamp(d) for d in dates)
    if not days:
        return pd.DataFrame(columns=PROP_COLUMNS.split(", "))
    params = {"lo": days[0].to_pydatetime(), "hi": days[-1].to_pydatetime()}
    props = warehouse.read_sql(url, sql + " WHERE game_date BETWEEN :lo AND :hi", params)
    return props[pd.to_datetime(props["game_date"]).isin(days)].reset_index(drop=True)


def unresolved_prop_names(settings: Settings, day: date | None = None) -> pd.DataFrame:
    """Prop-line names no player id was found for (on `day`, or overall), most frequent first."""
    url = settings.resolved_warehouse_url
    if not warehouse.table_exists(url, "prop_name_resolution"):
        return unresolved_summary(pd.DataFrame(columns=list(RESOLUTION_COLUMNS)))
    where = "resolution = 'unresolved'" + (" AND game_date = :d" if day else "")
    params = {"d": pd.Timestamp(day).to_pydatetime()} if day else None
    return unresolved_summary(warehouse.read_table(url, "prop_name_resolution", where, params))
