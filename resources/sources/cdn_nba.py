"""cdn.nba.com liveData: today's scoreboard and live box scores (client and pure parsers)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from contracts.live_scores import SCOREBOARD_COLUMNS
from resources.sources.base import RawPayload, SourceError
from resources.sources.http import HttpClient, HttpConfig, HttpSource, utcnow
from resources.sources.parsing import (
    JsonInput,
    as_mapping,
    calendar_date,
    full_name,
    naive_date_series,
    parse_minutes,
    require_filled,
    scoreboard_games,
    team_of,
    to_float,
    to_str,
    utc_series,
    utc_timestamp,
)

SOURCE = "cdn_nba"

DEFAULT_BASE_URL = "https://cdn.nba.com/static/json/liveData"
DEFAULT_HEADERS: dict[str, str] = {
    "User-Agent": "Mozilla/5.0 (compatible; nba-props/0.1)",
    "Accept": "application/json",
    "Referer": "https://www.nba.com/",
}


LIVE_BOXSCORE_COLUMNS: tuple[str, ...] = (
    "game_id",
    "player_id",
    "player_name",
    "team_abbr",
    "opponent_abbr",
    "is_home",
    "starter",
    "played",
    "status",
    "not_playing_reason",
    "minutes",
    "pts",
    "reb",
    "ast",
    "fg3m",
)

# gameStatus values of the live feed.
STATUS_SCHEDULED, STATUS_LIVE, STATUS_FINAL = 1, 2, 3


def default_config() -> HttpConfig:
    """HTTP settings for the CDN (fast, lightly rate-limited)."""
    return HttpConfig(
        base_url=DEFAULT_BASE_URL,
        headers=DEFAULT_HEADERS,
        timeout_s=15.0,
        min_interval_s=0.2,
        max_attempts=3,
        backoff_base_s=1.0,
        backoff_max_s=10.0,
    )


def _flag(value: Any) -> bool | None:
    """A "1"/"0" (or bool) flag as bool; None when missing."""
    text = to_str(value)
    if text is None:
        return None
    return text.lower() in ("1", "true")


def parse_todays_scoreboard(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """todaysScoreboard_00.json -> one row per game with score, period, clock and status."""
    rows = [
        {
            "game_id": to_str(one.game.get("gameId")),
            "game_date": one.game_date,
            "home_team": team_of(one.home),
            "away_team": team_of(one.away),
            "home_score": to_float(one.home.get("score")),
            "away_score": to_float(one.away.get("score")),
            "period": to_float(one.game.get("period")),
            "game_clock": to_str(one.game.get("gameClock")),
            "game_status": to_float(one.game.get("gameStatus")),
            "status_text": to_str(one.game.get("gameStatusText")),
            "tipoff_utc": utc_timestamp(one.game.get("gameTimeUTC")),
        }
        for one in scoreboard_games(payload, SOURCE, "scoreboard", url)
    ]
    frame = pd.DataFrame(rows, columns=list(SCOREBOARD_COLUMNS))
    frame["game_date"] = naive_date_series(list(frame["game_date"]))
    frame["tipoff_utc"] = utc_series(list(frame["tipoff_utc"]))
    frame["game_status"] = frame["game_status"].astype("Int64")
    frame["period"] = frame["period"].astype("Int64")
    fields = {"game_id": "gameId", "home_team": "homeTeam", "away_team": "awayTeam"}
    return require_filled(frame, fields, "scoreboard", SOURCE, url)


def scoreboard_date(payload: JsonInput, *, url: str | None = None) -> date | None:
    """The US-Eastern date the live scoreboard is for (scoreboard.gameDate); None if absent."""
    board = as_mapping(payload, SOURCE, url).get("scoreboard")
    day = calendar_date(board.get("gameDate")) if isinstance(board, Mapping) else pd.NaT
    return None if pd.isna(day) else day.date()


def _live_player_row(player: Mapping[str, Any]) -> dict[str, Any]:
    """One listed player's own columns; minutes and stats NaN unless he played (or it is unknown)."""
    stats = player.get("statistics") or {}
    played = _flag(player.get("played"))
    keep = played is not False
    return {
        "player_id": to_str(player.get("personId")),
        "player_name": to_str(player.get("name")) or full_name(player),
        "starter": _flag(player.get("starter")),
        "played": played,
        "status": to_str(player.get("status")),
        "not_playing_reason": to_str(player.get("notPlayingReason")),
        "minutes": parse_minutes(stats.get("minutes")) if keep else float("nan"),
        "pts": to_float(stats.get("points")) if keep else float("nan"),
        "reb": to_float(stats.get("reboundsTotal")) if keep else float("nan"),
        "ast": to_float(stats.get("assists")) if keep else float("nan"),
        "fg3m": to_float(stats.get("threePointersMade")) if keep else float("nan"),
    }


