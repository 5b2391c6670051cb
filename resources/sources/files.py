"""Readers for the real data files of ../shared/data: each returns frames in raw-table columns.

Readers never drop rows silently: rows they cannot map are returned with NA fields, so the
contracts quarantine them with a reason. Only whole game types we do not model (preseason,
All-Star) are filtered, and those counts are reported by the caller.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from features.calendar import EASTERN, season_labels
from features.teams import team_abbr
from resources.sources.base import InputFileError
from resources.sources.file_checks import Layout, match_layout, read_csv_checked, require_dates

MODELLED_GAME_TYPES = {"2": "Regular Season", "4": "Playoffs", "5": "PlayIn"}
MARKET_NAMES = {
    "player_points": "points",
    "player_rebounds": "rebounds",
    "player_assists": "assists",
    "player_threes": "threes",
    "player_points_rebounds_assists": "pra",
}

# What each reader is given to read, said in its errors, and the column layouts it accepts.
PLAYER_LOGS = "a player game-log CSV (stats.nba.com leaguegamelog columns)"
TEAM_LOGS = "a team game-log CSV (stats.nba.com leaguegamefinder columns)"
PROPS = "a player-prop CSV (flattened The Odds API snapshots)"
GAME_ODDS = "a game-odds CSV (The Odds API or sportsbookreview lines)"
PLAYER_LOG_LAYOUTS = (
    Layout(
        "player game log",
        frozenset({"PLAYER_ID", "PLAYER_NAME", "GAME_DATE", "MATCHUP", "MIN", "PTS", "REB", "AST"}),
        ("GAME_DATE",),
    ),
)
TEAM_LOG_LAYOUTS = (
    Layout(
        "team game log",
        frozenset({"GAME_ID", "TEAM_ABBREVIATION", "GAME_DATE", "MATCHUP", "MIN", "PTS"}),
        ("GAME_DATE",),
        excluded=frozenset({"PLAYER_ID", "PLAYER_NAME"}),
        excluded_means="a player game log",
    ),
)
PROP_LAYOUTS = (
    Layout(
        "events",
        frozenset(
            {"event_id", "commence_time", "market_last_update", "player", "home_team", "away_team"}
            | {"bookmaker", "market", "line", "over_price", "under_price"}
        ),
        ("commence_time", "market_last_update"),
    ),
    Layout(
        "daily threes",
        frozenset(
            {"file_date", "game", "game_time", "player", "market", "line", "bookmaker"}
            | {"over_odds", "under_odds"}
        ),
        ("game_time", "file_date"),
    ),
    Layout(
        "PRA",
        frozenset(
            {"player_name", "event_id", "event_date", "timestamp", "home_team", "away_team"}
            | {"bookmaker", "line", "over_price", "under_price"}
        ),
        ("timestamp",),
    ),
)
GAME_ODDS_LAYOUTS = (
    Layout(
        "The Odds API",
        frozenset(
            {"game_id", "commence_time", "home_team", "away_team", "bookmaker", "market", "team"}
            | {"line", "odds", "last_update"}
        ),
        ("commence_time",),
    ),
    Layout(
        "sportsbookreview",
        frozenset({"game_date", "Home", "Away", "OU", "Spread", "ML_Home", "ML_Away"}),
        ("game_date",),
    ),
)


# Read as text: a date column of bare numbers (Excel serials) would otherwise parse as 1970 nanoseconds.
DATE_COLUMNS = (
    "GAME_DATE",
    "game_date",
    "commence_time",
    "market_last_update",
    "bookmaker_last_update",
    "last_update",
    "file_date",
    "game_time",
    "event_date",
    "timestamp",
)


def _layout(df: pd.DataFrame, layouts: tuple[Layout, ...]) -> str | None:
    """Name of the first layout whose columns the frame has."""
    return next((lay.name for lay in layouts if lay.required <= set(df.columns)), None)


def derived_game_id(game_date: pd.Series, home: pd.Series, away: pd.Series) -> pd.Series:
    """A stable game key for sources without NBA game ids: date, away team, home team."""
    d = pd.to_datetime(game_date).dt.strftime("%Y%m%d")
    return d + "_" + away.astype(str) + "_" + home.astype(str)


def _matchup_parts(matchup: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(team, opponent, is_home) from MATCHUP strings like 'DAL vs. UTA' or 'CHI @ MEM'."""
    s = matchup.astype(str)
    is_home = s.str.contains(" vs. ", regex=False)
    parts = (
        s.str.replace(" vs. ", " ", regex=False).str.replace(" @ ", " ", regex=False).str.split()
    )
    team = parts.str[0]
    opponent = parts.str[-1]
    return team, opponent, is_home


