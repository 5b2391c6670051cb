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


def view_lines(settings: Settings, start: date, end: date, detail: bool) -> list[str]:
    """The expected-outputs view for [start, end]: every row (detail) or state counts and gaps."""
    from resources.clock import today_eastern
    from resources.expected import GAP_STATES, expected_view, read_counts

    dates = [start + pd.Timedelta(days=i) for i in range((end - start).days + 1)]
    view = expected_view(
        read_counts(settings, start, end),
        [pd.Timestamp(d).date() for d in dates],
        today_eastern(settings),
        len(settings.markets),
        settings.coverage_threshold,
    )
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
