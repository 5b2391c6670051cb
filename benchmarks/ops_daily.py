"""Benchmark: daily-pipeline wall time (cold and warm) and the time to recover a killed run.

Usage (a state dir with the date's history and champions; a Prefect server in PREFECT_API_URL):
  NBA_PROPS_HOME=... NBA_PROPS_DATA_DIR=../shared/data PREFECT_API_URL=http://127.0.0.1:4200/api \
    .venv/bin/python benchmarks/ops_daily.py --date 2024-03-15 --json result.json
Recovery: a child runs the pipeline and is SIGKILLed inside the predictions write (holding the
date's concurrency slot); the clock runs from the kill until a fresh `nba-props run` completes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.record import Recorder  # noqa: E402


def timed_runs(day: date, n: int) -> list[float]:
    """Wall seconds of n daily-pipeline runs for `day` in this process (the first is cold)."""
    from flows.daily import daily_pipeline
    from resources import warehouse

    times: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        daily_pipeline(game_date=day, same_day=False)
        times.append(time.perf_counter() - t0)
    warehouse.dispose_engines()  # release the DuckDB file for the recovery children
    return times


def recovery_seconds(day: date) -> dict[str, float]:
    """Kill a run inside its predictions write; time the kill -> completed re-run."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_driver", day.isoformat(), "write",
         "player_prop_predictions", "keep-lock"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "CRASH-POINT":
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    t0 = time.perf_counter()
    rerun = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--date", day.isoformat()],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    if rerun.returncode != 0:
        raise RuntimeError(rerun.stderr[-2000:])
    return {"kill_to_completed_rerun_seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    """Measure and write the numbers as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", required=True)
    parser.add_argument("--json", "--out", dest="json", type=Path, default=None)
    args = parser.parse_args()
    recorder = Recorder.start("ops_daily")
    day = date.fromisoformat(args.date)
    from resources import warehouse
    from resources.settings import get_settings

    games = warehouse.read_sql(
        get_settings().resolved_warehouse_url,
        "SELECT COUNT(DISTINCT game_id) AS n FROM raw_schedule WHERE game_date = :d",
        {"d": day},
    )["n"].iloc[0]
    runs = timed_runs(day, 2)
    result = {
        "date": args.date,
        "games": int(games),
        "cold_seconds": round(runs[0], 1),
        "warm_seconds": round(runs[1], 1),
        **recovery_seconds(day),
    }
    doc = recorder.write(args.json, int(games), "games", [args.date, args.date], result)
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
