"""stats.nba.com: the client (schedule and box scores for a date) and pure parsers of its payloads."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import pandas as pd
from pandas._libs.tslibs.nattype import NaTType

from contracts.raw import RawPlayerBoxscores, RawSchedule, RawTeamBoxscores
from features.calendar import EASTERN, season_label
from resources.sources.base import RawPayload, SourceError
from resources.sources.http import HttpClient, HttpConfig, HttpSource, utcnow
from resources.sources.parsing import (
    JsonInput,
    MaybeTimestamp,
    as_mapping,
    calendar_date,
    contract_columns,
    full_name,
    naive_date_series,
    parse_minutes,
    require_filled,
    scoreboard_games,
    season_from_game_id,
    season_from_season_id,
    season_from_start_year,
    season_type_from_game_id,
    team_from_id,
    team_of,
    to_float,
    to_str,
    utc_series,
    utc_timestamp,
)

SOURCE = "stats_nba"

DEFAULT_BASE_URL = "https://stats.nba.com/stats"
# stats.nba.com answers only requests that look like they come from nba.com in a browser.
DEFAULT_HEADERS: dict[str, str] = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    ),
    "Accept": "application/json, text/plain, */*",
    "Accept-Language": "en-US,en;q=0.9",
    "Origin": "https://www.nba.com",
    "Referer": "https://www.nba.com/",
    "x-nba-stats-origin": "stats",
    "x-nba-stats-token": "true",
}


def default_config() -> HttpConfig:
    """HTTP settings that stats.nba.com tolerates: slow, patient, a few retries."""
    return HttpConfig(
        base_url=DEFAULT_BASE_URL,
        headers=DEFAULT_HEADERS,
        timeout_s=30.0,
        min_interval_s=0.6,
        max_attempts=4,
        backoff_base_s=2.0,
        backoff_max_s=30.0,
    )


@dataclass(frozen=True)
class BoxscorePlayers:
    """A parsed box score: rows for players who played, and the ones who did not (with the reason)."""

    players: pd.DataFrame
    did_not_play: pd.DataFrame


DID_NOT_PLAY_COLUMNS: tuple[str, ...] = (
    "game_id",
    "player_id",
    "player_name",
    "team_abbr",
    "comment",
)
ROSTER_COLUMNS: tuple[str, ...] = ("player_id", "player_name", "team_abbr")

_STAT_COLUMNS: dict[str, str] = {
    "pts": "PTS",
    "reb": "REB",
    "ast": "AST",
    "fg3m": "FG3M",
    "fgm": "FGM",
    "fga": "FGA",
    "fg3a": "FG3A",
    "ftm": "FTM",
    "fta": "FTA",
    "oreb": "OREB",
    "dreb": "DREB",
    "stl": "STL",
    "blk": "BLK",
    "tov": "TOV",
    "pf": "PF",
    "plus_minus": "PLUS_MINUS",
}

_V3_STAT_KEYS: dict[str, str] = {
    "pts": "points",
    "reb": "reboundsTotal",
    "ast": "assists",
    "fg3m": "threePointersMade",
    "fgm": "fieldGoalsMade",
    "fga": "fieldGoalsAttempted",
    "fg3a": "threePointersAttempted",
    "ftm": "freeThrowsMade",
    "fta": "freeThrowsAttempted",
    "oreb": "reboundsOffensive",
    "dreb": "reboundsDefensive",
    "stl": "steals",
    "blk": "blocks",
    "tov": "turnovers",
    "pf": "foulsPersonal",
    "plus_minus": "plusMinusPoints",
}

_TIP_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*([ap])\.?m\.?\s*ET\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- result sets


def result_set(payload: JsonInput, name: str, *, url: str | None = None) -> pd.DataFrame:
    """The named stats.nba result set as a DataFrame (object dtype); SourceError if it is missing."""
    data = as_mapping(payload, SOURCE, url)
    sets = data.get("resultSets", data.get("resultSet"))
    if isinstance(sets, Mapping):
        sets = [sets]
    if not isinstance(sets, list):
        raise SourceError(SOURCE, f"no resultSets in payload (keys: {sorted(data)[:8]})", url=url)
    for entry in sets:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            headers, rows = entry.get("headers"), entry.get("rowSet")
            if not isinstance(headers, list) or not isinstance(rows, list):
                raise SourceError(SOURCE, f"result set {name} has no headers/rowSet", url=url)
            try:
                return pd.DataFrame(rows, columns=headers, dtype=object)
            except (ValueError, AssertionError) as exc:
                raise SourceError(
                    SOURCE, f"result set {name} rows do not match headers: {exc}", url=url
                ) from None
    names = [e.get("name") for e in sets if isinstance(e, Mapping)]
    raise SourceError(SOURCE, f"result set {name!r} missing (have {names})", url=url)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of the frame, or an all-missing column when the payload lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _str_col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as stripped strings (None where missing)."""
    return _col(frame, name).map(to_str).astype(object)


