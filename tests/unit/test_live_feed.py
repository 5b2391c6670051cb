"""Live exports: recorded cdn.nba.com payloads end to end, and the replay simulation of a real game."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import respx

from contracts.exports import validate_export
from features.live_simulation import LIVE_BOX_COLUMNS, LIVE_GAME_COLUMNS
from models import exports
from resources import warehouse
from resources.live_feed import (
    LiveFrames,
    cdn_live_box,
    cdn_live_games,
    fetch_cdn_live,
    live_game_date,
    resolve_as_of,
    simulate_replay_live,
)
from resources.settings import Settings, get_settings
from resources.sources.cdn_nba import (
    DEFAULT_BASE_URL,
    CdnNbaSource,
    parse_live_boxscore,
    parse_todays_scoreboard,
)
from resources.sources.http import HttpClient, HttpConfig
from tasks.live import _write_live_exports as write_live_exports
from tests.unit import phx_lac_2024_04_10 as game

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cdn_nba"
SCOREBOARD = FIXTURES / "todaysScoreboard_00_2023-02-24.json"
BOXSCORE = FIXTURES / "boxscore_0022000196.game_only.json"
SCOREBOARD_URL = f"{DEFAULT_BASE_URL}/scoreboard/todaysScoreboard_00.json"
FEED_DAY = date(2023, 2, 24)
REAL_TIPOFF = pd.Timestamp("2024-04-11T02:40:00Z")  # PHX @ LAC, from the bundled odds snapshots


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings over an empty state directory (replay data: the bundled files)."""
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
    monkeypatch.delenv("NBA_PROPS_CLOCK", raising=False)
    yield get_settings()
    warehouse.dispose_engines()


def _source() -> CdnNbaSource:
    client = HttpClient(
        "cdn_nba", HttpConfig(base_url=DEFAULT_BASE_URL, max_attempts=1), sleep=lambda _: None
    )
    return CdnNbaSource(client, now=lambda: datetime(2023, 2, 25, 1, 30, tzinfo=UTC))


def _box_game_status() -> int:
    return int(json.loads(BOXSCORE.read_bytes())["gameStatus"])


# ---------------------------------------------------------------- cdn.nba.com


def test_cdn_scoreboard_to_live_export_is_schema_valid() -> None:
    games = cdn_live_games(parse_todays_scoreboard(SCOREBOARD.read_bytes()))
    assert list(games.columns) == LIVE_GAME_COLUMNS and len(games) == 8
    doc = exports.build_live_export(games, "2023-02-24T22:00:00Z", simulated=False)
    validate_export("live", doc)
    assert doc["game_date"] == "2023-02-24" and doc["simulated"] is False
    wiz = next(g for g in doc["games"] if g["game_id"] == "0022200895")
    assert (wiz["home_team"], wiz["away_team"], wiz["game_status"]) == ("WAS", "NYK", 1)
    assert (wiz["home_score"], wiz["period"], wiz["game_clock"]) == (0, 0, "")
    assert wiz["tipoff_utc"] == "2023-02-25T00:00:00Z" and wiz["status_text"] == "7:00 pm ET"


def test_cdn_box_to_live_grading_final_results() -> None:
    box = cdn_live_box([parse_live_boxscore(BOXSCORE.read_bytes())])
    assert list(box.columns) == LIVE_BOX_COLUMNS
    played = box[box["played"]].sort_values("points", ascending=False)
    assert (played["pra"] == played["points"] + played["rebounds"] + played["assists"]).all()
    dnp = box[~box["played"]]
    assert len(played) and len(dnp) and dnp["points"].isna().all()
    top = played.iloc[0]
    games = pd.DataFrame({"game_id": [top["game_id"]], "game_status": [_box_game_status()]})
    calls = pd.DataFrame(
        {
            "game_date": pd.Timestamp("2021-01-17"),
            "game_id": top["game_id"],
            "player_id": [top["player_id"], top["player_id"], dnp.iloc[0]["player_id"]],
            "player_name": [top["player_name"], top["player_name"], dnp.iloc[0]["player_name"]],
            "team_abbr": [top["team_abbr"], top["team_abbr"], dnp.iloc[0]["team_abbr"]],
            "market": ["points", "pra", "points"],
            "system_id": "ensemble",
            "recommendation": ["OVER", "UNDER", "OVER"],
            "line": [top["points"] - 0.5, top["pra"] - 0.5, 5.5],
            "predicted_mean": [top["points"], top["pra"], 6.0],
        }
    )
    doc = exports.build_live_grading_export(
        calls, box, games, "2021-01-17T21:00:00Z", simulated=False, system_id="ensemble"
    )
    validate_export("live_grading", doc)
    by = {(p["player_id"], p["market"]): p for p in doc["picks"]}
    assert _box_game_status() == 3
    assert by[(top["player_id"], "points")]["result"] == "win"
    assert by[(top["player_id"], "pra")]["result"] == "loss"
    dnp_pick = by[(dnp.iloc[0]["player_id"], "points")]
    assert (dnp_pick["result"], dnp_pick["void_reason"]) == ("void", "did_not_play")
    assert doc["summary"] == {
        "pending": 0,
        "winning": 0,
        "losing": 0,
        "win": 1,
        "loss": 1,
        "push": 0,
        "void": 1,
    }


