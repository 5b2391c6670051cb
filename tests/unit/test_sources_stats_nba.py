"""stats.nba.com parsers on recorded real payloads, and the client over mocked HTTP."""

from __future__ import annotations

import copy
import math
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import respx

from contracts.raw import RawPlayerBoxscores, RawSchedule, RawTeamBoxscores
from resources.sources.base import GameDaySource, RawPayload, SourceError
from resources.sources.stats_nba import (
    DEFAULT_BASE_URL,
    StatsNbaSource,
    parse_boxscoretraditionalv2,
    parse_boxscoretraditionalv3,
    parse_commonteamroster,
    parse_leaguegamelog_players,
    parse_leaguegamelog_teams,
    parse_payload,
    parse_scoreboardv2,
    parse_scoreboardv3,
)
from tests.unit import recorded
from tests.unit.recorded import assert_source_error, fixture_readers, one, quiet_client, respond

raw, loaded = fixture_readers("stats_nba")


# --------------------------------------------------------------------------- leaguegamelog


def test_leaguegamelog_players_real_date() -> None:
    df = parse_leaguegamelog_players(raw("leaguegamelog_P_2024-25_date_2025-03-15.json"))
    assert len(df) == 157
    assert list(df.columns) == list(RawPlayerBoxscores.to_schema().columns)
    curry = one(df, player_id="201939", game_id="0022400974")
    assert curry["player_name"] == "Stephen Curry"
    assert (curry["pts"], curry["reb"], curry["ast"], curry["fg3m"], curry["minutes"]) == (
        28,
        7,
        5,
        4,
        35,
    )
    assert (
        curry["team_abbr"] == "GSW" and curry["opponent_abbr"] == "NYK" and bool(curry["is_home"])
    )
    assert curry["season"] == "2024-25" and curry["season_type"] == "Regular Season"
    assert curry["game_date"] == pd.Timestamp("2025-03-15")
    assert df["starter"].isna().all()
    mcconnell = one(df, player_name="T.J. McConnell")
    assert not bool(mcconnell["is_home"]) and mcconnell["opponent_abbr"] == "MIL"
    assert (df["source"] == "stats_nba").all()
    RawPlayerBoxscores.validate(df, lazy=True)


def test_leaguegamelog_row_with_missing_fields_is_kept() -> None:
    data = loaded("leaguegamelog_P_2024-25_date_2025-03-15.json")
    headers = data["resultSets"][0]["headers"]
    broken = copy.deepcopy(data)
    first = broken["resultSets"][0]["rowSet"][0]
    first[headers.index("PTS")] = None
    first[headers.index("MATCHUP")] = None
    first[headers.index("MIN")] = ""
    df = parse_leaguegamelog_players(broken)
    assert len(df) == 157
    row = one(df, player_id="201939")
    assert math.isnan(row["pts"]) and math.isnan(row["minutes"])
    assert pd.isna(row["is_home"]) and pd.isna(row["opponent_abbr"])
    assert row["reb"] == 7


def test_leaguegamelog_teams_full_season() -> None:
    df = parse_leaguegamelog_teams(raw("leaguegamelog_T_2025-26_regular_season.json"))
    assert len(df) == 1688
    assert df["game_id"].nunique() == 844
    assert list(df.columns) == list(RawTeamBoxscores.to_schema().columns)
    gsw = one(df, game_id="0022500002", team_abbr="GSW")
    lal = one(df, game_id="0022500002", team_abbr="LAL")
    assert (gsw["pts"], lal["pts"]) == (119, 109)
    assert not bool(gsw["is_home"]) and bool(lal["is_home"]) and gsw["opponent_abbr"] == "LAL"
    assert gsw["minutes"] == 240 and gsw["season"] == "2025-26"
    assert df["game_date"].min() == pd.Timestamp("2025-10-21")
    assert df["game_date"].max() == pd.Timestamp("2026-02-21")
    RawTeamBoxscores.validate(df, lazy=True)


# --------------------------------------------------------------------------- scoreboards


def test_scoreboardv2_pregame_has_tipoffs_and_one_row_per_game() -> None:
    df = parse_scoreboardv2(raw("scoreboardv2_2026-02-22.json"))
    # 13 GameHeader rows: BOS @ LAL is listed once per national broadcaster (3 times).
    assert len(loaded("scoreboardv2_2026-02-22.json")["resultSets"][0]["rowSet"]) == 13
    assert len(df) == 11 and df["game_id"].is_unique
    cle_okc = one(df, game_id="0022500817")
    assert (cle_okc["home_team"], cle_okc["away_team"]) == ("OKC", "CLE")
    assert cle_okc["tipoff_utc"] == pd.Timestamp("2026-02-22T18:00:00Z")  # 1:00 pm ET
    assert one(df, game_id="0022500827")["tipoff_utc"] == pd.Timestamp("2026-02-23T02:00:00Z")
    assert (df["season"] == "2025-26").all()
    RawSchedule.validate(df, lazy=True)