def _num_col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as floats (NaN where missing)."""
    return _col(frame, name).map(to_float).astype(float)


def _matchup(matchup: Any) -> tuple[bool | None, str | None]:
    """(is_home, opponent) from "DAL vs. UTA" (home) or "CHI @ MEM" (away)."""
    text = to_str(matchup)
    if text is None:
        return None, None
    if " vs. " in text:
        return True, text.split()[-1]
    if " @ " in text:
        return False, text.split()[-1]
    return None, None


def _game_log_base(rs: pd.DataFrame) -> pd.DataFrame:
    """Columns shared by player and team leaguegamelog rows."""
    game_id = _str_col(rs, "GAME_ID")
    season = _col(rs, "SEASON_ID").map(season_from_season_id)
    season = season.where(season.notna(), game_id.map(season_from_game_id))
    parts = _col(rs, "MATCHUP").map(_matchup)
    return pd.DataFrame(
        {
            "game_id": game_id,
            "game_date": naive_date_series(list(_col(rs, "GAME_DATE").map(calendar_date))),
            "season": season.astype(object),
            "season_type": game_id.map(season_type_from_game_id).astype(object),
            "team_abbr": _str_col(rs, "TEAM_ABBREVIATION"),
            "opponent_abbr": pd.Series([p[1] for p in parts], index=rs.index, dtype=object),
            "is_home": pd.Series([p[0] for p in parts], index=rs.index, dtype="boolean"),
        },
        index=rs.index,
    )


# --------------------------------------------------------------------------- parsers


# Output column -> the upstream field every row of a payload carries (see parsing.require_filled).
_GAME_LOG_FIELDS = {
    "game_id": "GAME_ID",
    "game_date": "GAME_DATE",
    "team_abbr": "TEAM_ABBREVIATION",
    "is_home": "MATCHUP",
    "minutes": "MIN",
    "pts": "PTS",
}
_STAT_FIELDS = {"reb": "REB", "ast": "AST", "fg3m": "FG3M"}
_SCHEDULE_FIELDS = {
    "game_id": "GAME_ID",
    "home_team": "HOME_TEAM_ID",
    "away_team": "VISITOR_TEAM_ID",
}
_BOX_V2_FIELDS = {
    "game_id": "GAME_ID",
    "player_id": "PLAYER_ID",
    "team_abbr": "TEAM_ABBREVIATION",
    "minutes": "MIN",
}


def parse_leaguegamelog_players(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """leaguegamelog PlayerOrTeam=P -> RawPlayerBoxscores columns (starter unknown: NA)."""
    rs = result_set(payload, "LeagueGameLog", url=url)
    out = _game_log_base(rs)
    out["player_id"] = _str_col(rs, "PLAYER_ID")
    out["player_name"] = _str_col(rs, "PLAYER_NAME")
    out["starter"] = pd.Series(pd.NA, index=rs.index, dtype="boolean")
    out["minutes"] = _col(rs, "MIN").map(parse_minutes).astype(float)
    for column, header in _STAT_COLUMNS.items():
        out[column] = _num_col(rs, header)
    out["source"] = SOURCE
    fields = {**_GAME_LOG_FIELDS, "player_id": "PLAYER_ID", "player_name": "PLAYER_NAME"}
    require_filled(out, fields | _STAT_FIELDS, "leaguegamelog (players)", SOURCE, url)
    return out.reindex(columns=list(contract_columns(RawPlayerBoxscores))).reset_index(drop=True)


def parse_leaguegamelog_teams(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """leaguegamelog PlayerOrTeam=T -> RawTeamBoxscores columns."""
    rs = result_set(payload, "LeagueGameLog", url=url)
    out = _game_log_base(rs)
    out["minutes"] = _col(rs, "MIN").map(parse_minutes).astype(float)
    for column, header in _STAT_COLUMNS.items():
        out[column] = _num_col(rs, header)
    out["source"] = SOURCE
    require_filled(out, _GAME_LOG_FIELDS, "leaguegamelog (teams)", SOURCE, url)
    return out.reindex(columns=list(contract_columns(RawTeamBoxscores))).reset_index(drop=True)


def _tipoff_from_status(status_text: Any, game_date: MaybeTimestamp) -> MaybeTimestamp:
    """Tip-off in UTC from "7:30 pm ET" on the game's Eastern date; NaT for "Final", "Q3 5:12", ..."""
    text = to_str(status_text)
    match = _TIP_TEXT.match(text) if text else None
    if match is None or isinstance(game_date, NaTType):
        return pd.NaT
    hour, minute, half = int(match.group(1)) % 12, int(match.group(2)), match.group(3).lower()
    hour += 12 if half == "p" else 0
    local = pd.Timestamp(game_date.year, game_date.month, game_date.day, hour, minute)
    return local.tz_localize(EASTERN).tz_convert("UTC")


