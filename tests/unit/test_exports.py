"""Exports: schemas, empty arrays, atomic writes, locked best bets, live grading statuses."""

from __future__ import annotations

import copy
import json

import jsonschema
import pandas as pd
import pytest

from contracts.exports import SCHEMAS, validate_export
from features.live_simulation import simulate_live_box
from models.exports import (
    build_best_bets_export,
    build_live_export,
    build_live_grading_export,
    build_predictions_export,
    build_results_export,
    build_status_export,
)
from models.grading import daily_performance, grade_predictions
from tests.unit import phx_lac_2024_04_10 as game

NOW = pd.Timestamp("2024-04-10T18:00:00Z")
MORNING = pd.Timestamp("2024-04-11T12:00:00Z")
EMPTY_PREDS = game.predictions().iloc[0:0]


def _two_systems() -> pd.DataFrame:
    return pd.concat(
        [game.predictions("ensemble"), game.predictions("baseline_ewma")], ignore_index=True
    )


def _results() -> dict:
    preds = _two_systems()
    grades = grade_predictions(preds, game.box_scores(), game.schedule(), MORNING)
    perf = daily_performance(grades, preds, game.box_scores())
    return build_results_export(grades, perf, game.GAME_DATE, MORNING)


def test_every_schema_is_a_valid_json_schema() -> None:
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_predictions_export() -> None:
    doc = build_predictions_export(_two_systems(), game.GAME_DATE, NOW)
    assert (doc["schema_version"], doc["game_date"], doc["generated_at"]) == (
        "1.0",
        "2024-04-10",
        "2024-04-10T18:00:00Z",
    )
    assert len(doc["players"]) == 8
    booker = next(p for p in doc["players"] if p["player_id"] == "1626164")
    assert [m["market"] for m in booker["markets"]] == ["points", "rebounds", "assists"]
    assert {m["system_id"] for p in doc["players"] for m in p["markets"]} == {"ensemble"}
    mann = next(p for p in doc["players"] if p["player_id"] == "1629611")
    assert mann["markets"][0]["line"] is None and mann["markets"][0]["recommendation"] == "NO_LINE"
    json.dumps(doc, allow_nan=False)


def test_results_export() -> None:
    doc = _results()
    validate_export("results", doc)
    # ensemble: 7 wins (KD pts, KD pra, Booker pts, Beal, Nurkic x2 ...), see grading tests
    rec = doc["record"]
    assert rec["text"] == f"{rec['wins']}-{rec['losses']}-{rec['pushes']}-{rec['voids']}"
    assert (rec["pushes"], rec["voids"]) == (1, 2)
    assert len(doc["picks"]) == 10
    assert [s["system_id"] for s in doc["systems"]] == ["baseline_ewma", "ensemble"]
    ens = doc["systems"][1]
    assert ens["record"] == rec
    assert {m["market"] for m in ens["markets"]} == {
        "points",
        "rebounds",
        "assists",
        "threes",
        "pra",
    }
    void = next(p for p in doc["picks"] if p["player_id"] == "202331")
    assert (void["result"], void["void_reason"], void["actual"]) == ("void", "did_not_play", None)


def test_arrays_present_when_empty() -> None:
    empty_grades = grade_predictions(EMPTY_PREDS, game.box_scores(), game.schedule(), MORNING)
    perf = daily_performance(empty_grades, EMPTY_PREDS)
    games, box = simulate_live_box(game.box_scores().iloc[0:0], game.TIPOFF, NOW)
    docs = {
        "predictions": build_predictions_export(EMPTY_PREDS, game.GAME_DATE, NOW),
        "results": build_results_export(empty_grades, perf, game.GAME_DATE, NOW),
        "best_bets": build_best_bets_export(EMPTY_PREDS, game.GAME_DATE, NOW),
        "status": build_status_export(
            [], pd.DataFrame(columns=["table", "game_date", "expected", "actual"]), {}, NOW
        ),
        "live": build_live_export(games, NOW, simulated=True),
        "live_grading": build_live_grading_export(EMPTY_PREDS, box, games, NOW, simulated=True),
    }
    arrays = {
        "predictions": ["players"],
        "results": ["picks", "systems"],
        "best_bets": ["picks"],
        "status": ["phases", "coverage", "models"],
        "live": ["games"],
        "live_grading": ["picks"],
    }
    for kind, doc in docs.items():
        validate_export(kind, doc)
        for key in arrays[kind]:
            assert doc[key] == [], (kind, key)
    assert docs["results"]["record"]["text"] == "0-0-0-0"
    assert docs["live"]["game_date"] is None


def test_schema_rejects_a_broken_document() -> None:
    doc = build_predictions_export(game.predictions(), game.GAME_DATE, NOW)
    broken = copy.deepcopy(doc)
    del broken["players"][0]["markets"]
    with pytest.raises(jsonschema.ValidationError):
        validate_export("predictions", broken)
    with pytest.raises(jsonschema.ValidationError):
        validate_export("predictions", {**doc, "players": None})


