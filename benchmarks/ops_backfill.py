"""Benchmark: a full-season backfill (every phase) on real data, then the same backfill again.

The first run does the work; the re-run (a fresh process, nothing changed in between) should find
every input unchanged: ingest fetches nothing and every phase comes back Cached. Both are timed
per phase (progress events: wall, and the process's CPU seconds) and written as one JSON result.

Usage (state dir prepared with `nba-props import all DIR` and champions registered):
  NBA_PROPS_HOME=/tmp/ops-bench/home NBA_PROPS_DATA_DIR=../shared/data \
    .venv/bin/python benchmarks/ops_backfill.py --start 2023-10-24 --end 2024-04-14 --json result.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder, load_average  # noqa: E402


def run_once(start: date, end: date) -> dict[str, Any]:
    """Run the backfill flow over [start, end] in this process; wall and CPU marks per phase."""
    process_started = time.perf_counter()
    from flows.backfill import add_progress_listener
    from flows.backfill import backfill as backfill_flow

    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t0 = time.perf_counter()

    def on_progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(f"{phase}_start", time.perf_counter() - t0)
        cpu.setdefault(f"{phase}_start", time.process_time())
        if done >= total:
            marks[f"{phase}_end"] = time.perf_counter() - t0
            cpu[f"{phase}_end"] = time.process_time()

    add_progress_listener(on_progress)
    summary = backfill_flow(start=start, end=end)
    total = time.perf_counter() - t0
    cpu_by_phase = {
        key[: -len("_start")]: round(cpu[key[: -len("_start")] + "_end"] - value, 1)
        for key, value in cpu.items()
        if key.endswith("_start") and key[: -len("_start")] + "_end" in cpu
    }
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "backfill_wall_seconds": round(total, 1),
        "process_wall_seconds": round(time.perf_counter() - process_started, 1),
        "phase_marks_seconds": {k: round(v, 1) for k, v in marks.items()},
        "phase_cpu_seconds": cpu_by_phase,
        "summary": summary,
    }


def rerun(start: str, end: str) -> dict[str, Any]:
    """The same backfill in a fresh process (no in-process cache helps it): its measurements."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rerun.json"
        load_before = load_average()
        args = [sys.executable, __file__, "--start", start, "--end", end, "--single", str(out)]
        subprocess.run(args, check=True)
        result: dict[str, Any] = json.loads(out.read_text())
    result["load_before"] = load_before
    result["load_after"] = load_average()
    return result


def main() -> None:
    """Run the backfill, then re-run it unchanged; write the numbers of both as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--json", "--out", dest="json", type=Path, default=None)
    parser.add_argument("--no-rerun", action="store_true", help="Only the first run.")
    parser.add_argument("--single", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    if args.single is not None:  # the re-run's own process
        args.single.write_text(json.dumps(run_once(start, end), default=str))
        return
    recorder = Recorder.start("ops_backfill")
    result = run_once(start, end)
    result["load_after_first_run"] = load_average()
    from resources import warehouse

    warehouse.dispose_engines()  # the re-run's process needs the DuckDB file (one writer at a time)
    if not args.no_rerun:
        result["rerun"] = rerun(args.start, args.end)
    n_dates = (end - start).days + 1
    doc = recorder.write(args.json, n_dates, "calendar dates", [args.start, args.end], result)
    print(json.dumps(doc, indent=2, default=str))


if __name__ == "__main__":
    main()
