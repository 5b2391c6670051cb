"""The identity crosswalk tables: players seen in box scores, and how each prop-line name resolved."""

from __future__ import annotations

import pandas as pd

from features.identity import normalize_names

REGISTRY_COLUMNS: tuple[str, ...] = (
    "player_id",
    "team_abbr",
    "canonical_name",
    "normalized_name",
    "first_date",
    "last_date",
    "n_games",
)
RESOLUTION_COLUMNS: tuple[str, ...] = (
    "game_date",
    "player_name",
    "normalized_name",
    "player_id",
    "resolution",
    "n_rows",
    "n_books",
    "played",
)


def player_registry(players: pd.DataFrame) -> pd.DataFrame:
    """One row per player and team he played for: canonical name, normalised name, first/last dates."""
    if players.empty:
        return pd.DataFrame(columns=list(REGISTRY_COLUMNS))
    df = players[["player_id", "player_name", "team_abbr", "game_date"]].copy()
    df["player_id"] = df["player_id"].astype(str)
    df["game_date"] = pd.to_datetime(df["game_date"])
    latest = df.sort_values("game_date", kind="stable").drop_duplicates("player_id", keep="last")
    names = latest.set_index("player_id")["player_name"].astype(str)
    out = (
        df.groupby(["player_id", "team_abbr"], as_index=False)
        .agg(
            first_date=("game_date", "min"),
            last_date=("game_date", "max"),
            n_games=("game_date", "size"),
        )
        .sort_values(["player_id", "first_date"], kind="stable")
    )
    out["canonical_name"] = out["player_id"].map(names)
    out["normalized_name"] = normalize_names(out["canonical_name"])
    out["n_games"] = out["n_games"].astype("int64")
    return out[list(REGISTRY_COLUMNS)].reset_index(drop=True)


def prop_name_resolution(resolved: pd.DataFrame, players: pd.DataFrame) -> pd.DataFrame:
    """One row per prop-line name and game date: the player id it resolved to (or not) and counts.

    `played` is True when the resolved player has a box-score row that date, False when he does
    not although box scores of that date exist (a line for a player who then did not play: a
    void bet, not an error), and NA when the name is unresolved or no box score of that date is
    loaded yet.
    """
    if resolved.empty:
        return pd.DataFrame(columns=list(RESOLUTION_COLUMNS))
    df = pd.DataFrame(
        {
            "game_date": pd.to_datetime(resolved["game_date"]).dt.normalize(),
            "player_name": resolved["player_name"].astype(str),
            "player_id": resolved["player_id"].astype("string"),
            "resolution": resolved["resolution"].astype(str),
            "bookmaker": resolved["bookmaker"].astype(str),
        }
    )
    out = df.groupby(["game_date", "player_name"], as_index=False, sort=True).agg(
        player_id=("player_id", "first"),
        resolution=("resolution", "first"),
        n_rows=("bookmaker", "size"),
        n_books=("bookmaker", "nunique"),
    )
    out["normalized_name"] = normalize_names(out["player_name"])
    box_dates = pd.to_datetime(players["game_date"]).dt.normalize()
    played_keys = set(zip(box_dates, players["player_id"].astype(str), strict=True))
    dates_with_box = set(box_dates.unique())
    played: list[bool | None] = [
        None if d not in dates_with_box or pd.isna(p) else (d, str(p)) in played_keys
        for d, p in zip(out["game_date"], out["player_id"], strict=True)
    ]
    out["played"] = pd.array(played, dtype="boolean")
    out["n_rows"] = out["n_rows"].astype("int64")
    out["n_books"] = out["n_books"].astype("int64")
    return out[list(RESOLUTION_COLUMNS)].reset_index(drop=True)


def unresolved_summary(resolution: pd.DataFrame) -> pd.DataFrame:
    """Unresolved prop names with rows, dates and date range, most frequent first."""
    miss = resolution[resolution["resolution"] == "unresolved"]
    out = miss.groupby(["player_name", "normalized_name"], as_index=False).agg(
        n_rows=("n_rows", "sum"),
        n_dates=("game_date", "nunique"),
        first_date=("game_date", "min"),
        last_date=("game_date", "max"),
    )
    return out.sort_values(["n_rows", "player_name"], ascending=[False, True]).reset_index(
        drop=True
    )
