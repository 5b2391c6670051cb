"""The Odds API v4: events, player props and game lines (client and pure parsers).

The API key is a constructor argument; it is sent as the `apiKey` query parameter and removed from
every recorded url, log line and error message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from contracts.raw import RawGameOdds, RawPropLines
from features.calendar import EASTERN
from features.teams import team_abbr
from resources.sources.base import RawPayload, SourceError
from resources.sources.http import HttpClient, HttpConfig, HttpSource, utcnow
from resources.sources.parsing import (
    JsonInput,
    MaybeTimestamp,
    contract_columns,
    decode_body,
    eastern_date,
    naive_date_series,
    require_filled,
    to_float,
    to_str,
    utc_series,
    utc_timestamp,
)

SOURCE = "odds_api"
SPORT = "basketball_nba"
DEFAULT_BASE_URL = "https://api.the-odds-api.com"

# Odds API market key -> our market name. Other markets (combos, alternates) are ignored.
PROP_MARKETS: dict[str, str] = {
    "player_points": "points",
    "player_rebounds": "rebounds",
    "player_assists": "assists",
    "player_threes": "threes",
    "player_points_rebounds_assists": "pra",
}
GAME_MARKETS: dict[str, str] = {"h2h": "moneyline", "spreads": "spread", "totals": "total"}

EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "commence_time",
    "home_team",
    "away_team",
    "game_date",
)

OddsFormat = Literal["american", "decimal"]


def default_config(base_url: str = DEFAULT_BASE_URL) -> HttpConfig:
    """HTTP settings for The Odds API (quota-metered: few retries, modest pace)."""
    return HttpConfig(
        base_url=base_url,
        headers={"Accept": "application/json", "User-Agent": "nba-props/0.1"},
        timeout_s=20.0,
        min_interval_s=0.25,
        max_attempts=3,
        backoff_base_s=2.0,
        backoff_max_s=30.0,
    )


# --------------------------------------------------------------------------- parsers


def unwrap(payload: JsonInput, *, url: str | None = None) -> tuple[Any, MaybeTimestamp]:
    """Return (data, wrapper timestamp): historical bodies are {timestamp, ..., data}; live ones are not."""
    if isinstance(payload, bytes | bytearray | str):
        decoded: Any = decode_body(payload, SOURCE, url)
    else:
        decoded = payload
    if isinstance(decoded, Mapping) and "data" in decoded and "timestamp" in decoded:
        return decoded["data"], utc_timestamp(decoded.get("timestamp"))
    return decoded, pd.NaT


def to_american(price: float, odds_format: OddsFormat) -> float:
    """A price in American odds; decimal prices are converted (2.5 -> +150, 1.5 -> -200)."""
    if odds_format == "american" or price != price:
        return price
    if price <= 1.0:
        return float("nan")
    return round((price - 1.0) * 100.0, 2) if price >= 2.0 else round(-100.0 / (price - 1.0), 2)


# Output column -> the upstream field every event carries (see parsing.require_filled).
_EVENT_FIELDS = {
    "event_id": "id",
    "commence_time": "commence_time",
    "home_team": "home_team",
    "away_team": "away_team",
}


def _event_header(event: Mapping[str, Any]) -> dict[str, Any]:
    """Columns every row of one event shares."""
    commence = utc_timestamp(event.get("commence_time"))
    return {
        "event_id": to_str(event.get("id")),
        "game_date": eastern_date(commence),
        "commence_time": commence,
        "home_team": team_abbr(to_str(event.get("home_team"))),
        "away_team": team_abbr(to_str(event.get("away_team"))),
    }


def parse_events(payload: JsonInput, *, url: str | None = None) -> pd.DataFrame:
    """/events (live or historical) -> event_id, commence_time, home/away abbrs, US-Eastern game_date."""
    data, _ = unwrap(payload, url=url)
    if not isinstance(data, list):
        raise SourceError(
            SOURCE, f"events payload is not a list (got {type(data).__name__})", url=url
        )
    rows = [_event_header(event if isinstance(event, Mapping) else {}) for event in data]
    frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    frame["commence_time"] = utc_series(list(frame["commence_time"]))
    frame["game_date"] = naive_date_series(list(frame["game_date"]))
    return require_filled(frame, _EVENT_FIELDS, "events", SOURCE, url)


def _event_object(payload: JsonInput, url: str | None) -> tuple[Mapping[str, Any], MaybeTimestamp]:
    """The event odds object and the wrapper timestamp; SourceError if it has no bookmakers list."""
    data, wrapper_ts = unwrap(payload, url=url)
    if not isinstance(data, Mapping) or not isinstance(data.get("bookmakers"), list):
        raise SourceError(SOURCE, "event odds payload has no bookmakers list", url=url)
    return data, wrapper_ts


def _first_time(*candidates: Any) -> MaybeTimestamp:
    """The first candidate that parses as a UTC time; NaT when none does."""
    for candidate in candidates:
        ts = candidate if isinstance(candidate, pd.Timestamp) else utc_timestamp(candidate)
        if not pd.isna(ts):
            return ts
    return pd.NaT


def _as_utc(value: datetime | pd.Timestamp | str | None) -> MaybeTimestamp:
    """A caller-supplied time as a UTC Timestamp (naive = UTC); NaT for None."""
    if value is None:
        return pd.NaT
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


class _Quote(NamedTuple):
    """One outcome of one book's market in an event odds payload, with when it was captured."""

    bookmaker: str | None
    market: str
    outcome: Mapping[str, Any]
    captured_at: MaybeTimestamp


