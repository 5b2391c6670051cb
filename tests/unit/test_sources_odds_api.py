"""The Odds API parsers on recorded real payloads, and the client (key never leaks) over mocked HTTP."""

from __future__ import annotations

import copy
import json
import logging
import math
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pandas as pd
import pytest
import respx

from contracts.raw import RawGameOdds, RawPropLines
from resources.sources.base import GameDaySource, SourceError, TransientSourceError
from resources.sources.odds_api import (
    DEFAULT_BASE_URL,
    EVENT_COLUMNS,
    OddsApiSource,
    parse_event_game_odds,
    parse_event_player_props,
    parse_events,
    parse_payload,
    to_american,
)
from tests.unit import recorded
from tests.unit.recorded import assert_source_error, fixture_readers, one, quiet_client, respond

PROPS = "event_odds_player_props_39fe52ee_2024-03-11_RECONSTRUCTED.json"
H2H = "historical_event_odds_h2h_cd0bc7d0_2024-01-25.json"
SPREADS_TOTALS = "historical_event_odds_spreads_totals_cd0bc7d0_2024-01-25.json"
EVENTS_2024 = "historical_events_2024-01-25T03-55-40Z.json"
EVENTS_2025 = "historical_events_2025-03-09T23-55-38Z.json"
KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
EVENTS_URL = f"{DEFAULT_BASE_URL}/v4/sports/basketball_nba/events"


raw, loaded = fixture_readers("odds_api")


# --------------------------------------------------------------------------- events


def test_historical_events_use_the_eastern_game_date() -> None:
    df = parse_events(raw(EVENTS_2024))
    assert list(df.columns) == list(EVENT_COLUMNS)
    assert len(df) == 10
    gsw = one(df, event_id="cd0bc7d0c238f4446ce1c03d0cea7ec4")
    assert (gsw["home_team"], gsw["away_team"]) == ("GSW", "ATL")
    assert gsw["commence_time"] == pd.Timestamp("2024-01-25T03:20:30Z")
    assert gsw["game_date"] == pd.Timestamp("2024-01-24")  # 10:20 pm ET on the 24th
    assert (df["game_date"] == pd.Timestamp("2024-01-24")).sum() == 3


def test_events_2025_snapshot() -> None:
    df = parse_events(raw(EVENTS_2025))
    assert len(df) == 16
    por = one(df, event_id="d547139c212c53cbf2d80cd17a08084f")
    assert (por["home_team"], por["away_team"], por["game_date"]) == (
        "GSW",
        "POR",
        pd.Timestamp("2025-03-10"),
    )
    assert df["home_team"].notna().all() and df["away_team"].notna().all()


def test_events_unwrapped_list_is_accepted() -> None:
    assert len(parse_events(loaded(EVENTS_2024)["data"])) == 10


# --------------------------------------------------------------------------- player props


def test_player_props_pivot_over_under() -> None:
    df = parse_event_player_props(raw(PROPS))
    assert list(df.columns) == list(RawPropLines.to_schema().columns)
    assert len(df) == 783
    assert df["market"].value_counts().to_dict() == {
        "points": 238,
        "pra": 190,
        "rebounds": 138,
        "assists": 111,
        "threes": 106,
    }
    beal = one(df, bookmaker="draftkings", market="points", player_name="Bradley Beal")
    assert (beal["line"], beal["over_price"], beal["under_price"]) == (16.5, -130, 100)
    assert (beal["home_team"], beal["away_team"]) == ("CLE", "PHX")
    assert beal["game_date"] == pd.Timestamp("2024-03-11")
    assert beal["captured_at"] == pd.Timestamp("2024-03-11T20:45:25Z")
    assert beal["minutes_before_tip"] == pytest.approx(174 + 35 / 60)
    assert (df["source"] == "odds_api").all()
    assert df[["over_price", "under_price"]].notna().all().all()
    RawPropLines.validate(df, lazy=True)


def test_player_props_alternate_lines_are_separate_rows() -> None:
    df = parse_event_player_props(raw(PROPS))
    betrivers = df[(df["bookmaker"] == "betrivers") & (df["market"] == "points")]
    assert len(betrivers) == 70
    assert betrivers.groupby("player_name")["line"].nunique().max() > 1