@respx.mock
def test_fetch_cdn_live_keeps_payloads_and_fetches_started_games_only(home: Settings) -> None:
    board = json.loads(SCOREBOARD.read_bytes())
    started = copy.deepcopy(board)
    started["scoreboard"]["games"][0]["gameStatus"] = 2  # WAS-NYK tipped off
    started["scoreboard"]["games"][0]["gameClock"] = "PT05M12.00S"
    started["scoreboard"]["games"][0]["period"] = 2
    respx.get(SCOREBOARD_URL).mock(return_value=httpx.Response(200, json=started))
    box_route = respx.get(f"{DEFAULT_BASE_URL}/boxscore/boxscore_0022200895.json").mock(
        return_value=httpx.Response(200, content=BOXSCORE.read_bytes())
    )
    other_routes = respx.get(url__regex=r".*/boxscore/boxscore_(?!0022200895).*").mock(
        return_value=httpx.Response(404)
    )
    as_of = pd.Timestamp("2023-02-25T01:30:00Z")
    live = fetch_cdn_live(home, FEED_DAY, as_of, _source())
    assert box_route.call_count == 1 and other_routes.call_count == 0
    assert live.simulated is False and len(live.games) == 8 and len(live.box) == 34
    wiz = live.games[live.games["game_id"] == "0022200895"].iloc[0]
    assert (wiz["game_status"], wiz["period"], wiz["game_clock"]) == (2, 2, "5:12")
    kept = sorted(p.parent.parent.name for p in (home.home_dir / "raw" / "cdn_nba").rglob("*.json"))
    assert kept == ["live_boxscore", "live_scoreboard"]
    result = write_live_exports(home, FEED_DAY, live)
    for kind, key in (("live", "live"), ("live_grading", "live_grading")):
        validate_export(kind, json.loads(Path(result[key]).read_text()))
    assert result["simulated"] is False and result["games"] == 8


@respx.mock
def test_fetch_cdn_live_feed_on_another_day_gives_no_games(home: Settings) -> None:
    respx.get(SCOREBOARD_URL).mock(
        return_value=httpx.Response(200, content=SCOREBOARD.read_bytes())
    )
    live = fetch_cdn_live(home, date(2023, 2, 25), pd.Timestamp("2023-02-26T01:00Z"), _source())
    assert live.games.empty and live.box.empty
    result = write_live_exports(home, date(2023, 2, 25), live)
    document = json.loads(Path(result["live"]).read_text())
    assert document["games"] == [] and document["game_date"] == "2023-02-25"


def test_live_game_date_rolls_over_after_the_late_games() -> None:
    assert live_game_date(pd.Timestamp("2024-04-10T23:00Z")) == date(2024, 4, 10)
    assert live_game_date(pd.Timestamp("2024-04-11T05:30Z")) == date(2024, 4, 10)  # 01:30 ET
    assert live_game_date(pd.Timestamp("2024-04-11T11:00Z")) == date(2024, 4, 11)  # 07:00 ET


def test_resolve_as_of_takes_at_else_the_pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NBA_PROPS_CLOCK", "2024-04-11T03:00:00Z")
    settings = get_settings()
    assert resolve_as_of(settings, None) == pd.Timestamp("2024-04-11T03:00:00Z")
    assert resolve_as_of(settings, "2024-04-10T22:15") == pd.Timestamp("2024-04-10T22:15Z")
    assert resolve_as_of(settings, "2024-04-10T18:15-04:00") == pd.Timestamp("2024-04-10T22:15Z")


# ---------------------------------------------------------------- replay simulation


