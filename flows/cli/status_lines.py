"""`nba-props status`: what the warehouse holds for a date, and what needs attention."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from features.pipeline import resolve_prop_lines
from resources import warehouse
from resources.settings import Settings

DATED_TABLES = (
    "raw_schedule",
    "raw_player_boxscores",
    "raw_prop_lines",
    "upcoming_player_game_context",
    "player_daily_cache",
    "ml_feature_store",
    "player_prop_predictions",
    "prediction_grades",
)


def status_lines(settings: Settings, day: date | None) -> list[str]:
    """Row counts per table (for `day` or overall), quarantine by rule, unresolved names, coverage."""
    url = settings.resolved_warehouse_url
    lines = [f"warehouse: {url}"]
    params = {"d": pd.Timestamp(day).to_pydatetime()} if day else {}
    where = "WHERE game_date = :d" if day else ""
    for table in DATED_TABLES:
        if not warehouse.table_exists(url, table):
            lines.append(f"  {table:30} (not created yet)")
            continue
        n = int(
            warehouse.read_sql(url, f"SELECT COUNT(*) AS n FROM {table} {where}", params)["n"].iloc[
                0
            ]
        )
        lines.append(f"  {table:30} {n:8d} rows" + (f" on {day}" if day else ""))
    if warehouse.table_exists(url, "coverage") and day:
        cov = warehouse.read_table(url, "coverage", "game_date = :d", params)
        for _, row in cov.iterrows():
            flag = "LOW" if row["ratio"] < settings.coverage_threshold else "ok"
            lines.append(
                f"  coverage {row['table_name']:28} {int(row['actual'])}/{int(row['expected'])} = {row['ratio']:.0%} {flag}"
            )
    if warehouse.table_exists(url, "quarantine"):
        q = warehouse.read_sql(
            url,
            "SELECT table_name, rule, COUNT(*) AS n FROM quarantine GROUP BY 1, 2 ORDER BY 3 DESC",
        )
        lines.append("quarantine (rows by table and rule):")
        lines.extend(f"  {r.table_name:22} {r.rule:40} {r.n:7d}" for r in q.itertuples())
    if day and warehouse.table_exists(url, "raw_prop_lines"):
        props = warehouse.read_table(url, "raw_prop_lines", "game_date = :d", params)
        players = warehouse.read_table(url, "raw_player_boxscores", "game_date <= :d", params)
        if len(props) and len(players):
            resolved = resolve_prop_lines(props, players)
            missing = resolved[resolved["player_id"].isna()]["player_name"].value_counts()
            lines.append(f"unresolved prop names on {day}: {len(missing)}")
            lines.extend(f"  {name} ({n} rows)" for name, n in missing.items())
    return lines


def _view(settings: Settings, start: date, end: date) -> pd.DataFrame:
    """resources.expected's view of [start, end]: one row per date and phase with its state."""
    from resources.clock import today_eastern
    from resources.expected import expected_view, read_counts

    dates = [start + pd.Timedelta(days=i) for i in range((end - start).days + 1)]
    return expected_view(
        read_counts(settings, start, end),
        [pd.Timestamp(d).date() for d in dates],
        today_eastern(settings),
        len(settings.markets),
        settings.coverage_threshold,
    )


