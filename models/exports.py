"""Public JSON exports: pure builders returning dicts, validated against contracts/exports.py.

The writer (local folder or gs://) is resources/export_store.py. Schemas: docs/exports.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from contracts.columns import MARKETS
from contracts.exports import SCHEMA_VERSION, validate_export
from models.grading import MARKET_STAT, beat_the_line

_MARKET_ORDER = {m: i for i, m in enumerate(MARKETS)}
FLOAT_DECIMALS = 4  # numbers in exports are rounded to 4 decimals (floating noise is not data)


# ---------------------------------------------------------------- value helpers


def json_value(value: Any) -> Any:
    """A JSON-native value: NaN/NA -> None, numpy scalars -> Python, floats rounded, times -> ISO strings."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return iso_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), FLOAT_DECIMALS)
    return value


def iso_time(value: Any) -> str:
    """A UTC ISO-8601 string ending in Z (naive times are taken as UTC)."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%S") + (f".{ts.microsecond:06d}Z" if ts.microsecond else "Z")


def iso_date(value: Any) -> str:
    """A YYYY-MM-DD string."""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _records(frame: pd.DataFrame, fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """Rows of `frame` as dicts {output key: json value of column}."""
    sub = frame[list(fields.values())].set_axis(list(fields), axis=1)
    return [{str(k): json_value(v) for k, v in row.items()} for row in sub.to_dict("records")]


def _on_date(frame: pd.DataFrame, game_date: Any) -> pd.DataFrame:
    """Rows of `frame` whose game_date is `game_date`."""
    return frame[
        pd.to_datetime(frame["game_date"]).dt.normalize() == pd.Timestamp(game_date).normalize()
    ]


def _document(kind: str, generated_at: Any, **fields: Any) -> dict[str, Any]:
    """An export document: the fields every document starts with, then `fields`, validated."""
    doc = {"schema_version": SCHEMA_VERSION, "generated_at": iso_time(generated_at), **fields}
    validate_export(kind, doc)
    return doc


def _in_market_order(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`frame` sorted (stably) by `keys`, where "_m" is the market's place in MARKETS."""
    ordered = frame.assign(_m=frame["market"].map(_MARKET_ORDER))
    return ordered.sort_values(keys, kind="mergesort")


def _int(value: Any) -> int:
    """An int from a count that may be NaN (-> 0)."""
    return 0 if pd.isna(value) else int(value)


# ---------------------------------------------------------------- predictions


def build_predictions_export(
    predictions: pd.DataFrame, game_date: Any, generated_at: Any, system_id: str = "ensemble"
) -> dict[str, Any]:
    """predictions/{date}.json: one entry per player with every market of one system."""
    df = _on_date(predictions, game_date)
    df = df[df["system_id"] == system_id].assign(player_id=lambda d: d["player_id"].astype(str))
    df = _in_market_order(df, ["game_id", "team_abbr", "player_name", "player_id", "_m"])
    markets = {
        "market": "market",
        "line": "line",
        "line_source": "line_source",
        "prediction": "predicted_mean",
        "p_over": "p_over",
        "recommendation": "recommendation",
        "edge": "edge",
        "expected_value": "expected_value",
        "over_price": "over_price",
        "under_price": "under_price",
        "system_id": "system_id",
        "model_version": "model_version",
    }
    players = []
    for (game_id, player_id), rows in df.groupby(["game_id", "player_id"], sort=False):
        first = rows.iloc[0]
        players.append(
            {
                "game_id": str(game_id),
                "team": str(first["team_abbr"]),
                "opponent": str(first["opponent_abbr"]),
                "player_id": str(player_id),
                "player_name": str(first["player_name"]),
                "markets": _records(
                    rows.assign(model_version=rows["model_version"].astype(str)), markets
                ),
            }
        )
    return _document(
        "predictions",
        generated_at,
        game_date=iso_date(game_date),
        system_id=system_id,
        players=players,
    )


# ---------------------------------------------------------------- results


def _record(wins: int, losses: int, pushes: int, voids: int) -> dict[str, Any]:
    """A W-L-P-V record."""
    return {
        "wins": wins,
        "losses": losses,
        "pushes": pushes,
        "voids": voids,
        "text": f"{wins}-{losses}-{pushes}-{voids}",
    }


