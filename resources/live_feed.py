"""The live feed: cdn.nba.com's scoreboard and box scores (source "live") or, in replay, a
simulation of the day's games from their final box scores at the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from features.analytics import player_game_summary
from features.calendar import EASTERN
from features.live_simulation import LIVE_BOX_COLUMNS, LIVE_GAME_COLUMNS, simulate_live_box
from resources.clock import now_utc
from resources.logs import run_logger
from resources.raw_store import open_raw_store
from resources.settings import Settings
from resources.sources import cdn_nba
from resources.sources.base import SourceError

# Games that tip at 22:30 US-Eastern end after midnight: until this hour the live date is yesterday.
LIVE_DAY_ROLLOVER = pd.Timedelta(hours=6)
_ISO_CLOCK = re.compile(r"^PT(\d+)M(\d+)(?:\.\d+)?S$")


@dataclass(frozen=True)
class LiveFrames:
    """The day's live games (LIVE_GAME_COLUMNS) and live player box (LIVE_BOX_COLUMNS) at `as_of`."""

    games: pd.DataFrame
    box: pd.DataFrame
    simulated: bool
    as_of: pd.Timestamp


def live_game_date(now: pd.Timestamp) -> date:
    """The game date a live refresh at `now` is for: US-Eastern date of now minus LIVE_DAY_ROLLOVER."""
    return (pd.Timestamp(now).tz_convert(EASTERN) - LIVE_DAY_ROLLOVER).date()


def _game_clock(text: Any) -> str:
    """The CDN's ISO clock 'PT05M12.00S' as '5:12'; empty stays empty."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    match = _ISO_CLOCK.match(str(text))
    return f"{int(match.group(1))}:{int(match.group(2)):02d}" if match else str(text)


def cdn_live_games(scoreboard: pd.DataFrame) -> pd.DataFrame:
    """Parsed todaysScoreboard rows (cdn_nba.parse_todays_scoreboard) in LIVE_GAME_COLUMNS."""
    games = scoreboard.assign(
        home_score=scoreboard["home_score"].fillna(0).astype(int),
        away_score=scoreboard["away_score"].fillna(0).astype(int),
        period=scoreboard["period"].fillna(0).astype(int),
        game_clock=[_game_clock(v) for v in scoreboard["game_clock"]],
        game_status=scoreboard["game_status"].fillna(cdn_nba.STATUS_SCHEDULED).astype(int),
        status_text=scoreboard["status_text"].fillna("").astype(str),
        simulated=False,
    )
    return games[LIVE_GAME_COLUMNS].sort_values("game_id").reset_index(drop=True)


def cdn_live_box(boxscores: list[pd.DataFrame]) -> pd.DataFrame:
    """Parsed live box scores (cdn_nba.parse_live_boxscore) in LIVE_BOX_COLUMNS, pra summed."""
    if not boxscores:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LIVE_BOX_COLUMNS})
    raw = pd.concat(boxscores, ignore_index=True)
    box = raw.rename(
        columns={"pts": "points", "reb": "rebounds", "ast": "assists", "fg3m": "threes"}
    )
    box["pra"] = box["points"] + box["rebounds"] + box["assists"]
    box["played"] = raw["played"].fillna(False).astype(bool)
    return (
        box[LIVE_BOX_COLUMNS]
        .sort_values(["game_id", "team_abbr", "player_id"])
        .reset_index(drop=True)
    )


def fetch_cdn_live(
    settings: Settings,
    day: date,
    as_of: pd.Timestamp,
    source: cdn_nba.CdnNbaSource | None = None,
) -> LiveFrames:
    """Live scoreboard and box scores of started games from cdn.nba.com; raw payloads kept."""
    source = source or cdn_nba.CdnNbaSource()
    store = open_raw_store(settings.resolved_raw_store, settings.gcp_credentials_block)
    try:
        boards = source.fetch("live_scoreboard", day)
        if not boards:  # the feed is on another day: nothing live for `day`
            empty = pd.DataFrame({c: pd.Series(dtype=object) for c in LIVE_GAME_COLUMNS})
            return LiveFrames(empty, cdn_live_box([]), simulated=False, as_of=as_of)
        store.save(boards[0])
        scoreboard = cdn_nba.parse_todays_scoreboard(boards[0].content, url=boards[0].url)
        started = scoreboard.loc[
            scoreboard["game_status"].fillna(0) >= cdn_nba.STATUS_LIVE, "game_id"
        ]
        boxes = []
        for game_id in started:
            try:
                payload = source.fetch_live_boxscore(str(game_id), day)
            except SourceError as exc:  # published a little after tip-off: next refresh gets it
                run_logger().warning("live box score of %s not available: %s", game_id, exc)
                continue
            store.save(payload)
            boxes.append(cdn_nba.parse_live_boxscore(payload.content, url=payload.url))
    finally:
        source.close()
    return LiveFrames(cdn_live_games(scoreboard), cdn_live_box(boxes), False, as_of)


def simulate_replay_live(settings: Settings, day: date, as_of: pd.Timestamp) -> LiveFrames:
    """The replay's games of `day` at `as_of`, simulated from their final box scores (simulated=True)."""
    from resources.sources.replay import load_replay_data

    data = load_replay_data(str(settings.data_dir))
    schedule = data.schedule[data.schedule["game_date"] == pd.Timestamp(day)]
    raw_box = data.player_boxscores[data.player_boxscores["game_id"].isin(schedule["game_id"])]
    if raw_box.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in LIVE_GAME_COLUMNS})
        return LiveFrames(empty, cdn_live_box([]), simulated=True, as_of=as_of)
    tips = dict(zip(schedule["game_id"].astype(str), schedule["tipoff_utc"], strict=True))
    games, box = simulate_live_box(player_game_summary(raw_box), tips, as_of)
    return LiveFrames(games, box, simulated=True, as_of=as_of)


def live_frames(settings: Settings, day: date, as_of: pd.Timestamp) -> LiveFrames:
    """Live frames from the source the settings name ('live': cdn.nba.com; 'replay': simulated)."""
    if settings.source == "live":
        return fetch_cdn_live(settings, day, as_of)
    return simulate_replay_live(settings, day, as_of)


def resolve_as_of(settings: Settings, at: str | None) -> pd.Timestamp:
    """`at` (ISO time, UTC when it has no zone) or the run's clock (resources/clock.py::now_utc)."""
    if not at:
        return now_utc(settings)
    ts = pd.Timestamp(at)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
