"""Helpers shared by the source parsers: body decoding, numbers, minutes, seasons, time zones."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd
from pandas._libs.tslibs.nattype import NaTType

from features import calendar
from features.calendar import EASTERN
from features.teams import TEAM_ID_TO_ABBR
from resources.sources.base import SourceError

if TYPE_CHECKING:
    import pandera.pandas as pa

# What a parser accepts: the decoded JSON object, or the verbatim body (bytes / str).
JsonInput = Mapping[str, Any] | bytes | bytearray | str

# A point in time that may be missing (pd.NaT).
MaybeTimestamp = pd.Timestamp | NaTType

# GAME_ID[2] -> season type ("0022400561": regular season). Only the last three are in the contract;
# the others are named so a contract failure says what the row was.
_SEASON_TYPE_BY_DIGIT: dict[str, str] = {
    "1": "Preseason",
    "2": "Regular Season",
    "3": "All-Star",
    "4": "Playoffs",
    "5": "PlayIn",
    "6": "NBA Cup",
}

# Keys of the JSON error objects services answer with (sometimes under HTTP 200) instead of data.
_ERROR_KEYS = frozenset(
    {"message", "Message", "error", "errors", "error_code", "errorCode", "code", "status"}
    | {"statusCode", "detail", "details", "details_url", "title", "type"}
)
_ERROR_MESSAGE_KEYS = frozenset({"message", "Message", "error", "errors", "detail"})

_ISO_MINUTES = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def decode_body(body: bytes | bytearray | str, source: str, url: str | None = None) -> Any:
    """Decode a response body as JSON; raise SourceError when it is empty, HTML or not JSON."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes | bytearray) else body
    stripped = text.strip()
    if not stripped:
        raise SourceError(source, "empty response body", url=url)
    if stripped.startswith("<"):
        raise SourceError(source, f"HTML page instead of JSON: {stripped[:80]!r}", url=url)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise SourceError(
            source, f"body is not JSON ({exc.msg}): {stripped[:80]!r}", url=url
        ) from None
    if is_error_body(data):
        raise SourceError(source, f"error body instead of data: {stripped[:200]}", url=url)
    return data


def is_error_body(data: Any) -> bool:
    """A JSON object holding only an error (message, code, ...): what a service sends instead of data."""
    return (
        isinstance(data, Mapping)
        and bool(set(data) & _ERROR_MESSAGE_KEYS)
        and set(data) <= _ERROR_KEYS
    )


def require_filled(
    frame: pd.DataFrame,
    fields: Mapping[str, str],
    what: str,
    source: str,
    url: str | None = None,
) -> pd.DataFrame:
    """The parsed frame, or SourceError when a field its rows always carry is absent from all of them.

    That is an upstream schema change (a field renamed or dropped): parsing on would quarantine
    every row for the same reason. `fields` maps output columns ("a|b": any of them) to the
    upstream field the error names.
    """
    if frame.empty:
        return frame
    missing = [
        upstream
        for columns, upstream in fields.items()
        if frame[columns.split("|")].isna().all().all()
    ]
    if missing:
        raise SourceError(
            source,
            f"{what}: {', '.join(missing)} absent from all {len(frame)} rows "
            "(upstream schema changed?)",
            url=url,
        )
    return frame


def as_mapping(payload: JsonInput, source: str, url: str | None = None) -> Mapping[str, Any]:
    """Return the payload as a JSON object, decoding bytes/str; SourceError if it is not an object."""
    data = (
        decode_body(payload, source, url)
        if isinstance(payload, bytes | bytearray | str)
        else payload
    )
    if not isinstance(data, Mapping):
        raise SourceError(source, f"expected a JSON object, got {type(data).__name__}", url=url)
    if is_error_body(data):
        raise SourceError(source, f"error body instead of data: {dict(data)}", url=url)
    return data


def to_float(value: Any) -> float:
    """Coerce a JSON scalar to float; NaN when missing or not a number."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return math.nan


def to_str(value: Any) -> str | None:
    """Coerce a JSON scalar to a stripped string; None when missing or blank."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def parse_minutes(value: Any) -> float:
    """Minutes played as a float: 35, "35:12", "PT35M12.00S" -> 35.2; NaN when missing."""
    if value is None:
        return math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if not text:
        return math.nan
    iso = _ISO_MINUTES.match(text)
    if iso:
        hours, mins, secs = (float(g) if g else 0.0 for g in iso.groups())
        return round(hours * 60 + mins + secs / 60, 4)
    if ":" in text:
        mins_text, _, secs_text = text.partition(":")
        mins_f, secs_f = to_float(mins_text), to_float(secs_text)
        return round(mins_f + secs_f / 60, 4)
    return to_float(text)


def season_from_start_year(start_year: Any) -> str | None:
    """Season label from a start year in a payload: 2024 or "2024" -> "2024-25"; None if not a year."""
    year = to_str(start_year)
    if year is None or not year.isdigit() or len(year) != 4:
        return None
    return calendar.season_from_start_year(int(year))