def test_captured_at_fallbacks() -> None:
    event = copy.deepcopy(loaded(PROPS))
    for book in event["bookmakers"]:
        for market in book["markets"]:
            market.pop("last_update", None)
    given = datetime(2024, 3, 11, 19, 0, tzinfo=UTC)
    by_argument = parse_event_player_props(event, captured_at=given)
    assert (by_argument["captured_at"] == pd.Timestamp(given)).all()
    assert (by_argument["minutes_before_tip"] == 280).all()

    event["bookmakers"][0]["last_update"] = "2024-03-11T18:30:00Z"
    wrapped = {
        "timestamp": "2024-03-11T18:00:00Z",
        "previous_timestamp": None,
        "next_timestamp": None,
        "data": event,
    }
    by_wrapper = parse_event_player_props(wrapped, captured_at=given)
    first_book = by_wrapper["bookmaker"] == event["bookmakers"][0]["key"]
    assert (by_wrapper.loc[first_book, "captured_at"] == pd.Timestamp("2024-03-11T18:30:00Z")).all()
    assert (
        by_wrapper.loc[~first_book, "captured_at"] == pd.Timestamp("2024-03-11T18:00:00Z")
    ).all()


def test_player_prop_outcome_missing_price_is_kept() -> None:
    event = copy.deepcopy(loaded(PROPS))
    outcomes = event["bookmakers"][0]["markets"][0]["outcomes"]
    assert outcomes[0]["description"] == "Bradley Beal" and outcomes[0]["name"] == "Over"
    del outcomes[0]["price"]
    df = parse_event_player_props(event)
    assert len(df) == 783
    beal = one(df, bookmaker="draftkings", market="points", player_name="Bradley Beal")
    assert math.isnan(beal["over_price"]) and beal["under_price"] == 100


def test_historical_props_payload_without_props_gives_no_rows() -> None:
    # The upstream "player props" sample held only spreads/totals: no prop rows, no error.
    df = parse_event_player_props(raw(SPREADS_TOTALS))
    assert df.empty and list(df.columns) == list(RawPropLines.to_schema().columns)


# --------------------------------------------------------------------------- game odds


def test_game_odds_h2h_decimal_prices_become_american() -> None:
    df = parse_event_game_odds(raw(H2H), odds_format="decimal")
    assert list(df.columns) == list(RawGameOdds.to_schema().columns)
    assert len(df) == 4 and set(df["market"]) == {"moneyline"}
    dk_home = one(df, bookmaker="draftkings", side="home")
    dk_away = one(df, bookmaker="draftkings", side="away")
    assert dk_home["price"] == pytest.approx(-312.5) and dk_away["price"] == pytest.approx(230)
    assert math.isnan(dk_home["line"])
    assert dk_home["captured_at"] == pd.Timestamp("2024-01-25T03:55:22Z")
    assert dk_home["game_date"] == pd.Timestamp("2024-01-24")
    RawGameOdds.validate(df, lazy=True)


def test_game_odds_spreads_and_totals_sides() -> None:
    df = parse_event_game_odds(raw(SPREADS_TOTALS), odds_format="decimal")
    assert len(df) == 8
    assert one(df, bookmaker="fanduel", market="spread", side="home")["line"] == -7.5
    assert one(df, bookmaker="fanduel", market="spread", side="away")["line"] == 7.5
    over = one(df, bookmaker="draftkings", market="total", side="over")
    assert over["line"] == 248.5 and over["price"] == pytest.approx(-114.94, abs=0.01)
    RawGameOdds.validate(df, lazy=True)


def test_to_american() -> None:
    assert to_american(2.5, "decimal") == 150
    assert to_american(1.5, "decimal") == -200
    assert to_american(-110.0, "american") == -110


@recorded.unusable_payloads(
    (b'{"message": "Unknown event"}', "error body instead of data: .*Unknown event"),
    (b'{"id": "e1", "sport_key": "basketball_nba"}', "no bookmakers list"),
)
def test_event_odds_unusable_payload(body: bytes, message: str) -> None:
    url = "https://api.the-odds-api.com/v4/x"
    assert_source_error(parse_event_player_props, body, message, "odds_api", url)