def _quotes(
    event: Mapping[str, Any], markets: Mapping[str, str], fallback: MaybeTimestamp
) -> Iterator[_Quote]:
    """The outcomes of the books' markets named in `markets` (as our market name).

    captured_at is the market's last update, else the book's, else `fallback`.
    """
    for book in event["bookmakers"]:
        book = book if isinstance(book, Mapping) else {}
        for market in book.get("markets") or []:
            name = markets.get(str(market.get("key")))
            if name is None:
                continue
            captured = _first_time(market.get("last_update"), book.get("last_update"), fallback)
            for outcome in market.get("outcomes") or []:
                yield _Quote(to_str(book.get("key")), name, outcome, captured)


def _event_quotes(
    payload: JsonInput,
    captured_at: datetime | pd.Timestamp | str | None,
    markets: Mapping[str, str],
    url: str | None,
) -> tuple[Mapping[str, Any], dict[str, Any], Iterator[_Quote]]:
    """The event object, the columns its rows share, and its quotes in `markets`.

    Without an update time in the body, a quote is captured at the wrapper's timestamp, else at
    `captured_at`.
    """
    event, wrapper_ts = _event_object(payload, url)
    fallback = _first_time(wrapper_ts, _as_utc(captured_at))
    return event, _event_header(event), _quotes(event, markets, fallback)


def parse_event_player_props(
    payload: JsonInput,
    captured_at: datetime | pd.Timestamp | str | None = None,
    *,
    odds_format: OddsFormat = "american",
    url: str | None = None,
) -> pd.DataFrame:
    """/events/{id}/odds with player markets -> RawPropLines (one row per book, market, player, line)."""
    _, header, quotes = _event_quotes(payload, captured_at, PROP_MARKETS, url)
    lines: dict[tuple[Any, ...], dict[str, Any]] = {}
    for quote in quotes:
        player = to_str(quote.outcome.get("description"))
        line = to_float(quote.outcome.get("point"))
        key = (quote.bookmaker, quote.market, player, "nan" if line != line else line)
        row = lines.setdefault(
            key,
            {
                **header,
                "bookmaker": quote.bookmaker,
                "market": quote.market,
                "player_name": player,
                "line": line,
                "over_price": float("nan"),
                "under_price": float("nan"),
                "captured_at": quote.captured_at,
            },
        )
        side = (to_str(quote.outcome.get("name")) or "").lower()
        if side in ("over", "under"):
            price = to_float(quote.outcome.get("price"))
            row[f"{side}_price"] = to_american(price, odds_format)
    frame = pd.DataFrame(list(lines.values()), columns=[*contract_columns(RawPropLines)])
    fields = {
        **_EVENT_FIELDS,
        "bookmaker": "bookmakers[].key",
        "player_name": "outcomes[].description",
        "line": "outcomes[].point",
        "over_price|under_price": "outcomes[].price",
    }
    require_filled(frame, fields, "event odds (player props)", SOURCE, url)
    return _finish_odds_frame(frame, with_minutes=True)