def test_scoreboardv2_final_games_have_no_tipoff_text() -> None:
    df = parse_scoreboardv2(raw("scoreboardv2_2024-01-15.json"))
    assert len(df) == 11
    assert df["tipoff_utc"].isna().all()
    game = one(df, game_id="0022300555")
    assert (game["home_team"], game["away_team"], game["season"]) == ("PHI", "HOU", "2023-24")
    assert (df["game_date"] == pd.Timestamp("2024-01-15")).all()
    RawSchedule.validate(df, lazy=True)


def test_scoreboardv3() -> None:
    df = parse_scoreboardv3(raw("scoreboardv3_2025-11-05.json"))
    assert len(df) == 11
    game = one(df, game_id="0022500171")
    assert (game["home_team"], game["away_team"]) == ("CLE", "PHI")
    assert game["game_date"] == pd.Timestamp("2025-11-05")
    assert game["tipoff_utc"] == pd.Timestamp("2025-11-06T00:00:00Z")
    late = one(df, game_id="0022500181")
    assert late["tipoff_utc"] == pd.Timestamp("2025-11-06T03:00:00Z")
    assert late["game_date"] == pd.Timestamp("2025-11-05")
    RawSchedule.validate(df, lazy=True)


# --------------------------------------------------------------------------- box scores


def test_boxscoretraditionalv2_starters_minutes_and_dnps() -> None:
    box = parse_boxscoretraditionalv2(
        raw("boxscoretraditionalv2_0022200552.json"), game_date="2023-01-02", home_team="CLE"
    )
    assert len(box.players) == 19 and len(box.did_not_play) == 4
    mitchell = one(box.players, player_id="1628378")
    assert mitchell["pts"] == 71 and mitchell["minutes"] == pytest.approx(49.8)
    assert (
        bool(mitchell["starter"])
        and bool(mitchell["is_home"])
        and mitchell["opponent_abbr"] == "CHI"
    )
    assert mitchell["tov"] == 4 and mitchell["season"] == "2022-23"
    assert int(box.players["starter"].sum()) == 10
    derozan = one(box.players, player_name="DeMar DeRozan")
    assert derozan["minutes"] == pytest.approx(45 + 55 / 60, abs=1e-3) and not bool(
        derozan["is_home"]
    )
    mobley = one(box.did_not_play, player_name="Evan Mobley")
    assert mobley["comment"] == "DNP - Injury/Illness"
    assert "Evan Mobley" not in set(box.players["player_name"])
    assert not (box.players["minutes"] == 0).any()
    RawPlayerBoxscores.validate(box.players, lazy=True)


def test_boxscoretraditionalv2_without_context_leaves_gaps() -> None:
    box = parse_boxscoretraditionalv2(raw("boxscoretraditionalv2_0022400561.json"))
    assert len(box.players) == 17 and len(box.did_not_play) == 8
    hart = one(box.players, player_name="Josh Hart")
    assert (hart["pts"], hart["reb"], hart["ast"]) == (10, 17, 12)
    assert hart["opponent_abbr"] == "PHI"
    assert box.players["is_home"].isna().all() and box.players["game_date"].isna().all()
    assert one(box.did_not_play, player_name="Andre Drummond")["comment"] == "DND - Injury/Illness"


def test_boxscoretraditionalv3_matches_v2() -> None:
    v3 = parse_boxscoretraditionalv3(
        raw("boxscoretraditionalv3_0022200552.json"), game_date="2023-01-02"
    )
    v2 = parse_boxscoretraditionalv2(
        raw("boxscoretraditionalv2_0022200552.json"), game_date="2023-01-02", home_team="CLE"
    )
    key = ["player_id"]
    left = v3.players.sort_values(key).reset_index(drop=True)
    right = v2.players.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
    assert sorted(v3.did_not_play["player_id"]) == sorted(v2.did_not_play["player_id"])
    assert set(v3.did_not_play["comment"]) == {"DNP - Coach's Decision", "DNP - Injury/Illness"}


def test_commonteamroster() -> None:
    df = parse_commonteamroster(raw("commonteamroster_1610612739_2025-26.json"))
    assert len(df) == 19
    assert list(df.columns) == ["player_id", "player_name", "team_abbr"]
    assert one(df, player_id="1628378")["player_name"] == "Donovan Mitchell"
    assert (df["team_abbr"] == "CLE").all()


# --------------------------------------------------------------------------- bad payloads


@recorded.unusable_payloads(
    (b'{"resource": "leaguegamelog", "parameters": {}}', "no resultSets"),
    (
        b'{"resultSets": [{"name": "Other", "headers": [], "rowSet": []}]}',
        "'LeagueGameLog' missing",
    ),
    (b"[1, 2]", "expected a JSON object"),
)
def test_unusable_payload_raises_source_error(body: bytes, message: str) -> None:
    url = "https://stats.nba.com/stats/leaguegamelog?PlayerOrTeam=P"
    assert_source_error(parse_leaguegamelog_players, body, message, "stats_nba", url)