def _num(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[col], errors="coerce")


def _clean_num(values: pd.Series) -> pd.Series:
    """Numbers written as text with stray spaces (incl. no-break) around them, e.g. '+145\xa0'."""
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce")


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    text_columns = ("GAME_ID", "PLAYER_ID", "TEAM_ID", "event_id", *DATE_COLUMNS)
    return read_csv_checked(path, what, dtype=dict.fromkeys(text_columns, str))


def _own_matchup(
    team_abbr: pd.Series, team: pd.Series, opponent: pd.Series, is_home: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Undo a MATCHUP written from the opponent's side ('MIA @ WAS' on a WAS player's row).

    Five 2024-25 games in the stats.nba.com player logs carry the other team's MATCHUP string on one
    team's rows; TEAM_ABBREVIATION is right, so that team is the MATCHUP's last token.
    """
    swapped = (team_abbr != team) & (team_abbr == opponent)
    return (
        team.where(~swapped, opponent),
        opponent.where(~swapped, team),
        is_home.where(~swapped, ~is_home),
    )


def player_logs_to_raw(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """stats.nba.com leaguegamelog player rows (full or slim columns) -> raw_player_boxscores."""
    team, opponent, is_home = _matchup_parts(df["MATCHUP"])
    if "TEAM_ABBREVIATION" in df.columns:
        team, opponent, is_home = _own_matchup(
            df["TEAM_ABBREVIATION"].astype(str), team, opponent, is_home
        )
    game_date = pd.to_datetime(df["GAME_DATE"], errors="coerce")
    if "GAME_ID" in df.columns and df["GAME_ID"].notna().any():
        game_id = df["GAME_ID"].astype("string").str.zfill(10)
        season_type = game_id.str[2].map(MODELLED_GAME_TYPES)
    else:
        home = team.where(is_home, opponent)
        away = opponent.where(is_home, team)
        game_id = derived_game_id(game_date, home, away)
        season_type = df.get("SEASON_TYPE", pd.Series("Regular Season", index=df.index))
        season_type = season_type.replace({"Play-In": "PlayIn", "PlayIn Tournament": "PlayIn"})
    if "SEASON_LABEL" in df.columns:
        season = df["SEASON_LABEL"].astype(str)
    else:
        season = season_labels(game_date)
    out = pd.DataFrame(
        {
            "game_id": game_id,
            "game_date": game_date,
            "season": season,
            "season_type": season_type,
            "player_id": df["PLAYER_ID"].astype("string"),
            "player_name": df["PLAYER_NAME"],
            "team_abbr": df.get("TEAM_ABBREVIATION", team),
            "opponent_abbr": opponent,
            "is_home": is_home,
            "starter": pd.array([pd.NA] * len(df), dtype="boolean"),
            "minutes": _num(df, "MIN"),
            "pts": _num(df, "PTS"),
            "reb": _num(df, "REB"),
            "ast": _num(df, "AST"),
        }
    )
    for col in (
        "FG3M",
        "FGM",
        "FGA",
        "FG3A",
        "FTM",
        "FTA",
        "OREB",
        "DREB",
        "STL",
        "BLK",
        "TOV",
        "PF",
        "PLUS_MINUS",
    ):
        out[col.lower()] = _num(df, col)
    out["source"] = source
    return out


def team_logs_to_raw(df: pd.DataFrame, source: str) -> tuple[pd.DataFrame, int]:
    """Team game log rows -> raw_team_boxscores for modelled game types; also the count skipped."""
    game_id = df["GAME_ID"].astype("string").str.zfill(10)
    season_type = game_id.str[2].map(MODELLED_GAME_TYPES)
    keep = season_type.notna()
    df, game_id, season_type = df[keep], game_id[keep], season_type[keep]
    team, opponent, is_home = _matchup_parts(df["MATCHUP"])
    game_date = pd.to_datetime(df["GAME_DATE"], errors="coerce")
    season = df["SEASON"].astype(str) if "SEASON" in df.columns else season_labels(game_date)
    out = pd.DataFrame(
        {
            "game_id": game_id,
            "game_date": game_date,
            "season": season,
            "season_type": season_type,
            "team_abbr": df["TEAM_ABBREVIATION"],
            "opponent_abbr": opponent,
            "is_home": is_home,
            "minutes": _num(df, "MIN"),
            "pts": _num(df, "PTS"),
        }
    )
    for col in (
        "FGM",
        "FGA",
        "FG3M",
        "FG3A",
        "FTM",
        "FTA",
        "OREB",
        "DREB",
        "REB",
        "AST",
        "TOV",
        "PLUS_MINUS",
    ):
        out[col.lower()] = _num(df, col)
    out["source"] = source
    return out.reset_index(drop=True), int((~keep).sum())


def schedule_from_team_rows(team_rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """raw_schedule from raw team rows: one game per game_id, home and away from is_home."""
    home = team_rows[team_rows["is_home"]].drop_duplicates("game_id")
    away = team_rows[~team_rows["is_home"]].drop_duplicates("game_id")
    games = home.merge(away[["game_id", "team_abbr"]], on="game_id", suffixes=("", "_away"))
    return pd.DataFrame(
        {
            "game_id": games["game_id"],
            "game_date": games["game_date"],
            "season": games["season"],
            "season_type": games["season_type"],
            "home_team": games["team_abbr"],
            "away_team": games["team_abbr_away"],
            "tipoff_utc": pd.Series(pd.NaT, index=games.index, dtype="datetime64[ns, UTC]"),
            "source": source,
        }
    ).reset_index(drop=True)


def schedule_from_player_rows(player_rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """raw_schedule derived from raw player rows (home and away from their MATCHUP), for games without team logs.

    Where a game's rows disagree on home and away, the reading of most rows wins.
    """
    rows = player_rows.dropna(
        subset=["game_id", "game_date", "season_type", "team_abbr", "opponent_abbr", "is_home"]
    )
    is_home = rows["is_home"].astype(bool)
    sides = pd.DataFrame(
        {
            "game_id": rows["game_id"].astype(str),
            "game_date": rows["game_date"],
            "season": rows["season"],
            "season_type": rows["season_type"],
            "home_team": rows["team_abbr"].where(is_home, rows["opponent_abbr"]),
            "away_team": rows["opponent_abbr"].where(is_home, rows["team_abbr"]),
        }
    )
    counted = sides.value_counts(dropna=False).reset_index(name="n_rows")
    games = counted.sort_values(["n_rows", "game_id"], ascending=[False, True]).drop_duplicates(
        "game_id"
    )
    games = games.drop(columns="n_rows").sort_values(["game_date", "game_id"])
    games["tipoff_utc"] = pd.Series(pd.NaT, index=games.index, dtype="datetime64[ns, UTC]")
    games["source"] = source
    return games.reset_index(drop=True)


def _eastern_date(ts: pd.Series) -> pd.Series:
    out: pd.Series = ts.dt.tz_convert(EASTERN).dt.tz_localize(None).dt.normalize()
    return out


def _teams(names: pd.Series) -> pd.Series:
    return names.map(lambda n: team_abbr(n) if isinstance(n, str) else None)


def props_to_raw(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Flattened Odds API player-prop files (the three layouts in ../shared/data/props) -> raw_prop_lines."""
    layout = _layout(df, PROP_LAYOUTS)
    if layout == "events":
        commence = pd.to_datetime(df["commence_time"], utc=True, errors="coerce")
        captured = pd.to_datetime(df["market_last_update"], utc=True, errors="coerce")
        out = pd.DataFrame(
            {
                "event_id": df["event_id"].astype("string"),
                "home_team": _teams(df["home_team"]),
                "away_team": _teams(df["away_team"]),
                "bookmaker": df["bookmaker"],
                "market": df["market"].map(MARKET_NAMES),
                "player_name": df["player"],
                "line": df["line"],
                "over_price": _num(df, "over_price"),
                "under_price": _num(df, "under_price"),
            }
        )
    elif layout == "daily threes":
        commence = pd.to_datetime(df["game_time"], utc=True, errors="coerce")
        # Upstream notes: historical snapshots were pulled at 20:00 UTC on the slate date unless
        # the file records the book's or market's own update time.
        pulled = pd.to_datetime(df["file_date"] + "T20:00:00Z", utc=True, errors="coerce")
        updated = pd.to_datetime(
            df.get("market_last_update", pd.Series(index=df.index, dtype=object)),
            utc=True,
            errors="coerce",
        ).fillna(
            pd.to_datetime(
                df.get("bookmaker_last_update", pd.Series(index=df.index, dtype=object)),
                utc=True,
                errors="coerce",
            )
        )
        captured = updated.fillna(pulled)
        away_home = df["game"].astype(str).str.split(" @ ", n=1, expand=True)
        event_key = df["game"].astype(str) + "|" + df["game_time"].astype(str)
        out = pd.DataFrame(
            {
                "event_id": event_key,
                "home_team": _teams(away_home[1]),
                "away_team": _teams(away_home[0]),
                "bookmaker": df["bookmaker"],
                "market": df["market"].map(MARKET_NAMES),
                "player_name": df["player"],
                "line": df["line"],
                "over_price": _num(df, "over_odds"),
                "under_price": _num(df, "under_odds"),
            }
        )
    elif layout == "PRA":
        captured = pd.to_datetime(df["timestamp"], utc=True, errors="coerce")
        # This layout has no tip-off time; the snapshot is "usually minutes before tip" upstream.
        # Tip-off stays unknown (NaT) and is filled from the schedule where one is known.
        commence = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        out = pd.DataFrame(
            {
                "event_id": df["event_id"].astype("string"),
                "home_team": _teams(df["home_team"]),
                "away_team": _teams(df["away_team"]),
                "bookmaker": df["bookmaker"]
                .astype(str)
                .str.lower()
                .str.replace(r"[^a-z0-9]", "", regex=True),
                "market": "pra",
                "player_name": df["player_name"],
                "line": df["line"],
                "over_price": _num(df, "over_price"),
                "under_price": _num(df, "under_price"),
            }
        )
    else:
        raise ValueError(f"unknown prop-line file layout; columns: {sorted(df.columns)}")
    out["commence_time"] = commence
    out["captured_at"] = captured
    game_time = commence.fillna(captured)
    out["game_date"] = _eastern_date(game_time)
    out["minutes_before_tip"] = (commence - captured).dt.total_seconds() / 60.0
    out["source"] = source
    return out


