"""Time one live-export refresh in replay (simulate every game of a date, build both documents).

Run from the repository root: `python benchmarks/live_refresh.py [data_dir] [start] [end] [--json OUT]`.
For every game date in [start, end] it simulates the date at three clocks (1 h before the first
tip, 1 h after the first tip, 4 h after the last tip), builds live/{date}.json and
live-grading/{date}.json in memory (no predictions: the grading side is measured separately by the
flow tests) and checks at the last clock that every game is final and its simulated score equals
the real final score (sum of the box-score points of each team). The deployment refreshes every
3 minutes, so one refresh must stay far below 180 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder  # noqa: E402
from models import exports  # noqa: E402
from resources.live_feed import simulate_replay_live  # noqa: E402
from resources.settings import Settings  # noqa: E402


def main() -> None:
    """Print per-refresh timings and the final-score check over the dates; write the result."""
    from resources.sources.replay import load_replay_data

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", nargs="?", default="data")
    parser.add_argument("start", nargs="?", default="2024-03-01")
    parser.add_argument("end", nargs="?", default="2024-03-31")
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    recorder = Recorder.start("live_refresh")
    data_dir, start, end = args.data_dir, args.start, args.end
    settings = Settings(data_dir=data_dir)
    t0 = time.perf_counter()
    data = load_replay_data(data_dir)
    load_s = time.perf_counter() - t0
    sched = data.schedule
    days = sorted(
        d.date() for d in sched.loc[sched["game_date"].between(start, end), "game_date"].unique()
    )
    timings: list[float] = []
    games_n = 0
    mismatched = 0
    empty = pd.DataFrame(
        columns=[
            "game_date",
            "game_id",
            "player_id",
            "player_name",
            "team_abbr",
            "market",
            "system_id",
            "recommendation",
            "line",
            "predicted_mean",
        ]
    )
    for day in days:
        tips = sched.loc[sched["game_date"] == pd.Timestamp(day), "tipoff_utc"]
        clocks = [
            tips.min() - pd.Timedelta(hours=1),
            tips.min() + pd.Timedelta(hours=1),
            tips.max() + pd.Timedelta(hours=4),
        ]
        for now in clocks:
            t = time.perf_counter()
            live = simulate_replay_live(settings, day, now)
            exports.build_live_export(live.games, now, True, game_date=day)
            exports.build_live_grading_export(
                empty, live.box, live.games, now, True, "ensemble", game_date=day
            )
            timings.append(time.perf_counter() - t)
        games_n += len(live.games)
        box = data.player_boxscores
        box = box[box["game_id"].isin(live.games["game_id"])]
        real = box.groupby(["game_id", "is_home"])["pts"].sum().unstack().to_dict("index")
        for g in live.games.itertuples():
            final = real.get(g.game_id, {})
            if g.game_status != 3 or (final.get(True), final.get(False)) != (
                g.home_score,
                g.away_score,
            ):
                mismatched += 1
    timings.sort()
    median_ms = statistics.median(timings) * 1000
    p95_ms = timings[int(0.95 * (len(timings) - 1))] * 1000
    print(
        f"data: {data_dir}  dates: {days[0]} .. {days[-1]} ({len(days)} game dates, {games_n} games)"
    )
    print(f"load replay data once: {load_s:.1f} s")
    print(
        f"refreshes: n={len(timings)}  median {median_ms:.0f} ms  "
        f"p95 {p95_ms:.0f} ms  max {timings[-1] * 1000:.0f} ms"
    )
    print(f"games not final or final score != real score at the last clock: {mismatched}")
    recorder.write(
        args.json,
        len(timings),
        "refreshes",
        [str(days[0]), str(days[-1])],
        {
            "data": str(Path(data_dir).resolve()),
            "game_dates": len(days),
            "games": games_n,
            "clocks_per_date": 3,
            "refresh_ms_median": round(median_ms),
            "refresh_ms_p95": round(p95_ms),
            "refresh_ms_max": round(timings[-1] * 1000),
            "load_replay_data_seconds": round(load_s, 1),
            "games_not_final_or_score_mismatch": mismatched,
        },
    )


if __name__ == "__main__":
    main()