def test_rows_not_matching_headers_raise() -> None:
    body = {"resultSets": [{"name": "GameHeader", "headers": ["GAME_ID", "X"], "rowSet": [["1"]]}]}
    with pytest.raises(SourceError, match="do not match headers"):
        parse_scoreboardv2(body)


def test_boxscore_v3_without_teams_raises() -> None:
    with pytest.raises(SourceError, match="boxScoreTraditional"):
        parse_boxscoretraditionalv3(b'{"meta": {"version": 1}}')


# --------------------------------------------------------------------------- client


def make_source() -> StatsNbaSource:
    client = quiet_client("stats_nba", DEFAULT_BASE_URL, max_attempts=2, min_interval_s=0.0)
    return StatsNbaSource(client, now=lambda: datetime(2026, 2, 22, 12, 0, tzinfo=UTC))


@respx.mock
def test_source_schedule_keeps_body_verbatim() -> None:
    body = raw("scoreboardv2_2026-02-22.json")
    route = respond(f"{DEFAULT_BASE_URL}/scoreboardv2", content=body)
    [payload] = make_source().fetch("schedule", date(2026, 2, 22))
    assert route.calls.last.request.url.params["GameDate"] == "2026-02-22"
    assert payload.content == body and payload.kind == "schedule" and payload.source == "stats_nba"
    assert payload.game_date == date(2026, 2, 22) and payload.url is not None
    assert payload.url.startswith(f"{DEFAULT_BASE_URL}/scoreboardv2?")
    assert len(parse_scoreboardv2(payload.content, url=payload.url)) == 11


@respx.mock
def test_source_player_boxscores_asks_one_date() -> None:
    body = raw("leaguegamelog_P_2024-25_date_2025-03-15.json")
    route = respond(f"{DEFAULT_BASE_URL}/leaguegamelog", content=body)
    payloads = make_source().fetch("player_boxscores", date(2025, 3, 15))
    assert len(payloads) == 1 and route.call_count == 1
    params = route.calls.last.request.url.params
    assert (params["PlayerOrTeam"], params["DateFrom"], params["DateTo"]) == (
        "P",
        "2025-03-15",
        "2025-03-15",
    )
    assert (params["Season"], params["SeasonType"]) == ("2024-25", "Regular Season")
    assert payloads[0].meta["season_type"] == "Regular Season"


@respx.mock
def test_source_team_boxscores_in_april_covers_playin_and_playoffs() -> None:
    body = raw("leaguegamelog_T_2025-26_regular_season.json")
    route = respond(f"{DEFAULT_BASE_URL}/leaguegamelog", content=body)
    payloads = make_source().fetch("team_boxscores", date(2026, 4, 15))
    assert [p.meta["season_type"] for p in payloads] == ["Regular Season", "PlayIn", "Playoffs"]
    assert {c.request.url.params["PlayerOrTeam"] for c in route.calls} == {"T"}


def test_source_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="prop_lines"):
        make_source().fetch("prop_lines", date(2025, 3, 15))


@respx.mock
def test_source_scoreboardv3_and_parse_payload_dispatch() -> None:
    body = raw("scoreboardv3_2025-11-05.json")
    respond(f"{DEFAULT_BASE_URL}/scoreboardv3", content=body)
    client = quiet_client("stats_nba", DEFAULT_BASE_URL)
    source: GameDaySource = StatsNbaSource(client, schedule_endpoint="scoreboardv3")
    [payload] = source.fetch("schedule", date(2025, 11, 5))
    assert payload.meta["endpoint"] == "scoreboardv3"
    assert len(parse_payload(payload)) == 11


def test_parse_payload_routes_by_endpoint_and_kind() -> None:
    def payload(name: str, kind: str, endpoint: str) -> RawPayload:
        return RawPayload(
            source="stats_nba",
            kind=kind,
            game_date=date(2023, 1, 2),
            content=raw(name),
            fetched_at=datetime(2023, 1, 3, tzinfo=UTC),
            meta={"endpoint": endpoint},
        )

    players = parse_payload(
        payload("leaguegamelog_P_2024-25_date_2025-03-15.json", "player_boxscores", "leaguegamelog")
    )
    teams = parse_payload(
        payload("leaguegamelog_T_2025-26_regular_season.json", "team_boxscores", "leaguegamelog")
    )
    box = parse_payload(
        payload(
            "boxscoretraditionalv3_0022200552.json", "player_boxscores", "boxscoretraditionalv3"
        )
    )
    assert (len(players), len(teams), len(box)) == (157, 1688, 19)
    assert (box["game_date"] == pd.Timestamp("2023-01-02")).all()
    with pytest.raises(SourceError, match="no parser"):
        parse_payload(payload("scoreboardv2_2024-01-15.json", "schedule", "boxscoresummaryv2"))


def test_day_without_games_gives_empty_frames_with_contract_columns() -> None:
    data = loaded("leaguegamelog_P_2024-25_date_2025-03-15.json")
    data["resultSets"][0]["rowSet"] = []
    df = parse_leaguegamelog_players(data)
    assert df.empty and list(df.columns) == list(RawPlayerBoxscores.to_schema().columns)
    RawPlayerBoxscores.validate(df)