def _figures(perf: pd.DataFrame) -> dict[str, Any]:
    """Summed counts and the derived hit rate, ROI and MAE of some daily_performance rows."""
    s = perf[
        [
            "n_predictions",
            "n_with_line",
            "n_bets",
            "wins",
            "losses",
            "pushes",
            "voids",
            "n_priced",
            "n_actual",
        ]
    ].sum()
    profit = float(perf["profit"].sum())
    decided = _int(s["wins"]) + _int(s["losses"])
    abs_error_sum = float((perf["mae"].fillna(0) * perf["n_actual"]).sum())
    figures = {
        "n_predictions": _int(s["n_predictions"]),
        "n_with_line": _int(s["n_with_line"]),
        "n_bets": _int(s["n_bets"]),
        "n_priced": _int(s["n_priced"]),
        "hit_rate": _int(s["wins"]) / decided if decided else None,
        "profit": profit,
        "roi": profit / _int(s["n_priced"]) if _int(s["n_priced"]) else None,
        "n_actual": _int(s["n_actual"]),
        "mae": abs_error_sum / _int(s["n_actual"]) if _int(s["n_actual"]) else None,
        "record": _record(_int(s["wins"]), _int(s["losses"]), _int(s["pushes"]), _int(s["voids"])),
    }
    return {k: json_value(v) for k, v in figures.items()}


_PICK_FIELDS = {
    "game_id": "game_id",
    "player_id": "player_id",
    "player_name": "player_name",
    "market": "market",
    "system_id": "system_id",
    "recommendation": "recommendation",
    "line": "line",
    "price": "price",
    "prediction": "predicted_mean",
    "actual": "actual",
    "result": "result",
    "void_reason": "void_reason",
    "profit": "profit",
}


def _system_summaries(performance: pd.DataFrame, game_date: Any) -> list[dict[str, Any]]:
    """Per system of the date: its figures over all markets, then per market."""
    perf = _in_market_order(_on_date(performance, game_date), ["system_id", "_m"])
    systems = []
    for sid, rows in perf.groupby("system_id", sort=True):
        by_market = [
            {"market": str(m), **_figures(r)} for m, r in rows.groupby("market", sort=False)
        ]
        systems.append({"system_id": str(sid), **_figures(rows), "markets": by_market})
    return systems


def build_results_export(
    grades: pd.DataFrame,
    performance: pd.DataFrame,
    game_date: Any,
    generated_at: Any,
    system_id: str = "ensemble",
) -> dict[str, Any]:
    """results/{date}.json: graded picks and record of one system, plus every system's summary.

    `performance` is models.grading.daily_performance output.
    """
    g = _on_date(grades, game_date)
    g = _in_market_order(
        g[g["system_id"] == system_id], ["game_id", "player_name", "player_id", "_m"]
    )
    counts = g["result"].value_counts()
    return _document(
        "results",
        generated_at,
        game_date=iso_date(game_date),
        system_id=system_id,
        record=_record(*(_int(counts.get(r, 0)) for r in ("win", "loss", "push", "void"))),
        picks=_records(g, _PICK_FIELDS),
        systems=_system_summaries(performance, game_date),
    )


# ---------------------------------------------------------------- best bets


_BEST_BET_FIELDS = {
    "game_id": "game_id",
    "player_id": "player_id",
    "player_name": "player_name",
    "team": "team_abbr",
    "opponent": "opponent_abbr",
    "market": "market",
    "recommendation": "recommendation",
    "line": "line",
    "line_source": "line_source",
    "price": "price",
    "prediction": "predicted_mean",
    "p_over": "p_over",
    "edge": "edge",
    "expected_value": "expected_value",
    "system_id": "system_id",
}


def _best_bet_candidates(
    predictions: pd.DataFrame,
    game_date: Any,
    system_id: str,
    min_expected_value: float,
    taken: set[tuple[Any, Any]],
) -> list[dict[str, Any]]:
    """The system's OVER/UNDER calls with a line above `min_expected_value`, best first.

    Calls whose (player_id, market) is in `taken` are left out; `price` is the side's price.
    """
    df = _on_date(predictions, game_date)
    df = df[
        (df["system_id"] == system_id)
        & df["recommendation"].isin(["OVER", "UNDER"])
        & df["line"].notna()
        & (df["expected_value"] > min_expected_value)
    ].assign(player_id=lambda d: d["player_id"].astype(str))
    keys = pd.Series(list(zip(df["player_id"], df["market"], strict=True)), index=df.index)
    df = df[~keys.isin(taken)]
    df = df.assign(price=df["over_price"].where(df["recommendation"] == "OVER", df["under_price"]))
    df = df.sort_values(
        ["expected_value", "player_id", "market"], ascending=[False, True, True], kind="mergesort"
    )
    return _records(df, _BEST_BET_FIELDS)