def game_odds_to_raw(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Odds API game-odds rows (spread / total / moneyline per side) -> raw_game_odds."""
    layout = _layout(df, GAME_ODDS_LAYOUTS)
    if layout == "The Odds API":
        commence = pd.to_datetime(df["commence_time"], utc=True, errors="coerce")
        return pd.DataFrame(
            {
                "event_id": df["game_id"].astype("string"),
                "game_date": _eastern_date(commence),
                "commence_time": commence,
                "home_team": _teams(df["home_team"]),
                "away_team": _teams(df["away_team"]),
                "bookmaker": df["bookmaker"],
                "market": df["market"],
                "side": df["team"],
                "line": _num(df, "line"),
                "price": _num(df, "odds"),
                "captured_at": pd.to_datetime(df["last_update"], utc=True, errors="coerce"),
                "source": source,
            }
        )
    if layout == "sportsbookreview":
        return _kyleskom_to_raw(df, source)
    raise ValueError(f"unknown game-odds file layout; columns: {sorted(df.columns)}")


def _kyleskom_to_raw(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """sportsbookreview-style one-line-per-game odds -> raw_game_odds (consensus 'book')."""
    game_date = pd.to_datetime(df["game_date"], errors="coerce")
    # No tip time in this layout: noon US-Eastern of the game date stands in for it.
    commence = (game_date + pd.Timedelta(hours=12)).dt.tz_localize(EASTERN).dt.tz_convert("UTC")
    home, away = _teams(df["Home"]), _teams(df["Away"])
    # Two 2022 Finals moneylines are written "+145\xa0" (sign and a no-break space) upstream.
    ml_home, ml_away = _clean_num(df["ML_Home"]), _clean_num(df["ML_Away"])
    # "PK" (pick'em) is a spread of zero.
    spread = pd.to_numeric(
        df["Spread"].astype(str).str.strip().replace({"PK": "0", "pk": "0"}), errors="coerce"
    ).abs()
    # Spread is unsigned through 2021-22: the moneyline favourite gives the sign.
    home_fav = ml_home < ml_away
    home_line = np.where(home_fav, -spread, spread)
    base = {
        "event_id": derived_game_id(game_date, home, away),
        "game_date": game_date,
        "commence_time": commence,
        "home_team": home,
        "away_team": away,
        "bookmaker": "consensus",
        "captured_at": commence,
        "source": source,
    }
    frames = [
        pd.DataFrame(
            {**base, "market": "total", "side": "over", "line": _num(df, "OU"), "price": -110.0}
        ),
        pd.DataFrame(
            {**base, "market": "spread", "side": "home", "line": home_line, "price": -110.0}
        ),
        pd.DataFrame(
            {**base, "market": "moneyline", "side": "home", "line": np.nan, "price": ml_home}
        ),
        pd.DataFrame(
            {**base, "market": "moneyline", "side": "away", "line": np.nan, "price": ml_away}
        ),
    ]
    return pd.concat(frames, ignore_index=True)


def _checked_frame(
    path: Path, what: str, layouts: tuple[Layout, ...]
) -> tuple[pd.DataFrame, Layout]:
    df = _read_csv(path, what)
    return df, match_layout(path, df, layouts, what)


@contextmanager
def _quiet_date_parsing() -> Iterator[None]:
    """Dates in several formats parse one by one; pandas' warning about it is no news to a user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
        yield


def read_player_logs(path: Path) -> pd.DataFrame:
    """A player game-log file as raw_player_boxscores rows; InputFileError if it cannot be used."""
    df, layout = _checked_frame(path, PLAYER_LOGS, PLAYER_LOG_LAYOUTS)
    with _quiet_date_parsing():
        out = player_logs_to_raw(df, source=f"file:{path.name}")
    require_dates(path, df, out["game_date"], layout, PLAYER_LOGS)
    return out


def read_team_logs(path: Path) -> tuple[pd.DataFrame, int]:
    """A team game-log file as raw_team_boxscores rows and the count of rows of unmodelled game types."""
    df, layout = _checked_frame(path, TEAM_LOGS, TEAM_LOG_LAYOUTS)
    with _quiet_date_parsing():
        out, skipped = team_logs_to_raw(df, source=f"file:{path.name}")
    if out.empty:
        ids = df["GAME_ID"].dropna().astype(str).unique()[:3].tolist()
        raise InputFileError(
            path,
            f"{TEAM_LOGS} with games of a modelled type (GAME_ID like 00[245]YY#####)",
            f"none of {len(df)} rows (GAME_ID e.g. {', '.join(map(repr, ids))})",
        )
    require_dates(path, df, out["game_date"], layout, TEAM_LOGS)
    return out, skipped


def read_props(path: Path) -> pd.DataFrame:
    """A player-prop file (any of PROP_LAYOUTS) as raw_prop_lines rows."""
    df, layout = _checked_frame(path, PROPS, PROP_LAYOUTS)
    with _quiet_date_parsing():
        out = props_to_raw(df, source=f"file:{path.name}")
    require_dates(path, df, out["game_date"], layout, PROPS)
    return out


def read_game_odds(path: Path) -> pd.DataFrame:
    """A game-odds file (any of GAME_ODDS_LAYOUTS) as raw_game_odds rows."""
    df, layout = _checked_frame(path, GAME_ODDS, GAME_ODDS_LAYOUTS)
    with _quiet_date_parsing():
        out = game_odds_to_raw(df, source=f"file:{path.name}")
    require_dates(path, df, out["game_date"], layout, GAME_ODDS)
    return out


def canonical_game_ids(players: pd.DataFrame, schedule: pd.DataFrame) -> pd.DataFrame:
    """Replace derived game keys (sources without game ids) by the schedule's NBA game ids."""
    derived = ~players["game_id"].astype(str).str.fullmatch(r"\d{10}")
    if not derived.any():
        return players
    keys = schedule.assign(
        derived=derived_game_id(schedule["game_date"], schedule["home_team"], schedule["away_team"])
    ).set_index("derived")["game_id"]
    out = players.copy()
    out.loc[derived, "game_id"] = (
        out.loc[derived, "game_id"].map(keys).fillna(out.loc[derived, "game_id"])
    )
    return out
