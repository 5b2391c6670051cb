"""Readers for the real data files of ../shared/data: each returns frames in raw-table columns.

Readers never drop rows silently: rows they cannot map are returned with NA fields, so the
contracts quarantine them with a reason. Only whole game types we do not model (preseason,
All-Star) are filtered, and those counts are reported by the caller.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

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


# Counting stats of the logs beyond minutes, in raw-table column order (column = name lower-cased).
PLAYER_LOG_STATS: tuple[str, ...] = (
    "PTS", "REB", "AST", "FG3M", "FGM", "FGA", "FG3A", "FTM", "FTA",
    "OREB", "DREB", "STL", "BLK", "TOV", "PF", "PLUS_MINUS",
)  # fmt: skip
TEAM_LOG_STATS: tuple[str, ...] = (
    "PTS", "FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA", "OREB", "DREB", "REB", "AST", "TOV",
    "PLUS_MINUS",
)  # fmt: skip


def _nba_game_ids(ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ten-digit NBA game ids, and the modelled season type their third digit names (else NA)."""
    game_id = ids.astype("string").str.zfill(10)
    return game_id, game_id.str[2].map(MODELLED_GAME_TYPES)


def _season(df: pd.DataFrame, column: str, game_date: pd.Series) -> pd.Series:
    """The file's season label column, or the season label of each game date."""
    return df[column].astype(str) if column in df.columns else season_labels(game_date)


def _log_frame(
    df: pd.DataFrame, columns: Mapping[str, object], stats: tuple[str, ...], source: str
) -> pd.DataFrame:
    """Raw box-score rows of a game log: `columns`, then each stat of `stats`, then the source."""
    out = pd.DataFrame(columns)
    for col in stats:
        out[col.lower()] = _num(df, col)
    out["source"] = source
    return out


def _player_log_games(
    df: pd.DataFrame,
    game_date: pd.Series,
    team: pd.Series,
    opponent: pd.Series,
    is_home: pd.Series,
) -> tuple[pd.Series, pd.Series]:
    """Game ids and season types: from GAME_ID, else derived (date, teams) with SEASON_TYPE."""
    if "GAME_ID" in df.columns and df["GAME_ID"].notna().any():
        return _nba_game_ids(df["GAME_ID"])
    home = team.where(is_home, opponent)
    away = opponent.where(is_home, team)
    season_type = df.get("SEASON_TYPE", pd.Series("Regular Season", index=df.index))
    season_type = season_type.replace({"Play-In": "PlayIn", "PlayIn Tournament": "PlayIn"})
    return derived_game_id(game_date, home, away), season_type