def _capped_picks(
    locked: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
    max_per_team: int,
    max_per_day: int,
    locked_at: str,
) -> list[dict[str, Any]]:
    """`locked`, then candidates in order while the day and each team stay within their caps."""
    per_team = Counter(p["team"] for p in locked)
    picks = list(locked)
    for pick in candidates:  # caps are sequential: each pick changes what the next may take
        if len(picks) >= max_per_day:
            break
        if per_team[pick["team"]] >= max_per_team:
            continue
        per_team[pick["team"]] += 1
        picks.append({"rank": len(picks) + 1, "locked_at": locked_at, **pick})
    return picks


def build_best_bets_export(
    predictions: pd.DataFrame,
    game_date: Any,
    generated_at: Any,
    previous: Mapping[str, Any] | None = None,
    max_per_team: int = 2,
    max_per_day: int = 10,
    system_id: str = "ensemble",
    min_expected_value: float = 0.0,
) -> dict[str, Any]:
    """best-bets/{date}.json: top OVER/UNDER calls by expected value, capped per team and per day.

    Picks of `previous` (the document already published for the date) are locked: kept unchanged,
    in their order, and counted against the caps; new picks only fill the remaining slots.
    """
    locked: list[dict[str, Any]] = [dict(p) for p in previous["picks"]] if previous else []
    if previous and previous["game_date"] != iso_date(game_date):
        raise ValueError(
            f"previous best bets are for {previous['game_date']}, not {iso_date(game_date)}"
        )
    taken = {(p["player_id"], p["market"]) for p in locked}
    candidates = _best_bet_candidates(predictions, game_date, system_id, min_expected_value, taken)
    picks = _capped_picks(locked, candidates, max_per_team, max_per_day, iso_time(generated_at))
    return _document(
        "best_bets",
        generated_at,
        game_date=iso_date(game_date),
        system_id=system_id,
        max_per_team=max_per_team,
        max_per_day=max_per_day,
        picks=picks,
    )


# ---------------------------------------------------------------- status


def build_status_export(
    phases: Sequence[Mapping[str, Any]],
    coverage: pd.DataFrame,
    model_versions: Mapping[str, Mapping[str, Any]],
    generated_at: Any,
) -> dict[str, Any]:
    """status.json: phase states, coverage per table and date, and the model version per market.

    phases: [{name, status, updated_at?, message?}]; coverage: columns table, game_date, expected,
    actual (ratio computed when absent); model_versions: {market: {model_name, version, alias?}}.
    """
    phase_rows = [
        {
            "name": str(p["name"]),
            "status": str(p["status"]),
            "updated_at": iso_time(p["updated_at"]) if p.get("updated_at") is not None else None,
            "message": json_value(p.get("message")),
        }
        for p in phases
    ]
    cov = coverage.copy()
    if "ratio" not in cov:
        cov["ratio"] = coverage_ratio(cov["expected"], cov["actual"])
    cov = cov.sort_values(["table", "game_date"], kind="mergesort")
    cov_rows = [
        {
            "table": str(r["table"]),
            "game_date": iso_date(r["game_date"]) if pd.notna(r["game_date"]) else None,
            "expected": _int(r["expected"]),
            "actual": _int(r["actual"]),
            "ratio": json_value(r["ratio"]),
        }
        for r in cov.to_dict("records")
    ]
    models = [
        {
            "market": str(market),
            "model_name": str(info["model_name"]),
            "version": str(info["version"]),
            "alias": json_value(info.get("alias")),
        }
        for market, info in sorted(model_versions.items())
    ]
    return _document("status", generated_at, phases=phase_rows, coverage=cov_rows, models=models)


def coverage_ratio(expected: pd.Series, actual: pd.Series) -> pd.Series:
    """actual / expected; 1.0 where nothing was expected and nothing came."""
    ratio = actual.astype(float) / expected.astype(float).where(expected > 0)
    nothing_due = pd.Series(np.where(actual > 0, np.nan, 1.0), index=ratio.index)
    return ratio.where(expected > 0, nothing_due)


# ---------------------------------------------------------------- live


def _single_date(frame: pd.DataFrame, game_date: Any) -> str | None:
    """The document's date: the one given, else the one date of the frame (None when empty)."""
    if game_date is not None:
        return iso_date(game_date)
    dates: list[pd.Timestamp] = (
        list(pd.to_datetime(frame["game_date"]).dt.normalize().unique())
        if "game_date" in frame
        else []
    )
    if len(dates) > 1:
        raise ValueError(f"live frame spans {len(dates)} dates; pass game_date")
    return iso_date(dates[0]) if len(dates) else None


