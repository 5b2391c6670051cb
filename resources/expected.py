"""Expected outputs per date and phase, derived from the schedule, against the rows actually held.

`expected_view` is pure (counts in, view out); `read_counts` is the only IO (one GROUP BY per table).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from resources.settings import Settings
from resources.warehouse import Warehouse

PHASES = ("schedule", "box_scores", "context", "features", "predictions", "grades")
GAP_STATES = ("missing", "low")
VIEW_COLUMNS = ["game_date", "phase", "expected", "actual", "ratio", "state"]

# measure -> (table, SQL aggregate, extra WHERE). One query per measure, grouped by game_date.
MEASURES: dict[str, tuple[str, str, str]] = {
    "games": ("raw_schedule", "COUNT(DISTINCT game_id)", ""),
    "boxscore_games": ("raw_player_boxscores", "COUNT(DISTINCT game_id)", ""),
    "prop_rows": ("raw_prop_lines", "COUNT(*)", ""),
    "context_games": ("upcoming_player_game_context", "COUNT(DISTINCT game_id)", ""),
    "context_players": ("upcoming_player_game_context", "COUNT(DISTINCT player_id)", ""),
    "feature_rows": ("ml_feature_store", "COUNT(*)", "market IN :markets"),
    "prediction_rows": ("player_prop_predictions", "COUNT(*)", "system_id = 'ensemble'"),
    "call_rows": (
        "player_prop_predictions",
        "COUNT(*)",
        "system_id = 'ensemble' AND recommendation IN ('OVER', 'UNDER') AND line IS NOT NULL",
    ),
    "grade_rows": ("prediction_grades", "COUNT(*)", "system_id = 'ensemble'"),
    "coverage_min": ("coverage", "MIN(ratio)", ""),
}


def _state(expected: float, actual: float, threshold: float, due: bool) -> str:
    """ok / low / missing / none (nothing expected) / not_due (results not final yet)."""
    if not due:
        return "not_due"
    if expected <= 0:
        return "none"
    if actual <= 0:
        return "missing"
    return "low" if actual / expected < threshold else "ok"


def expected_view(
    counts: pd.DataFrame,
    dates: list[date],
    finished_before: date,
    n_markets: int,
    threshold: float,
) -> pd.DataFrame:
    """One row per (date, phase): what the schedule implies, what is there, and its state.

    `counts` has a game_date column and one column per MEASURES key (absent -> 0). A date counts as
    finished (box scores and grades due) when it is before `finished_before`. A date with no games
    in the schedule gets only a 'schedule' row with state 'no_games'.
    """
    frame = counts.copy()
    frame["game_date"] = (
        pd.to_datetime(frame["game_date"]) if len(frame) else frame.get("game_date")
    )
    by_date = frame.set_index("game_date") if len(frame) else pd.DataFrame()
    rows: list[dict[str, Any]] = []

    def get(stamp: pd.Timestamp, measure: str) -> float:
        if stamp not in by_date.index or measure not in by_date:
            return 0.0
        value: Any = by_date.at[stamp, measure]
        return 0.0 if pd.isna(value) else float(value)

    for day in sorted(set(dates)):
        stamp = pd.Timestamp(day)
        games = get(stamp, "games")
        if games == 0:
            rows.append(_row(stamp, "schedule", 0, 0, "no_games"))
            continue
        finished = day < finished_before
        rows.append(_row(stamp, "schedule", games, games, "ok"))
        box = get(stamp, "boxscore_games")
        rows.append(_row(stamp, "box_scores", games, box, _state(games, box, 1.0, finished)))
        ctx = get(stamp, "context_games")
        rows.append(_row(stamp, "context", games, ctx, _state(games, ctx, 1.0, True)))
        want = get(stamp, "context_players") * n_markets
        have = get(stamp, "feature_rows")
        state = _state(want, have, threshold, True)
        has_coverage = (
            "coverage_min" in by_date
            and stamp in by_date.index
            and pd.notna(by_date.at[stamp, "coverage_min"])
        )
        if state == "ok" and has_coverage and get(stamp, "coverage_min") < threshold:
            state = "low"  # rows exist, but too few of them carry real history
        rows.append(_row(stamp, "features", want, have, state))
        preds = get(stamp, "prediction_rows")
        rows.append(_row(stamp, "predictions", have, preds, _state(have, preds, 1.0, True)))
        calls, grades = get(stamp, "call_rows"), get(stamp, "grade_rows")
        rows.append(_row(stamp, "grades", calls, grades, _state(calls, grades, 1.0, finished)))
    return pd.DataFrame(rows, columns=VIEW_COLUMNS)


def _row(
    stamp: pd.Timestamp, phase: str, expected: float, actual: float, state: str
) -> dict[str, Any]:
    ratio = actual / expected if expected else None
    return {
        "game_date": stamp,
        "phase": phase,
        "expected": int(expected),
        "actual": int(actual),
        "ratio": ratio,
        "state": state,
    }


def gap_dates(view: pd.DataFrame) -> list[date]:
    """Dates with at least one phase missing or low (what `heal` re-runs)."""
    if view.empty:
        return []
    gaps = view[view["state"].isin(GAP_STATES)]
    return sorted({pd.Timestamp(d).date() for d in gaps["game_date"]})


def read_counts(settings: Settings, start: date, end: date) -> pd.DataFrame:
    """Per-date counts of every MEASURES entry between start and end (inclusive)."""
    wh = Warehouse.from_settings(settings)
    params: dict[str, Any] = {"s": start, "e": end}
    frames: list[pd.Series] = []
    for measure, (table, aggregate, extra) in MEASURES.items():
        if not wh.exists(table):
            continue
        where = "game_date BETWEEN :s AND :e" + (f" AND {extra}" if extra else "")
        query_params = dict(params)
        if ":markets" in extra:
            names = {f"m{i}": m for i, m in enumerate(settings.markets)}
            where = where.replace(":markets", "(" + ", ".join(f":{n}" for n in names) + ")")
            query_params.update(names)
        got = wh.query(
            f"SELECT game_date, {aggregate} AS n FROM {table} WHERE {where} GROUP BY game_date",
            query_params,
        )
        got["game_date"] = pd.to_datetime(got["game_date"])
        frames.append(got.set_index("game_date")["n"].rename(measure))
    if not frames:
        return pd.DataFrame(columns=["game_date", *MEASURES])
    return pd.concat(frames, axis=1).rename_axis("game_date").reset_index()


def season_bounds(season: str) -> tuple[date, date]:
    """'2023-24' -> (2023-10-01, 2024-06-30): the dates a season's games fall in."""
    first = int(season[:4])
    return date(first, 10, 1), date(first + 1, 6, 30)