def test_events_payload_not_a_list() -> None:
    with pytest.raises(SourceError, match="not a list"):
        parse_events(b'{"events": []}')
    with pytest.raises(SourceError, match="error body instead of data: .*Invalid date"):
        parse_events(b'{"message": "Invalid date"}')


# --------------------------------------------------------------------------- client


def make_source(**kw: Any) -> OddsApiSource:
    client = quiet_client("odds_api", DEFAULT_BASE_URL, max_attempts=2)
    return OddsApiSource(
        KEY, client=client, now=lambda: datetime(2024, 1, 25, 4, 0, tzinfo=UTC), **kw
    )


@respx.mock
def test_historical_prop_lines_fetch_only_that_dates_events(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    events = respond(
        f"{DEFAULT_BASE_URL}/v4/historical/sports/basketball_nba/events",
        content=raw(EVENTS_2024),
        headers={"x-requests-remaining": "480"},
    )
    odds = respx.get(url__regex=r".*/v4/historical/sports/basketball_nba/events/\w+/odds").mock(
        return_value=httpx.Response(200, content=raw(SPREADS_TOTALS))
    )
    payloads = make_source(historical=True).fetch("prop_lines", date(2024, 1, 24))
    assert events.calls.last.request.url.params["date"] == "2024-01-24T20:00:00Z"  # 3 pm ET
    assert odds.call_count == 3
    asked = {c.request.url.path.split("/")[-2] for c in odds.calls}
    assert asked == {
        "f137689983933840bf2f2a91278eb03b",
        "071ee3e84d6e3ecce12d8c5e4ab4da0b",
        "cd0bc7d0c238f4446ce1c03d0cea7ec4",
    }
    params = odds.calls.last.request.url.params
    assert params["markets"].split(",") == [
        "player_points",
        "player_rebounds",
        "player_assists",
        "player_threes",
        "player_points_rebounds_assists",
    ]
    assert (params["regions"], params["oddsFormat"], params["apiKey"]) == ("us", "american", KEY)
    assert [p.meta["endpoint"] for p in payloads] == [
        "events",
        "event_odds",
        "event_odds",
        "event_odds",
    ]
    assert payloads[0].meta["x-requests-remaining"] == "480"
    assert parse_payload(payloads[1]).empty  # that recorded body holds spreads/totals, no props
    for payload in payloads:
        assert payload.kind == "prop_lines" and payload.url is not None
        assert KEY not in payload.url and "apiKey" not in payload.url
        assert KEY not in json.dumps(payload.meta)
    assert KEY not in caplog.text


@respx.mock
def test_live_game_odds_fetch() -> None:
    respond(EVENTS_URL, json=loaded(EVENTS_2025)["data"])
    odds = respx.get(url__regex=r".*/v4/sports/basketball_nba/events/\w+/odds").mock(
        return_value=httpx.Response(200, content=raw(H2H))
    )
    source: GameDaySource = make_source()
    payloads = source.fetch("game_odds", date(2025, 3, 9))
    assert odds.call_count == 6
    assert len(parse_payload(payloads[0])) == 16
    # The recorded h2h body is in decimal odds; a payload's meta says which format was asked for.
    decimal = replace(payloads[1], meta={**payloads[1].meta, "odds_format": "decimal"})
    assert parse_payload(decimal)["price"].tolist() == pytest.approx([230, -312.5, 280, -384.62])
    assert odds.calls.last.request.url.params["markets"] == "h2h,spreads,totals"
    assert "date" not in odds.calls.last.request.url.params
    assert all(p.kind == "game_odds" for p in payloads)


@respx.mock
def test_api_key_absent_from_errors() -> None:
    respond(EVENTS_URL, 401, json={"message": f"API key {KEY} is not valid"})
    with pytest.raises(SourceError) as denied:
        make_source().fetch("prop_lines", date(2025, 3, 9))
    assert KEY not in str(denied.value) and KEY not in repr(denied.value)
    assert "HTTP 401" in str(denied.value)

    respond(EVENTS_URL, 429)
    with pytest.raises(TransientSourceError) as limited:
        make_source().fetch("prop_lines", date(2025, 3, 9))
    assert KEY not in str(limited.value)


def test_source_requires_a_key_and_hides_it() -> None:
    with pytest.raises(ValueError, match="API key"):
        OddsApiSource("")
    assert KEY not in repr(make_source())