def view_lines(settings: Settings, start: date, end: date, detail: bool) -> list[str]:
    """The expected-outputs view for [start, end]: every row (detail) or state counts and gaps."""
    from resources.expected import GAP_STATES

    view = _view(settings, start, end)
    lines = [
        f"expected outputs {start}..{end} (from the schedule; threshold {settings.coverage_threshold:.0%}):"
    ]
    if detail:
        rows: list[dict[str, Any]] = view.to_dict("records")  # type: ignore[assignment]
        for r in rows:
            ratio = f"{r['ratio']:.0%}" if r["ratio"] is not None and pd.notna(r["ratio"]) else "-"
            lines.append(
                f"  {pd.Timestamp(r['game_date']).date()} {r['phase']:12} expected {r['expected']:6d} "
                f"actual {r['actual']:6d} {ratio:>5} {r['state']}"
            )
        return lines
    game_days = view[view["state"] != "no_games"]["game_date"].nunique()
    lines.append(f"  dates with games: {game_days}")
    counts = view.groupby(["phase", "state"]).size().unstack(fill_value=0)
    for phase, row in counts.iterrows():
        states = ", ".join(f"{s} {int(n)}" for s, n in row.items() if n)
        lines.append(f"  {phase:12} {states}")
    gaps = view[view["state"].isin(GAP_STATES)]
    lines.append(f"gaps ({gaps['game_date'].nunique()} dates; `nba-props heal` re-runs them):")
    gap_rows: list[dict[str, Any]] = gaps.to_dict("records")  # type: ignore[assignment]
    for g in gap_rows:
        lines.append(
            f"  {pd.Timestamp(g['game_date']).date()} {g['phase']:12} {g['actual']}/{g['expected']} {g['state']}"
        )
    return lines


# phase -> (table it writes, the phase it is built from, what fills it; {d} is the date)
PHASE_SOURCES: dict[str, tuple[str, str, str]] = {
    "box_scores": (
        "raw_player_boxscores",
        "schedule",
        "`nba-props import box-scores FILE` or `nba-props backfill --start {d} --end {d}`",
    ),
    "context": (
        "upcoming_player_game_context",
        "schedule",
        "`nba-props run --date {d}` or `nba-props backfill --start {d} --end {d}`",
    ),
    "features": (
        "ml_feature_store",
        "context",
        "`nba-props run --date {d}` or `nba-props backfill --start {d} --end {d}`",
    ),
    "predictions": (
        "player_prop_predictions",
        "features",
        "a champion per market (`nba-props train`), then `nba-props run --date {d}`",
    ),
    "grades": ("prediction_grades", "predictions", "`nba-props grade --date {d}`"),
}


def empty_phase_lines(view: pd.DataFrame, day: date, source: str) -> list[str]:
    """Why each phase of `day` without rows has none: no games, not due yet, nothing expected, its
    input is empty, or the command that fills it. Empty when every phase has rows."""
    day_rows = view[pd.to_datetime(view["game_date"]).dt.date == day]
    state_of = dict(zip(day_rows["phase"], day_rows["state"], strict=True))
    actual_of = {p: int(n) for p, n in zip(day_rows["phase"], day_rows["actual"], strict=True)}
    d = day.isoformat()
    if state_of.get("schedule", "no_games") == "no_games":
        return [
            f"why nothing on {d}: raw_schedule has no games on {d} (none there, and the {source!r} "
            "source gave none), so no phase expects rows; if games were played, import them with "
            "`nba-props import all DIR` or `nba-props import team-logs FILE`, or fetch them with "
            f"`nba-props backfill --start {d} --end {d}`"
        ]
    lines: list[str] = []
    for phase, (table, built_from, fill) in PHASE_SOURCES.items():
        state, actual = state_of[phase], actual_of[phase]
        if actual > 0 or state == "ok":
            continue
        if state == "not_due":
            why = f"not due yet: the games of {d} are not final"
        elif built_from != "schedule" and actual_of[built_from] == 0:
            why = f"{table} has no rows: it is built from {built_from}, which has none"
        elif state == "none":
            why = f"{table} has no rows, and none are expected" + (
                " (no OVER/UNDER call to grade)" if phase == "grades" else ""
            )
        else:
            why = f"{table} has no rows: fill it with {fill.format(d=d)}"
        lines.append(f"  {phase:12} {why}")
    return [f"why phases are empty on {d}:", *lines] if lines else []


def why_lines(settings: Settings, day: date) -> list[str]:
    """`empty_phase_lines` of the warehouse's view of `day`."""
    return empty_phase_lines(_view(settings, day, day), day, settings.source)