def player_logs_to_raw(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """stats.nba.com leaguegamelog player rows (full or slim columns) -> raw_player_boxscores."""
    team, opponent, is_home = _matchup_parts(df["MATCHUP"])
    if "TEAM_ABBREVIATION" in df.columns:
        team, opponent, is_home = _own_matchup(
            df["TEAM_ABBREVIATION"].astype(str), team, opponent, is_home
        )
    game_date = pd.to_datetime(df["GAME_DATE"], errors="coerce")
    game_id, season_type = _player_log_games(df, game_date, team, opponent, is_home)
    columns = {
        "game_id": game_id,
        "game_date": game_date,
        "season": _season(df, "SEASON_LABEL", game_date),
        "season_type": season_type,
        "player_id": df["PLAYER_ID"].astype("string"),
        "player_name": df["PLAYER_NAME"],
        "team_abbr": df.get("TEAM_ABBREVIATION", team),
        "opponent_abbr": opponent,
        "is_home": is_home,
        "starter": pd.array([pd.NA] * len(df), dtype="boolean"),
        "minutes": _num(df, "MIN"),
    }
    return _log_frame(df, columns, PLAYER_LOG_STATS, source)


def team_logs_to_raw(df: pd.DataFrame, source: str) -> tuple[pd.DataFrame, int]:
    """Team game log rows -> raw_team_boxscores for modelled game types; also the count skipped."""
    game_id, season_type = _nba_game_ids(df["GAME_ID"])
    keep = season_type.notna()
    df, game_id, season_type = df[keep], game_id[keep], season_type[keep]
    _, opponent, is_home = _matchup_parts(df["MATCHUP"])
    game_date = pd.to_datetime(df["GAME_DATE"], errors="coerce")
    columns = {
        "game_id": game_id,
        "game_date": game_date,
        "season": _season(df, "SEASON", game_date),
        "season_type": season_type,
        "team_abbr": df["TEAM_ABBREVIATION"],
        "opponent_abbr": opponent,
        "is_home": is_home,
        "minutes": _num(df, "MIN"),
    }
    out = _log_frame(df, columns, TEAM_LOG_STATS, source)
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


def _utc(values: pd.Series) -> pd.Series:
    """Times as UTC Timestamps; NaT where missing or unparsable."""
    return pd.to_datetime(values, utc=True, errors="coerce")


class _PropLayoutRows(NamedTuple):
    """What a prop-line layout gives: the lines, their tip-off and capture times (UTC, may be NaT)."""

    lines: pd.DataFrame
    commence: pd.Series
    captured: pd.Series


def _prop_lines(
    df: pd.DataFrame,
    teams: tuple[pd.Series, pd.Series, pd.Series],
    bookmaker: pd.Series,
    market: pd.Series | str,
    player: str,
    prices: tuple[str, str],
) -> pd.DataFrame:
    """The line columns: `teams` is (event id, home, away names), `player` and `prices` columns."""
    event_id, home, away = teams
    return pd.DataFrame(
        {
            "event_id": event_id,
            "home_team": _teams(home),
            "away_team": _teams(away),
            "bookmaker": bookmaker,
            "market": market,
            "player_name": df[player],
            "line": df["line"],
            "over_price": _num(df, prices[0]),
            "under_price": _num(df, prices[1]),
        }
    )


def _event_props(df: pd.DataFrame) -> _PropLayoutRows:
    """The "events" layout: tip-off and the market's last update are columns."""
    teams = (df["event_id"].astype("string"), df["home_team"], df["away_team"])
    market = df["market"].map(MARKET_NAMES)
    lines = _prop_lines(df, teams, df["bookmaker"], market, "player", ("over_price", "under_price"))
    return _PropLayoutRows(lines, _utc(df["commence_time"]), _utc(df["market_last_update"]))


def _daily_threes_props(df: pd.DataFrame) -> _PropLayoutRows:
    """The "daily threes" layout: "AWAY @ HOME" games, lines captured at their last update."""
    # Upstream notes: historical snapshots were pulled at 20:00 UTC on the slate date unless
    # the file records the book's or market's own update time.
    pulled = _utc(df["file_date"] + "T20:00:00Z")
    unknown = pd.Series(index=df.index, dtype=object)
    updated = _utc(df.get("market_last_update", unknown))
    updated = updated.fillna(_utc(df.get("bookmaker_last_update", unknown)))
    away_home = df["game"].astype(str).str.split(" @ ", n=1, expand=True)
    event_key = df["game"].astype(str) + "|" + df["game_time"].astype(str)
    teams = (event_key, away_home[1], away_home[0])
    market = df["market"].map(MARKET_NAMES)
    lines = _prop_lines(df, teams, df["bookmaker"], market, "player", ("over_odds", "under_odds"))
    return _PropLayoutRows(lines, _utc(df["game_time"]), updated.fillna(pulled))


def _pra_props(df: pd.DataFrame) -> _PropLayoutRows:
    """The "PRA" layout: books spelt freely, snapshots without a tip-off time."""
    teams = (df["event_id"].astype("string"), df["home_team"], df["away_team"])
    book = df["bookmaker"].astype(str).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
    lines = _prop_lines(df, teams, book, "pra", "player_name", ("over_price", "under_price"))
    # The snapshot is "usually minutes before tip" upstream; tip-off stays unknown (NaT) and is
    # filled from the schedule where one is known.
    commence = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    return _PropLayoutRows(lines, commence, _utc(df["timestamp"]))


_PROP_READERS = {"events": _event_props, "daily threes": _daily_threes_props, "PRA": _pra_props}


def props_to_raw(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Flattened Odds API player-prop files (the three layouts in ../shared/data/props) -> raw_prop_lines."""
    layout = _layout(df, PROP_LAYOUTS)
    if layout not in _PROP_READERS:
        raise ValueError(f"unknown prop-line file layout; columns: {sorted(df.columns)}")
    out, commence, captured = _PROP_READERS[layout](df)
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
        commence = _utc(df["commence_time"])
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
                "captured_at": _utc(df["last_update"]),
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


def _read(
    path: Path,
    what: str,
    layouts: tuple[Layout, ...],
    to_raw: Callable[[pd.DataFrame, str], pd.DataFrame],
) -> pd.DataFrame:
    """A file of one of `layouts` converted by `to_raw`; InputFileError if it cannot be used."""
    df, layout = _checked_frame(path, what, layouts)
    with _quiet_date_parsing():
        out = to_raw(df, f"file:{path.name}")
    require_dates(path, df, out["game_date"], layout, what)
    return out


def read_player_logs(path: Path) -> pd.DataFrame:
    """A player game-log file as raw_player_boxscores rows; InputFileError if it cannot be used."""
    return _read(path, PLAYER_LOGS, PLAYER_LOG_LAYOUTS, player_logs_to_raw)


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
    return _read(path, PROPS, PROP_LAYOUTS, props_to_raw)


def read_game_odds(path: Path) -> pd.DataFrame:
    """A game-odds file (any of GAME_ODDS_LAYOUTS) as raw_game_odds rows."""
    return _read(path, GAME_ODDS, GAME_ODDS_LAYOUTS, game_odds_to_raw)


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
