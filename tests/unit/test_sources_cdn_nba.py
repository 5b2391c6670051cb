"""cdn.nba.com live parsers on recorded real payloads, and the client over mocked HTTP."""

from __future__ import annotations

import copy
import math
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
import respx

from contracts.live_scores import SCOREBOARD_COLUMNS
from resources.sources.base import GameDaySource, SourceError
from resources.sources.cdn_nba import (
    DEFAULT_BASE_URL,
    LIVE_BOXSCORE_COLUMNS,
    CdnNbaSource,
    parse_live_boxscore,
    parse_payload,
    parse_todays_scoreboard,
    scoreboard_date,
)
from tests.unit import recorded
from tests.unit.recorded import assert_source_error, fixture_readers, one, quiet_client, respond

SCOREBOARD = "todaysScoreboard_00_2023-02-24.json"
BOXSCORE = "boxscore_0022000196.game_only.json"


raw, loaded = fixture_readers("cdn_nba")


def test_todays_scoreboard_pregame() -> None:
    df = parse_todays_scoreboard(raw(SCOREBOARD))
    assert list(df.columns) == list(SCOREBOARD_COLUMNS)
    assert len(df) == 8
    assert (df["game_status"] == 1).all() and (df["period"] == 0).all()
    game = one(df, game_id="0022200895")
    assert (game["home_team"], game["away_team"]) == ("WAS", "NYK")
    assert (game["home_score"], game["away_score"]) == (0, 0)
    assert game["status_text"] == "7:00 pm ET"
    assert game["tipoff_utc"] == pd.Timestamp("2023-02-25T00:00:00Z")
    assert game["game_date"] == pd.Timestamp("2023-02-24")
    late = one(df, game_id="0022200902")
    assert (late["home_team"], late["away_team"]) == ("LAC", "SAC")
    assert late["tipoff_utc"] == pd.Timestamp("2023-02-25T03:30:00Z")
    assert (df["game_date"] == pd.Timestamp("2023-02-24")).all()
    assert scoreboard_date(raw(SCOREBOARD)) == date(2023, 2, 24)


def test_live_boxscore_players() -> None:
    df = parse_live_boxscore(raw(BOXSCORE))
    assert list(df.columns) == list(LIVE_BOXSCORE_COLUMNS)
    assert len(df) == 34
    brown = one(df, player_name="Jaylen Brown")
    assert (brown["pts"], brown["reb"], brown["ast"], brown["fg3m"]) == (25, 6, 3, 3)
    assert brown["minutes"] == pytest.approx(32.55)
    assert bool(brown["starter"]) and bool(brown["played"]) and bool(brown["is_home"])
    assert (brown["team_abbr"], brown["opponent_abbr"], brown["game_id"]) == (
        "BOS",
        "NYK",
        "0022000196",
    )
    randle = one(df, player_name="Julius Randle")
    assert (randle["pts"], randle["reb"]) == (20, 12) and not bool(randle["is_home"])
    assert int(df["starter"].sum()) == 10
    assert int(df["played"].sum()) == 25


def test_live_boxscore_did_not_play_has_no_zero_minutes() -> None:
    df = parse_live_boxscore(raw(BOXSCORE))
    tatum = one(df, player_name="Jayson Tatum")
    assert not bool(tatum["played"]) and tatum["status"] == "INACTIVE"
    assert tatum["not_playing_reason"] == "INACTIVE_HEALTH_AND_SAFETY_PROTOCOLS"
    assert math.isnan(tatum["minutes"]) and math.isnan(tatum["pts"])
    gibson = one(df, player_name="Taj Gibson")  # active, never checked in
    assert (
        gibson["status"] == "ACTIVE"
        and not bool(gibson["played"])
        and math.isnan(gibson["minutes"])
    )
    assert not (df.loc[df["played"], "minutes"] == 0).any()


def test_live_boxscore_with_meta_wrapper_is_the_same() -> None:
    wrapped = {"meta": {"version": 1, "code": 200}, "game": loaded(BOXSCORE)}
    pd.testing.assert_frame_equal(parse_live_boxscore(wrapped), parse_live_boxscore(raw(BOXSCORE)))


def test_live_boxscore_player_with_missing_stats_is_kept() -> None:
    game = copy.deepcopy(loaded(BOXSCORE))
    del game["homeTeam"]["players"][0]["statistics"]["points"]
    df = parse_live_boxscore(game)
    assert len(df) == 34
    assert math.isnan(one(df, player_name="Jaylen Brown")["pts"])


@recorded.unusable_payloads((b'{"meta": {"code": 200}}', "no game.homeTeam/awayTeam"))
def test_live_boxscore_unusable_payload(body: bytes, message: str) -> None:
    url = "https://cdn.nba.com/static/json/liveData/boxscore/boxscore_0022000196.json"
    assert_source_error(parse_live_boxscore, body, message, "cdn_nba", url)


def test_scoreboard_without_games_raises() -> None:
    with pytest.raises(SourceError, match="scoreboard.games"):
        parse_todays_scoreboard(b'{"meta": {"code": 200}}')


# --------------------------------------------------------------------------- client


def make_source() -> CdnNbaSource:
    client = quiet_client("cdn_nba", DEFAULT_BASE_URL, max_attempts=2)
    return CdnNbaSource(client, now=lambda: datetime(2023, 2, 24, 4, 28, tzinfo=UTC))


SCOREBOARD_URL = f"{DEFAULT_BASE_URL}/scoreboard/todaysScoreboard_00.json"
BOXSCORE_URL = f"{DEFAULT_BASE_URL}/boxscore/boxscore_0022200895.json"


@respx.mock
def test_source_live_scoreboard_for_its_day_only() -> None:
    respond(SCOREBOARD_URL, content=raw(SCOREBOARD))
    source: GameDaySource = make_source()
    [payload] = source.fetch("live_scoreboard", date(2023, 2, 24))
    assert len(parse_payload(payload)) == 8
    assert payload.content == raw(SCOREBOARD) and payload.url == SCOREBOARD_URL
    assert payload.kind == "live_scoreboard" and payload.source == "cdn_nba"
    assert source.fetch("live_scoreboard", date(2023, 2, 25)) == []


@respx.mock
def test_source_live_boxscores_only_for_started_games() -> None:
    board = loaded(SCOREBOARD)
    assert source_boxscores(board) == []  # every game is still scheduled
    started = copy.deepcopy(board)
    started["scoreboard"]["games"][0]["gameStatus"] = 2  # as the feed says once WAS-NYK tips off
    box_route = respond(BOXSCORE_URL, content=raw(BOXSCORE))
    [payload] = source_boxscores(started)
    assert box_route.call_count == 1
    assert payload.meta == {"game_id": "0022200895"} and payload.kind == "live_boxscore"
    assert len(parse_payload(payload)) == 34


def source_boxscores(board: dict[str, Any]) -> list[Any]:
    respond(SCOREBOARD_URL, json=board)
    return make_source().fetch("live_boxscore", date(2023, 2, 24))


@respx.mock
def test_source_boxscore_not_yet_published_is_not_retried() -> None:
    route = respond(BOXSCORE_URL, 403, text="<Error>AccessDenied</Error>")
    with pytest.raises(SourceError, match="HTTP 403"):
        make_source().fetch_live_boxscore("0022200895", date(2023, 2, 24))
    assert route.call_count == 1