def _replay_at(settings: Settings, minutes_after_tip: float) -> LiveFrames:
    return simulate_replay_live(
        settings, date(2024, 4, 10), REAL_TIPOFF + pd.Timedelta(minutes=minutes_after_tip)
    )


def _final_box(settings: Settings) -> pd.DataFrame:
    from resources.sources.replay import load_replay_data

    raw = load_replay_data(str(settings.data_dir)).player_boxscores
    return raw[raw["game_id"] == game.GAME_ID].set_index("player_id").sort_index()


def _grading(live: LiveFrames) -> dict[str, Any]:
    return exports.build_live_grading_export(
        game.predictions(), live.box, live.games, live.as_of, live.simulated, "ensemble"
    )


def test_replay_before_tip_is_scheduled_and_pending(home: Settings) -> None:
    live = _replay_at(home, -20)
    phx = live.games[live.games["game_id"] == game.GAME_ID].iloc[0]
    assert (phx["game_status"], phx["home_score"], phx["away_score"]) == (1, 0, 0)
    assert len(live.games) == 8 and live.simulated
    doc = _grading(live)
    validate_export("live_grading", doc)
    assert doc["simulated"] is True
    assert {p["status"] for p in doc["picks"]} == {"pending"}
    assert doc["summary"]["pending"] == len(doc["picks"]) == 10


def test_replay_mid_game_has_partial_stats(home: Settings) -> None:
    live = _replay_at(home, 70)
    final = _final_box(home)
    phx = live.games[live.games["game_id"] == game.GAME_ID].iloc[0]
    assert phx["game_status"] == 2 and phx["status_text"].startswith("Q3")
    assert 0 < phx["away_score"] < final.loc[final["team_abbr"] == "PHX", "pts"].sum()
    booker = live.box[live.box["player_id"] == "1626164"].iloc[0]
    assert booker["points"] == 19.0  # floor(37 * 70 / 135)
    doc = _grading(live)
    validate_export("live_grading", doc)
    statuses = {(p["player_id"], p["market"]): p["status"] for p in doc["picks"]}
    assert statuses[("1626164", "points")] == "losing"  # OVER 26.5 with 19 so far
    assert statuses[("203994", "points")] == "winning"  # UNDER 9.5 with 1 so far
    assert doc["summary"]["winning"] + doc["summary"]["losing"] > 0
    assert all(p["result"] is None for p in doc["picks"])


def test_replay_final_equals_the_final_box(home: Settings) -> None:
    live = _replay_at(home, 180)
    final = _final_box(home)
    box = live.box[live.box["game_id"] == game.GAME_ID].set_index("player_id").sort_index()
    assert list(box.index) == list(final.index)
    for ours, theirs in (
        ("points", "pts"),
        ("rebounds", "reb"),
        ("assists", "ast"),
        ("threes", "fg3m"),
    ):
        assert (box[ours].to_numpy() == final[theirs].to_numpy()).all(), ours
    phx = live.games[live.games["game_id"] == game.GAME_ID].iloc[0]
    assert (phx["game_status"], phx["away_score"], phx["home_score"]) == (3, 124, 108)
    doc = _grading(live)
    results = {(p["player_id"], p["market"]): p["result"] for p in doc["picks"]}
    assert results[("1626164", "points")] == "win"  # 37 over 26.5
    assert results[("1626164", "assists")] == "push"  # 4 on the whole line 4.0
    assert results[("202331", "points")] == "void"  # Paul George rested
    assert {p["status"] for p in doc["picks"]} == {"final"}


def test_write_live_exports_grades_the_warehouse_ensemble_picks(home: Settings) -> None:
    url = home.resolved_warehouse_url
    both = pd.concat([game.predictions(), game.predictions("baseline_ewma")], ignore_index=True)
    warehouse.replace_partition(url, "player_prop_predictions", both, "game_date", [game.GAME_DATE])
    result = write_live_exports(home, date(2024, 4, 10), _replay_at(home, 70))
    grading = json.loads(Path(result["live_grading"]).read_text())
    validate_export("live_grading", grading)
    assert {p["system_id"] for p in grading["picks"]} == {"ensemble"}
    assert len(grading["picks"]) == 10 and grading["simulated"] is True
    scores = json.loads(Path(result["live"]).read_text())
    validate_export("live", scores)
    assert len(scores["games"]) == 8
    assert Path(result["live"]) == home.home_dir / "exports" / "live" / "2024-04-10.json"
