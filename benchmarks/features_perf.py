"""Time phases 3-4: one slate (one date, daily path) and a whole season (backfill path).

Run from the repository root:
    .venv/bin/python benchmarks/features_perf.py [--data DIR] [--slate 2024-03-06] [--season 2023-24]

Inputs are the real files of DIR (default ../shared/data, the full data) read once with the
replay loader (reading is not timed: in the pipeline it is a warehouse query). The slate sees
every box score before its date (what `read_inputs` returns for a daily run); the season run
computes every phase 3-4 table for all of the season's dates in one vectorised call, then writes
them to a fresh DuckDB file partitioned by date (timed separately). Prints one Markdown table row
per measurement.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import pandas as pd

from features.pipeline import FeatureTables, build_feature_tables
from resources import warehouse
from resources.sources.replay import ReplayData, load_replay_data


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


def _load() -> str:
    """The 1-minute load average (other work on the machine inflates wall times)."""
    path = Path("/proc/loadavg")
    return path.read_text().split()[0] if path.exists() else "?"


def main() -> None:
    """Run both measurements and print Markdown rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data"))
    parser.add_argument("--slate", default="2024-04-12")
    parser.add_argument("--season", default="2023-24")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    data = load_replay_data(args.data)
    print(f"loaded {args.data} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"machine: nproc={nproc}, python {platform.python_version()}, load {_load()}")

    day = pd.Timestamp(args.slate)
    seconds, cpu, tables = _slate(data, day, args.repeats)
    store = tables.ml_feature_store
    games = data.schedule[data.schedule["game_date"] == day]["game_id"].nunique()
    history = int((data.player_boxscores["game_date"] < day).sum())
    print(
        f"| slate {day.date()} | {games} games, "
        f"{tables.upcoming_player_game_context['player_id'].nunique()} players, "
        f"{store['market'].nunique()} markets, {len(store)} feature rows "
        f"({int(store['has_line'].sum())} with a line); {history} box-score rows of history "
        f"| wall {seconds:.2f} s, CPU {cpu:.2f} s (medians of {args.repeats}) |"
    )
    compute, compute_cpu, write, tables, n_dates = _season(data, args.season)
    print(f"load average after: {_load()}")
    store = tables.ml_feature_store
    print(
        f"| season {args.season} | {n_dates} dates "
        f"{store['game_date'].min().date()}..{store['game_date'].max().date()}, "
        f"{len(tables.upcoming_player_game_context)} player-dates, {len(store)} feature rows "
        f"| compute wall {compute:.1f} s (CPU {compute_cpu:.1f} s), write to DuckDB "
        f"{write:.1f} s, total wall {compute + write:.1f} s |"
    )


if __name__ == "__main__":
    main()