def season_from_season_id(season_id: Any) -> str | None:
    """Season label from a stats.nba SEASON_ID: "22024" -> "2024-25"."""
    text = to_str(season_id)
    if text is None or len(text) != 5:
        return None
    return season_from_start_year(text[1:])


def season_from_game_id(game_id: Any) -> str | None:
    """Season label from an NBA game id: "0022400561" -> "2024-25"."""
    text = to_str(game_id)
    if text is None or len(text) != 10 or not text.isdigit():
        return None
    return season_from_start_year(f"20{text[3:5]}")


def season_type_from_game_id(game_id: Any) -> str | None:
    """Season type from GAME_ID[2]: '2' Regular Season, '4' Playoffs, '5' PlayIn, ..."""
    text = to_str(game_id)
    if text is None or len(text) < 3:
        return None
    return _SEASON_TYPE_BY_DIGIT.get(text[2])


def _timestamp(text: str | None) -> MaybeTimestamp:
    """pd.Timestamp of a text; NaT when missing or unparsable."""
    if text is None:
        return pd.NaT
    try:
        return pd.Timestamp(text)
    except ValueError:
        return pd.NaT


def utc_timestamp(value: Any) -> MaybeTimestamp:
    """Parse an ISO time to a UTC Timestamp (naive input is taken as UTC); NaT when unparsable."""
    ts = _timestamp(to_str(value))
    if isinstance(ts, NaTType):
        return pd.NaT
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def eastern_date(ts: MaybeTimestamp) -> MaybeTimestamp:
    """The US-Eastern calendar date of a UTC time, as a naive midnight Timestamp; NaT stays NaT."""
    if isinstance(ts, NaTType):
        return pd.NaT
    return ts.tz_convert(EASTERN).tz_localize(None).normalize()


def calendar_date(value: Any) -> MaybeTimestamp:
    """A game date ("2025-03-15", "2024-01-15T00:00:00", "Feb 20, 2026") as naive midnight; NaT if not."""
    ts = _timestamp(to_str(value))
    if isinstance(ts, NaTType):
        return pd.NaT
    return ts.tz_localize(None).normalize() if ts.tzinfo is not None else ts.normalize()


def utc_series(values: list[MaybeTimestamp]) -> pd.Series:
    """A datetime64[ns, UTC] Series from Timestamps / NaT."""
    return pd.Series(pd.to_datetime(pd.Series(values, dtype="object"), utc=True)).astype(
        "datetime64[ns, UTC]"
    )


def naive_date_series(values: list[MaybeTimestamp]) -> pd.Series:
    """A naive datetime64[ns] Series from dates / NaT."""
    return pd.Series(pd.to_datetime(pd.Series(values, dtype="object"))).astype("datetime64[ns]")


def team_from_id(value: Any) -> str | None:
    """NBA abbreviation for a team id (int or str); None when unknown."""
    number = to_float(value)
    if number != number:  # NaN
        return None
    return TEAM_ID_TO_ABBR.get(int(number))


def team_of(team: Mapping[str, Any]) -> str | None:
    """Abbreviation of an nba.com team object: its teamTricode, else by its teamId."""
    return to_str(team.get("teamTricode")) or team_from_id(team.get("teamId"))


def full_name(person: Mapping[str, Any]) -> str | None:
    """ "firstName familyName" of an nba.com player object; None when both are missing."""
    parts = (to_str(person.get("firstName")), to_str(person.get("familyName")))
    return " ".join(p for p in parts if p) or None


@dataclass(frozen=True)
class ScoreboardGame:
    """One game of an nba.com scoreboard (scoreboard.games[]) and its US-Eastern date."""

    game: Mapping[str, Any]
    home: Mapping[str, Any]
    away: Mapping[str, Any]
    game_date: MaybeTimestamp


def scoreboard_games(
    payload: JsonInput, source: str, what: str, url: str | None = None
) -> list[ScoreboardGame]:
    """The games of an nba.com scoreboard payload (cdn liveData and stats scoreboardv3 alike).

    gameEt carries a false "Z": its wall-clock part is the Eastern time, so its date is the game
    date; a game without it takes the scoreboard's gameDate.
    """
    board = as_mapping(payload, source, url).get("scoreboard")
    games = board.get("games") if isinstance(board, Mapping) else None
    if not isinstance(board, Mapping) or not isinstance(games, list):
        raise SourceError(source, f"{what} payload has no scoreboard.games list", url=url)
    board_date = calendar_date(board.get("gameDate"))
    out: list[ScoreboardGame] = []
    for game in games:
        game = game if isinstance(game, Mapping) else {}
        et_text = to_str(game.get("gameEt"))
        game_date = calendar_date(et_text[:10]) if et_text else board_date
        home, away = game.get("homeTeam") or {}, game.get("awayTeam") or {}
        out.append(ScoreboardGame(game, home, away, game_date))
    return out


@cache
def contract_columns(model: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """The column names of a raw contract, in order."""
    return tuple(model.to_schema().columns)