def _finish_odds_frame(frame: pd.DataFrame, *, with_minutes: bool) -> pd.DataFrame:
    """Set datetime / float dtypes, minutes_before_tip and source on an odds frame."""
    frame["game_date"] = naive_date_series(list(frame["game_date"]))
    frame["commence_time"] = utc_series(list(frame["commence_time"]))
    frame["captured_at"] = utc_series(list(frame["captured_at"]))
    if with_minutes:
        delta = frame["commence_time"] - frame["captured_at"]
        frame["minutes_before_tip"] = (delta.dt.total_seconds() / 60.0).astype(float)
    frame["source"] = SOURCE
    return frame.reset_index(drop=True)


def _game_side(market: str, outcome_name: str | None, event: Mapping[str, Any]) -> str | None:
    """home / away for h2h and spreads (by team name), over / under for totals."""
    if outcome_name is None:
        return None
    if market == "total":
        side = outcome_name.lower()
        return side if side in ("over", "under") else None
    abbr = team_abbr(outcome_name)
    if abbr is not None and abbr == team_abbr(to_str(event.get("home_team"))):
        return "home"
    if abbr is not None and abbr == team_abbr(to_str(event.get("away_team"))):
        return "away"
    return None


def parse_event_game_odds(
    payload: JsonInput,
    captured_at: datetime | pd.Timestamp | str | None = None,
    *,
    odds_format: OddsFormat = "american",
    url: str | None = None,
) -> pd.DataFrame:
    """/events/{id}/odds with h2h/spreads/totals -> RawGameOdds (one row per book, market, side)."""
    event, header, quotes = _event_quotes(payload, captured_at, GAME_MARKETS, url)
    rows = [
        {
            **header,
            "bookmaker": quote.bookmaker,
            "market": quote.market,
            "side": _game_side(quote.market, to_str(quote.outcome.get("name")), event),
            "line": float("nan")
            if quote.market == "moneyline"
            else to_float(quote.outcome.get("point")),
            "price": to_american(to_float(quote.outcome.get("price")), odds_format),
            "captured_at": quote.captured_at,
        }
        for quote in quotes
    ]
    frame = pd.DataFrame(rows, columns=[*contract_columns(RawGameOdds)])
    fields = {
        **_EVENT_FIELDS,
        "bookmaker": "bookmakers[].key",
        "side": "outcomes[].name",
        "price": "outcomes[].price",
    }
    require_filled(frame, fields, "event odds (game lines)", SOURCE, url)
    return _finish_odds_frame(frame, with_minutes=False)


# --------------------------------------------------------------------------- client


def parse_payload(payload: RawPayload) -> pd.DataFrame:
    """Parse a RawPayload this source fetched: events list, or one event's props / game odds.

    captured_at falls back to the payload's fetched_at when the body carries no update time.
    """
    endpoint, url = payload.meta.get("endpoint"), payload.url
    odds_format: OddsFormat = (
        "decimal" if payload.meta.get("odds_format") == "decimal" else "american"
    )
    if endpoint == "events":
        return parse_events(payload.content, url=url)
    if endpoint == "event_odds" and payload.kind == "prop_lines":
        return parse_event_player_props(
            payload.content, payload.fetched_at, odds_format=odds_format, url=url
        )
    if endpoint == "event_odds" and payload.kind == "game_odds":
        return parse_event_game_odds(
            payload.content, payload.fetched_at, odds_format=odds_format, url=url
        )
    raise SourceError(
        SOURCE, f"no parser for endpoint {endpoint!r} / kind {payload.kind!r}", url=url
    )


