"""Benchmark: a full-season backfill (every phase) on real data; writes the result as JSON.

Usage (state dir prepared with history before the season and champions registered):
  NBA_PROPS_HOME=/tmp/ops-bench/home NBA_PROPS_DATA_DIR=../shared/data \
    .venv/bin/python benchmarks/ops_backfill.py --start 2023-10-24 --end 2024-04-14 --json result.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder  # noqa: E402


def main() -> None:
    """Run the backfill flow over [start, end], time each phase, write the numbers as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    parser.add_argument("--json", "--out", dest="json", type=Path, default=None)
    args = parser.parse_args()
    recorder = Recorder.start("ops_backfill")
    from flows.backfill import add_progress_listener
    from flows.backfill import backfill as backfill_flow

    marks: dict[str, float] = {}
    t0 = time.perf_counter()

    def on_progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(f"{phase}_start", time.perf_counter() - t0)
        if done >= total:
            marks[f"{phase}_end"] = time.perf_counter() - t0

    add_progress_listener(on_progress)
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    summary = backfill_flow(start=start, end=end)
    total = time.perf_counter() - t0
    result = {
        "start": args.start,
        "end": args.end,
        "backfill_wall_seconds": round(total, 1),
        "phase_marks_seconds": {k: round(v, 1) for k, v in marks.items()},
        "summary": summary,
    }
    n_dates = (end - start).days + 1
    doc = recorder.write(args.json, n_dates, "calendar dates", [args.start, args.end], result)
    print(json.dumps(doc, indent=2, default=str))


if __name__ == "__main__":
    main()