def _live_document(
    kind: str,
    generated_at: Any,
    frame: pd.DataFrame,
    game_date: Any,
    simulated: bool,
    **fields: Any,
) -> dict[str, Any]:
    """A live document: its date (given, else the frame's one date), whether simulated, `fields`."""
    day = _single_date(frame, game_date)
    return _document(kind, generated_at, game_date=day, simulated=bool(simulated), **fields)


def build_live_export(
    live_games: pd.DataFrame, generated_at: Any, simulated: bool, game_date: Any = None
) -> dict[str, Any]:
    """live/{date}.json: score, period, clock and status of every game of the date."""
    games = _records(
        live_games.sort_values(["tipoff_utc", "game_id"], kind="mergesort"),
        {
            "game_id": "game_id",
            "home_team": "home_team",
            "away_team": "away_team",
            "home_score": "home_score",
            "away_score": "away_score",
            "period": "period",
            "game_clock": "game_clock",
            "game_status": "game_status",
            "status_text": "status_text",
            "tipoff_utc": "tipoff_utc",
        },
    )
    return _live_document("live", generated_at, live_games, game_date, simulated, games=games)


def live_pick_status(
    predictions: pd.DataFrame, live_box: pd.DataFrame, live_games: pd.DataFrame
) -> pd.DataFrame:
    """Per OVER/UNDER call with a line: current stat, status pending/winning/losing/final, final result."""
    calls = predictions[
        predictions["recommendation"].isin(["OVER", "UNDER"]) & predictions["line"].notna()
    ].assign(
        player_id=lambda d: d["player_id"].astype(str), game_id=lambda d: d["game_id"].astype(str)
    )
    games = live_games.assign(game_id=live_games["game_id"].astype(str))[["game_id", "game_status"]]
    box = live_box.assign(player_id=live_box["player_id"].astype(str))
    long = box.melt(
        id_vars=["player_id", "played"],
        value_vars=list(MARKET_STAT.values()),
        var_name="stat",
        value_name="current",
    )
    long["market"] = long["stat"].map({s: m for m, s in MARKET_STAT.items()})
    long = long.drop(columns="stat").drop_duplicates(["player_id", "market"])
    df = calls.merge(games, on="game_id", how="left").merge(
        long, on=["player_id", "market"], how="left"
    )

    over = df["recommendation"] == "OVER"
    ahead, behind = beat_the_line(over, df["current"] - df["line"])
    in_progress = df["game_status"] == 2
    final = df["game_status"] == 3
    df["status"] = np.select(
        [final, in_progress & df["current"].notna()],
        ["final", np.where(ahead, "winning", "losing")],
        default="pending",
    )
    played = df["played"].astype("boolean").fillna(False).astype(bool)
    void_reason = np.select(
        [final & ~played, final & df["current"].isna()],
        ["did_not_play", "stat_unavailable"],
        default="",
    )
    result = np.select([void_reason != "", ahead, behind], ["void", "win", "loss"], default="push")
    df["void_reason"] = pd.Series(void_reason, index=df.index).replace("", None)
    df["result"] = pd.Series(result, index=df.index, dtype="object").mask(~final)
    df["current"] = df["current"].where(~(final & ~played))
    return df


def build_live_grading_export(
    predictions: pd.DataFrame,
    live_box: pd.DataFrame,
    live_games: pd.DataFrame,
    generated_at: Any,
    simulated: bool,
    system_id: str | None = None,
    game_date: Any = None,
) -> dict[str, Any]:
    """live-grading/{date}.json: every OVER/UNDER call of the date with its live status.

    Pass `predictions` of the date; `system_id` keeps one system (None: all systems given).
    """
    preds = predictions if system_id is None else predictions[predictions["system_id"] == system_id]
    df = live_pick_status(preds, live_box, live_games)
    df = _in_market_order(df, ["game_id", "player_name", "player_id", "_m", "system_id"])
    picks = _records(
        df,
        {
            "game_id": "game_id",
            "player_id": "player_id",
            "player_name": "player_name",
            "team": "team_abbr",
            "market": "market",
            "system_id": "system_id",
            "recommendation": "recommendation",
            "line": "line",
            "current": "current",
            "game_status": "game_status",
            "status": "status",
            "result": "result",
            "void_reason": "void_reason",
        },
    )
    for p in picks:
        p["game_status"] = None if p["game_status"] is None else int(p["game_status"])
    summary = {s: 0 for s in ("pending", "winning", "losing", "win", "loss", "push", "void")}
    summary.update(Counter(p["status"] for p in picks if p["status"] != "final"))
    summary.update(Counter(p["result"] for p in picks if p["status"] == "final"))
    return _live_document(
        "live_grading", generated_at, preds, game_date, simulated, summary=summary, picks=picks
    )