def parse_scoreboardv2(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """scoreboardv2 GameHeader -> RawSchedule columns (one row per game; tip-off NaT once started)."""
    rs = result_set(payload, "GameHeader", url=url)
    game_id = _str_col(rs, "GAME_ID")
    game_dates = [calendar_date(v) for v in _col(rs, "GAME_DATE_EST")]
    season = _col(rs, "SEASON").map(season_from_start_year)
    season = season.where(season.notna(), game_id.map(season_from_game_id))
    tips = [
        _tipoff_from_status(text, day)
        for text, day in zip(_col(rs, "GAME_STATUS_TEXT"), game_dates, strict=True)
    ]
    out = pd.DataFrame(
        {
            "game_id": game_id,
            "game_date": naive_date_series(game_dates).set_axis(rs.index),
            "season": season.astype(object),
            "season_type": game_id.map(season_type_from_game_id).astype(object),
            "home_team": _col(rs, "HOME_TEAM_ID").map(team_from_id).astype(object),
            "away_team": _col(rs, "VISITOR_TEAM_ID").map(team_from_id).astype(object),
            "tipoff_utc": utc_series(tips).set_axis(rs.index),
            "source": SOURCE,
        },
        index=rs.index,
    )
    require_filled(
        out, {**_SCHEDULE_FIELDS, "game_date": "GAME_DATE_EST"}, "scoreboardv2", SOURCE, url
    )
    # GameHeader repeats a game once per national broadcaster; those rows are identical here.
    return out.drop_duplicates().reset_index(drop=True)


def parse_scoreboardv3(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """scoreboardv3 scoreboard.games -> RawSchedule columns."""
    rows: list[dict[str, Any]] = []
    for one in scoreboard_games(payload, SOURCE, "scoreboardv3", url):
        game_id = to_str(one.game.get("gameId"))
        rows.append(
            {
                "game_id": game_id,
                "game_date": one.game_date,
                "season": season_from_game_id(game_id),
                "season_type": season_type_from_game_id(game_id),
                "home_team": team_of(one.home),
                "away_team": team_of(one.away),
                "tipoff_utc": utc_timestamp(one.game.get("gameTimeUTC")),
            }
        )
    fields = {"game_id": "gameId", "home_team": "homeTeam", "away_team": "awayTeam"}
    return require_filled(_schedule_frame(rows), fields, "scoreboardv3", SOURCE, url)


def _schedule_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """RawSchedule-shaped frame from row dicts, with proper datetime dtypes."""
    frame = pd.DataFrame(rows, columns=[c for c in contract_columns(RawSchedule) if c != "source"])
    frame["game_date"] = naive_date_series(list(frame["game_date"]))
    frame["tipoff_utc"] = utc_series(list(frame["tipoff_utc"]))
    frame["source"] = SOURCE
    return frame


def _split_played(frame: pd.DataFrame, comment: pd.Series) -> BoxscorePlayers:
    """Split player rows into those who played and those who did not (no minutes, or 0 with a comment)."""
    no_minutes = frame["minutes"].isna() | ((frame["minutes"] == 0) & comment.notna())
    dnp = frame.loc[no_minutes, ["game_id", "player_id", "player_name", "team_abbr"]].copy()
    dnp["comment"] = comment[no_minutes]
    players = frame.loc[~no_minutes].reindex(columns=list(contract_columns(RawPlayerBoxscores)))
    return BoxscorePlayers(
        players=players.reset_index(drop=True),
        did_not_play=dnp.reindex(columns=list(DID_NOT_PLAY_COLUMNS)).reset_index(drop=True),
    )


def _box_context(
    frame: pd.DataFrame, game_date: date | str | None, home_team: str | None
) -> pd.DataFrame:
    """Fill the game-level columns a box score does not carry itself (date, season, home, opponent)."""
    teams = [t for t in frame["team_abbr"].dropna().unique()]
    other = dict(zip(teams, reversed(teams), strict=True)) if len(teams) == 2 else {}
    frame["game_date"] = naive_date_series([calendar_date(game_date)] * len(frame)).set_axis(
        frame.index
    )
    frame["season"] = frame["game_id"].map(season_from_game_id).astype(object)
    frame["season_type"] = frame["game_id"].map(season_type_from_game_id).astype(object)
    frame["opponent_abbr"] = frame["team_abbr"].map(other).astype(object)
    if home_team is None:
        frame["is_home"] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    else:
        frame["is_home"] = (frame["team_abbr"] == home_team).astype("boolean")
        frame.loc[frame["team_abbr"].isna(), "is_home"] = pd.NA
    frame["source"] = SOURCE
    return frame


def parse_boxscoretraditionalv2(
    payload: JsonInput,
    *,
    game_date: date | str | None = None,
    home_team: str | None = None,
    url: str | None = None,
) -> BoxscorePlayers:
    """boxscoretraditionalv2 PlayerStats -> played rows (RawPlayerBoxscores) + did-not-play rows.

    The payload has neither the date nor the home team: pass them (from the schedule) or get NaT / NA.
    """
    rs = result_set(payload, "PlayerStats", url=url)
    frame = pd.DataFrame(
        {
            "game_id": _str_col(rs, "GAME_ID"),
            "player_id": _str_col(rs, "PLAYER_ID"),
            "player_name": _str_col(rs, "PLAYER_NAME"),
            "team_abbr": _str_col(rs, "TEAM_ABBREVIATION"),
            "starter": _str_col(rs, "START_POSITION").notna().astype("boolean"),
            "minutes": _col(rs, "MIN").map(parse_minutes).astype(float),
        },
        index=rs.index,
    )
    stat_headers = {**_STAT_COLUMNS, "tov": "TO"}
    for column, header in stat_headers.items():
        frame[column] = _num_col(rs, header if header in rs.columns else _STAT_COLUMNS[column])
    require_filled(frame, _BOX_V2_FIELDS, "boxscoretraditionalv2", SOURCE, url)
    frame = _box_context(frame, game_date, home_team)
    return _split_played(frame, _str_col(rs, "COMMENT"))


_V3_COLUMNS: tuple[str, ...] = (
    "game_id",
    "player_id",
    "player_name",
    "team_abbr",
    "starter",
    "minutes",
    *_V3_STAT_KEYS,
)


def _v3_player_row(player: Mapping[str, Any]) -> dict[str, Any]:
    """One player's own columns of a boxscoretraditionalv3 team (a starter has a position)."""
    stats = player.get("statistics") or {}
    return {
        "player_id": to_str(player.get("personId")),
        "player_name": full_name(player),
        "starter": to_str(player.get("position")) is not None,
        "minutes": parse_minutes(stats.get("minutes")),
        **{col: to_float(stats.get(key)) for col, key in _V3_STAT_KEYS.items()},
    }


def _v3_teams(payload: JsonInput, url: str | None) -> tuple[str | None, list[Mapping[str, Any]]]:
    """The game id and the home then away team objects of a boxscoretraditionalv3 payload."""
    box = as_mapping(payload, SOURCE, url).get("boxScoreTraditional")
    if not isinstance(box, Mapping):
        raise SourceError(
            SOURCE, "boxscoretraditionalv3 payload has no boxScoreTraditional", url=url
        )
    teams = []
    for side in ("homeTeam", "awayTeam"):
        team = box.get(side)
        if not isinstance(team, Mapping):
            raise SourceError(SOURCE, f"boxscoretraditionalv3 payload has no {side}", url=url)
        teams.append(team)
    return to_str(box.get("gameId")), teams


def parse_boxscoretraditionalv3(
    payload: JsonInput,
    *,
    game_date: date | str | None = None,
    url: str | None = None,
) -> BoxscorePlayers:
    """boxscoretraditionalv3 -> played rows (RawPlayerBoxscores) + did-not-play rows."""
    game_id, (home, away) = _v3_teams(payload, url)
    rows: list[dict[str, Any]] = []
    comments: list[str | None] = []
    for team in (home, away):
        abbr = team_of(team)
        for player in team.get("players") or []:
            rows.append({"game_id": game_id, "team_abbr": abbr, **_v3_player_row(player)})
            comments.append(to_str(player.get("comment")))
    frame = pd.DataFrame(rows, columns=list(_V3_COLUMNS))
    frame["starter"] = frame["starter"].astype("boolean")
    frame["minutes"] = frame["minutes"].astype(float)
    fields = {"game_id": "gameId", "player_id": "personId", "minutes": "statistics.minutes"}
    require_filled(frame, fields, "boxscoretraditionalv3", SOURCE, url)
    frame = _box_context(frame, game_date, team_of(home))
    return _split_played(frame, pd.Series(comments, index=frame.index, dtype=object))


def parse_commonteamroster(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """commonteamroster CommonTeamRoster -> player_id, player_name, team_abbr."""
    rs = result_set(payload, "CommonTeamRoster", url=url)
    team_id = _col(rs, "TeamID") if "TeamID" in rs.columns else _col(rs, "TEAM_ID")
    return pd.DataFrame(
        {
            "player_id": _str_col(rs, "PLAYER_ID"),
            "player_name": _str_col(rs, "PLAYER"),
            "team_abbr": team_id.map(team_from_id).astype(object),
        },
        columns=list(ROSTER_COLUMNS),
    ).reset_index(drop=True)


def parse_payload(payload: RawPayload) -> pd.DataFrame:
    """Parse a RawPayload this source fetched, by its endpoint (box scores: played rows only)."""
    endpoint, url = payload.meta.get("endpoint"), payload.url
    if endpoint == "scoreboardv2":
        return parse_scoreboardv2(payload.content, url=url)
    if endpoint == "scoreboardv3":
        return parse_scoreboardv3(payload.content, url=url)
    if endpoint == "leaguegamelog" and payload.kind == "player_boxscores":
        return parse_leaguegamelog_players(payload.content, url=url)
    if endpoint == "leaguegamelog" and payload.kind == "team_boxscores":
        return parse_leaguegamelog_teams(payload.content, url=url)
    if endpoint == "boxscoretraditionalv2":
        return parse_boxscoretraditionalv2(
            payload.content, game_date=payload.game_date, url=url
        ).players
    if endpoint == "boxscoretraditionalv3":
        return parse_boxscoretraditionalv3(
            payload.content, game_date=payload.game_date, url=url
        ).players
    if endpoint == "commonteamroster":
        return parse_commonteamroster(payload.content, url=url)
    raise SourceError(
        SOURCE, f"no parser for endpoint {endpoint!r} / kind {payload.kind!r}", url=url
    )


# --------------------------------------------------------------------------- client


def season_types_for_date(game_date: date) -> tuple[str, ...]:
    """The leaguegamelog SeasonTypes that can have games on a date (Dec-Mar: regular season only)."""
    if game_date.month in (12, 1, 2, 3):
        return ("Regular Season",)
    return ("Regular Season", "PlayIn", "Playoffs")


class StatsNbaSource(HttpSource):
    """GameDaySource over stats.nba.com: schedule (scoreboardv2) and player/team box scores (leaguegamelog)."""

    name = SOURCE
    kinds: tuple[str, ...] = ("schedule", "player_boxscores", "team_boxscores")

    def __init__(
        self,
        client: HttpClient | None = None,
        *,
        config: HttpConfig | None = None,
        schedule_endpoint: Literal["scoreboardv2", "scoreboardv3"] = "scoreboardv2",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(client, config or default_config(), now)
        self.schedule_endpoint = schedule_endpoint

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        """Payloads of `kind` for a US-Eastern game date."""
        self._require_kind(kind)
        if kind == "schedule":
            params = {"GameDate": game_date.isoformat(), "LeagueID": "00"}
            if self.schedule_endpoint == "scoreboardv2":
                params["DayOffset"] = "0"
            return [self._get(self.schedule_endpoint, params, kind, game_date)]
        player_or_team = "P" if kind == "player_boxscores" else "T"
        return [
            self._get(
                "leaguegamelog",
                {
                    "Counter": "1000",
                    "DateFrom": game_date.isoformat(),
                    "DateTo": game_date.isoformat(),
                    "Direction": "DESC",
                    "LeagueID": "00",
                    "PlayerOrTeam": player_or_team,
                    "Season": season_label(game_date),
                    "SeasonType": season_type,
                    "Sorter": "DATE",
                },
                kind,
                game_date,
                {"season_type": season_type},
            )
            for season_type in season_types_for_date(game_date)
        ]

    def fetch_boxscore_traditional(
        self, game_id: str, game_date: date, *, version: int = 3
    ) -> RawPayload:
        """One game's traditional box score (v2 or v3): starters and did-not-play comments."""
        endpoint = f"boxscoretraditionalv{version}"
        params = {
            "GameID": game_id,
            "StartPeriod": "0",
            "EndPeriod": "0",
            "StartRange": "0",
            "EndRange": "0",
            "RangeType": "0",
        }
        return self._get(endpoint, params, "player_boxscores", game_date, {"game_id": game_id})

    def fetch_team_roster(self, team_id: int, season: str, game_date: date) -> RawPayload:
        """A team's roster for a season (commonteamroster)."""
        params = {"TeamID": str(team_id), "Season": season, "LeagueID": "00"}
        return self._get("commonteamroster", params, "roster", game_date, {"team_id": str(team_id)})

    def _get(
        self,
        endpoint: str,
        params: Mapping[str, str],
        kind: str,
        game_date: date,
        meta: Mapping[str, str] | None = None,
    ) -> RawPayload:
        """GET one endpoint and wrap the verbatim body as a RawPayload."""
        result = self._client.get_json(endpoint, params)
        return self._payload(result, kind, game_date, {"endpoint": endpoint, **(meta or {})})