def test_status_export() -> None:
    coverage = pd.DataFrame(
        {
            "table": ["player_game_summary", "player_daily_cache"],
            "game_date": [game.GAME_DATE, game.GAME_DATE],
            "expected": [172, 172],
            "actual": [172, 44],
        }
    )
    doc = build_status_export(
        [
            {"name": "phase_6_grade", "status": "Completed", "updated_at": MORNING},
            {"name": "phase_5", "status": "Failed", "message": "no lines"},
        ],
        coverage,
        {"points": {"model_name": "nba-props-points", "version": 3, "alias": "champion"}},
        MORNING,
    )
    ratios = {c["table"]: c["ratio"] for c in doc["coverage"]}
    assert ratios["player_daily_cache"] == round(44 / 172, 4)
    assert doc["models"][0]["version"] == "3"
    assert doc["phases"][1]["updated_at"] is None


def _preds_with_ev() -> pd.DataFrame:
    # Three PHX calls and two LAC calls with a positive EV; cap 2 per team.
    return game.predictions()


def test_best_bets_caps_and_order() -> None:
    doc = build_best_bets_export(
        _preds_with_ev(), game.GAME_DATE, NOW, max_per_team=2, max_per_day=3
    )
    picks = doc["picks"]
    assert len(picks) == 3
    evs = [p["expected_value"] for p in picks]
    assert evs == sorted(evs, reverse=True)
    assert max(pd.Series([p["team"] for p in picks]).value_counts()) <= 2
    assert [p["rank"] for p in picks] == [1, 2, 3]
    assert all(p["locked_at"] == "2024-04-10T18:00:00Z" for p in picks)
    over = next(p for p in picks if p["recommendation"] == "OVER")
    pred = (
        game.predictions()
        .set_index(["player_id", "market"])
        .loc[(over["player_id"], over["market"])]
    )
    assert over["price"] == pred["over_price"]


def test_locked_best_bets_are_kept_unchanged() -> None:
    first = build_best_bets_export(
        _preds_with_ev(), game.GAME_DATE, NOW, max_per_team=2, max_per_day=3
    )
    # Later run: lines and EVs moved; the first pick's EV collapsed, a new strong candidate appeared.
    later = _preds_with_ev()
    top = first["picks"][0]
    later.loc[
        (later["player_id"] == top["player_id"]) & (later["market"] == top["market"]),
        "expected_value",
    ] = 0.001
    later.loc[later["player_id"] == "203994", "expected_value"] = 5.0
    second = build_best_bets_export(
        later,
        game.GAME_DATE,
        NOW + pd.Timedelta(hours=1),
        previous=first,
        max_per_team=2,
        max_per_day=4,
    )
    assert second["picks"][:3] == first["picks"]
    assert len(second["picks"]) == 4
    new = second["picks"][3]
    assert new["rank"] == 4 and new["locked_at"] == "2024-04-10T19:00:00Z"
    assert (new["player_id"], new["market"]) not in {
        (p["player_id"], p["market"]) for p in first["picks"]
    }
    # No free slot: nothing added, nothing removed.
    third = build_best_bets_export(
        later, game.GAME_DATE, NOW, previous=second, max_per_team=2, max_per_day=2
    )
    assert third["picks"] == second["picks"]
    with pytest.raises(ValueError):
        build_best_bets_export(later, "2024-04-11", NOW, previous=first)


def _live(minutes: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_live_box(
        game.box_scores(), game.TIPOFF, game.TIPOFF + pd.Timedelta(minutes=minutes)
    )


def _pick(doc: dict, player_id: str, market: str) -> dict:
    return next(p for p in doc["picks"] if p["player_id"] == player_id and p["market"] == market)


def test_live_export() -> None:
    games, _ = _live(60)
    doc = build_live_export(games, NOW, simulated=True)
    assert doc["simulated"] is True and doc["game_date"] == "2024-04-10"
    g = doc["games"][0]
    assert g["game_status"] == 2 and g["tipoff_utc"] == "2024-04-11T02:30:00Z"


def test_live_grading_statuses() -> None:
    preds = game.predictions()
    games, box = _live(-5)
    before = build_live_grading_export(preds, box, games, NOW, simulated=True)
    assert {p["status"] for p in before["picks"]} == {"pending"}
    assert before["summary"]["pending"] == 10

    games, box = _live(135 * 0.5)  # half time: Booker 18 pts vs OVER 26.5, Nurkic 1 pt vs UNDER 9.5
    half = build_live_grading_export(preds, box, games, NOW, simulated=True)
    assert _pick(half, "1626164", "points")["status"] == "losing"
    assert _pick(half, "203994", "points")["status"] == "winning"
    assert _pick(half, "203994", "points")["current"] == 1.0
    assert _pick(half, "202331", "points")["status"] == "pending"  # no row: rested

    games, box = _live(200)
    final = build_live_grading_export(preds, box, games, NOW, simulated=True)
    assert {p["status"] for p in final["picks"]} == {"final"}
    assert _pick(final, "1626164", "points")["result"] == "win"
    assert _pick(final, "1626164", "assists")["result"] == "push"
    george = _pick(final, "202331", "points")
    assert (george["result"], george["void_reason"]) == ("void", "did_not_play")
    s = final["summary"]
    assert s["win"] + s["loss"] + s["push"] + s["void"] == 10 and s["pending"] == 0
    # Live final results agree with the official grading.
    grades = grade_predictions(preds, game.box_scores(), game.schedule(), MORNING)
    official = grades.set_index(["player_id", "market"])["result"].to_dict()
    assert {(p["player_id"], p["market"]): p["result"] for p in final["picks"]} == official