def _iso_z(moment: datetime) -> str:
    """An aware datetime as the API's ISO form, e.g. 2024-03-11T19:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OddsApiSource(HttpSource):
    """GameDaySource over The Odds API v4: prop_lines and game_odds for the games of a US-Eastern date.

    Live mode asks the current endpoints; historical mode asks the `/v4/historical/...` snapshot
    taken at `historical_at` (US-Eastern wall clock) on the game date, or just before tip-off if earlier.
    """

    name = SOURCE
    kinds: tuple[str, ...] = ("prop_lines", "game_odds")

    def __init__(
        self,
        api_key: str,
        *,
        client: HttpClient | None = None,
        config: HttpConfig | None = None,
        historical: bool = False,
        historical_at: time = time(15, 0),
        regions: str = "us",
        bookmakers: str | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        if not api_key:
            raise ValueError("OddsApiSource needs an API key (settings / Prefect Secret)")
        super().__init__(client, config or default_config(), now)
        self._api_key = api_key
        self.historical = historical
        self.historical_at = historical_at
        self.regions = regions
        self.bookmakers = bookmakers

    def __repr__(self) -> str:
        return f"OddsApiSource(historical={self.historical}, regions={self.regions!r})"

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        """The events payload of the date, then one odds payload per event of that date."""
        self._require_kind(kind)
        markets = ",".join(PROP_MARKETS) if kind == "prop_lines" else ",".join(GAME_MARKETS)
        snapshot = self._snapshot_time(game_date) if self.historical else None
        events_payload = self.fetch_events(game_date, snapshot, kind=kind)
        events = parse_events(events_payload.content, url=events_payload.url)
        todays = events[events["game_date"].dt.date == game_date]
        payloads = [events_payload]
        for event_id, commence in zip(todays["event_id"], todays["commence_time"], strict=True):
            at = None
            if snapshot is not None:
                before_tip = commence.to_pydatetime() - pd.Timedelta(minutes=5)
                at = min(snapshot, before_tip)
            payloads.append(self.fetch_event_odds(str(event_id), markets, kind, game_date, at))
        return payloads

    def fetch_events(
        self, game_date: date, snapshot: datetime | None = None, *, kind: str = "prop_lines"
    ) -> RawPayload:
        """The NBA events list (historical snapshot when `snapshot` is given); meta endpoint=events."""
        path = f"/v4/{'historical/' if snapshot else ''}sports/{SPORT}/events"
        params = {"date": _iso_z(snapshot)} if snapshot else {}
        return self._get(path, params, kind, game_date, {"endpoint": "events"})

    def fetch_event_odds(
        self,
        event_id: str,
        markets: str,
        kind: str,
        game_date: date,
        snapshot: datetime | None = None,
    ) -> RawPayload:
        """One event's odds for the given markets, in American odds (historical when `snapshot`)."""
        path = f"/v4/{'historical/' if snapshot else ''}sports/{SPORT}/events/{event_id}/odds"
        params: dict[str, str] = {
            "regions": self.regions,
            "markets": markets,
            "oddsFormat": "american",
        }
        if self.bookmakers:
            params["bookmakers"] = self.bookmakers
        if snapshot:
            params["date"] = _iso_z(snapshot)
        return self._get(
            path, params, kind, game_date, {"endpoint": "event_odds", "event_id": event_id}
        )

    def _snapshot_time(self, game_date: date) -> datetime:
        """The historical snapshot time for a date: `historical_at` US-Eastern on that day."""
        local = datetime.combine(game_date, self.historical_at, tzinfo=ZoneInfo(EASTERN))
        return local.astimezone(UTC)

    def _get(
        self,
        path: str,
        params: Mapping[str, str],
        kind: str,
        game_date: date,
        meta: Mapping[str, str],
    ) -> RawPayload:
        """GET and wrap as RawPayload (url without the key; quota headers kept in meta)."""
        result = self._client.get_json(path, {**params, "apiKey": self._api_key})
        quota = {
            k: result.headers[k]
            for k in ("x-requests-remaining", "x-requests-used", "x-requests-last")
            if k in result.headers
        }
        facts = {"odds_format": "american", "historical": str(self.historical).lower()}
        return self._payload(result, kind, game_date, {**facts, **meta, **quota})
