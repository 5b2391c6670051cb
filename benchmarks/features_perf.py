"""Time phases 3-4: one slate (one date, daily path) and a whole season (backfill path).

Run from the repository root:
    .venv/bin/python benchmarks/features_perf.py [--data DIR] [--slate 2024-03-06] [--season 2023-24] \
        [--json OUT]

Inputs are the real files of DIR (default ../shared/data, the full data) read once with the
replay loader (reading is not timed: in the pipeline it is a warehouse query). The slate sees
every box score before its date (what `read_inputs` returns for a daily run); the season run
computes every phase 3-4 table for all of the season's dates in one vectorised call, then writes
them to a fresh DuckDB file partitioned by date (timed separately). Prints one Markdown table row
per measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder, load_average  # noqa: E402
from features.pipeline import FeatureTables, build_feature_tables  # noqa: E402
from resources import warehouse  # noqa: E402
from resources.sources.replay import ReplayData, load_replay_data  # noqa: E402


def _slate(data: ReplayData, day: pd.Timestamp, repeats: int) -> tuple[float, float, FeatureTables]:
    """Median wall and CPU seconds of a one-date build (box scores before the date), its tables."""
    sched = data.schedule[data.schedule["game_date"] == day]
    players = data.player_boxscores[data.player_boxscores["game_date"] < day]
    teams = data.team_boxscores[data.team_boxscores["game_date"] < day]
    times: list[float] = []
    cpu: list[float] = []
    tables: FeatureTables | None = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        tables = build_feature_tables(
            sched, players, teams, data.prop_lines, None, game_odds=data.game_odds
        )
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert tables is not None
    return statistics.median(times), statistics.median(cpu), tables


def _season(data: ReplayData, season: str) -> tuple[float, float, float, FeatureTables, int]:
    """Wall seconds to compute, CPU seconds to compute, wall seconds to write a season's tables."""
    sched = data.schedule[
        (data.schedule["season"] == season) & (data.schedule["season_type"] == "Regular Season")
    ]
    last = sched["game_date"].max()
    players = data.player_boxscores[data.player_boxscores["game_date"] < last]
    teams = data.team_boxscores[data.team_boxscores["game_date"] < last]
    start, start_cpu = time.perf_counter(), time.process_time()
    tables = build_feature_tables(
        sched, players, teams, data.prop_lines, None, game_odds=data.game_odds
    )
    compute = time.perf_counter() - start
    compute_cpu = time.process_time() - start_cpu
    dates = sorted(sched["game_date"].unique())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"duckdb:///{Path(tmp) / 'bench.duckdb'}"
        start = time.perf_counter()
        for f in fields(tables):
            frame = getattr(tables, f.name)
            if len(frame):
                frame = frame.assign(game_date=pd.to_datetime(frame["game_date"]))
                days = dates if not f.name.endswith("game_summary") else frame["game_date"].unique()
                warehouse.replace_partition(url, f.name, frame, "game_date", list(days))
        write = time.perf_counter() - start
        warehouse.dispose_engines()
    return compute, compute_cpu, write, tables, len(dates)


def main() -> None:
    """Run both measurements, print Markdown rows, write the result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data"))
    parser.add_argument("--slate", default="2024-04-12")
    parser.add_argument("--season", default="2023-24")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    recorder = Recorder.start("features_perf")
    start = time.perf_counter()
    data = load_replay_data(args.data)
    load_seconds = time.perf_counter() - start
    print(f"loaded {args.data} in {load_seconds:.1f} s", file=sys.stderr)

    day = pd.Timestamp(args.slate)
    slate_load = load_average()
    seconds, cpu, tables = _slate(data, day, args.repeats)
    store = tables.ml_feature_store
    slate = {
        "date": str(day.date()),
        "games": int(data.schedule[data.schedule["game_date"] == day]["game_id"].nunique()),
        "players": int(tables.upcoming_player_game_context["player_id"].nunique()),
        "markets": int(store["market"].nunique()),
        "feature_rows": len(store),
        "feature_rows_with_line": int(store["has_line"].sum()),
        "history_box_score_rows": int((data.player_boxscores["game_date"] < day).sum()),
        "repeats": args.repeats,
        "wall_seconds_median": round(seconds, 3),
        "cpu_seconds_median": round(cpu, 3),
        "load_1min": slate_load[0],
    }
    print(f"slate: {slate}")
    season_load = load_average()
    compute, compute_cpu, write, tables, n_dates = _season(data, args.season)
    store = tables.ml_feature_store
    first, last = str(store["game_date"].min().date()), str(store["game_date"].max().date())
    season = {
        "season": args.season,
        "dates": n_dates,
        "first_date": first,
        "last_date": last,
        "player_dates": len(tables.upcoming_player_game_context),
        "feature_rows": len(store),
        "compute_wall_seconds": round(compute, 2),
        "compute_cpu_seconds": round(compute_cpu, 2),
        "write_wall_seconds": round(write, 2),
        "total_wall_seconds": round(compute + write, 2),
        "load_1min": season_load[0],
    }
    print(f"season: {season}")
    recorder.write(
        args.json,
        len(store),
        "season feature rows",
        [first, last],
        {
            "data": str(Path(args.data).resolve()),
            "read_data_seconds": round(load_seconds, 1),
            "slate": slate,
            "season": season,
        },
    )


if __name__ == "__main__":
    main()