def parse_live_boxscore(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """boxscore_{gameId}.json (with or without the `meta` wrapper) -> one row per listed player.

    Every listed player gets a row with `played`; for players who have not played, minutes and
    stats are NaN (a did-not-play is not a 0-minute game).
    """
    data = as_mapping(payload, SOURCE, url)
    game = data.get("game", data)
    if not isinstance(game, Mapping) or "homeTeam" not in game or "awayTeam" not in game:
        raise SourceError(SOURCE, "boxscore payload has no game.homeTeam/awayTeam", url=url)
    game_id = to_str(game.get("gameId"))
    home, away = game.get("homeTeam") or {}, game.get("awayTeam") or {}
    home_abbr, away_abbr = team_of(home), team_of(away)
    rows = [
        {
            "game_id": game_id,
            "team_abbr": abbr,
            "opponent_abbr": opponent,
            "is_home": is_home,
            **_live_player_row(player),
        }
        for team, abbr, opponent, is_home in (
            (home, home_abbr, away_abbr, True),
            (away, away_abbr, home_abbr, False),
        )
        for player in team.get("players") or []
    ]
    frame = pd.DataFrame(rows, columns=list(LIVE_BOXSCORE_COLUMNS))
    for column in ("is_home", "starter", "played"):
        frame[column] = frame[column].astype("boolean")
    for column in ("minutes", "pts", "reb", "ast", "fg3m"):
        frame[column] = frame[column].astype(float)
    fields = {"game_id": "gameId", "player_id": "personId", "team_abbr": "teamTricode"}
    return require_filled(frame, fields, "boxscore", SOURCE, url)


def parse_payload(payload: RawPayload) -> pd.DataFrame:
    """Parse a RawPayload this source fetched, by its kind."""
    if payload.kind == "live_scoreboard":
        return parse_todays_scoreboard(payload.content, url=payload.url)
    if payload.kind == "live_boxscore":
        return parse_live_boxscore(payload.content, url=payload.url)
    raise SourceError(SOURCE, f"no parser for kind {payload.kind!r}", url=payload.url)


class CdnNbaSource(HttpSource):
    """GameDaySource over cdn.nba.com liveData: today's scoreboard and the box scores of started games."""

    name = SOURCE
    kinds: tuple[str, ...] = ("live_scoreboard", "live_boxscore")

    def __init__(
        self,
        client: HttpClient | None = None,
        *,
        config: HttpConfig | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(client, config or default_config(), now)

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        """Payloads of `kind` for `game_date`; empty when the live feed is on another day."""
        self._require_kind(kind)
        scoreboard = self._get("scoreboard/todaysScoreboard_00.json", "live_scoreboard", game_date)
        if scoreboard_date(scoreboard.content, url=scoreboard.url) != game_date:
            return []
        board = parse_todays_scoreboard(scoreboard.content, url=scoreboard.url)
        if kind == "live_scoreboard":
            return [scoreboard]
        started = board.loc[board["game_status"].fillna(0) >= STATUS_LIVE, "game_id"]
        return [self.fetch_live_boxscore(str(game_id), game_date) for game_id in started]

    def fetch_live_boxscore(self, game_id: str, game_date: date) -> RawPayload:
        """The live box score of one game (only exists once the game has started)."""
        return self._get(
            f"boxscore/boxscore_{game_id}.json", "live_boxscore", game_date, {"game_id": game_id}
        )

    def _get(
        self, path: str, kind: str, game_date: date, meta: Mapping[str, str] | None = None
    ) -> RawPayload:
        """GET one file and wrap the verbatim body as a RawPayload."""
        return self._payload(self._client.get_json(path), kind, game_date, meta or {})
