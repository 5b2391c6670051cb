"""Benchmark: what caching by data version saves (issue 12).

1. daily-pipeline for one date: first run, a re-run with nothing changed (Cached phases), and a
   forced full re-run (`refresh=True`), each timed in this process.
2. backfill over a month: first run, then a re-run over the unchanged month.

Usage (builds its own state directory from the bundled data, or from --data):
  .venv/bin/python benchmarks/caching.py --out benchmarks/results/caching.json \
      [--data data] [--date 2024-04-10] [--start 2024-03-01 --end 2024-03-31]
Models are trained once (train_markets, 60 rounds, the season before --start) on games before
--start: the point is the pipeline's caching, not model quality.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TRAIN_ROUNDS = 60


def _timed(action: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = action()
    return round(time.perf_counter() - t0, 2), result


def main() -> None:
    """Prepare a state directory, run the timings, write JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=REPO / "data")
    parser.add_argument("--date", default="2024-04-10")
    parser.add_argument("--start", default="2024-03-01")
    parser.add_argument("--end", default="2024-03-31")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="nba-props-caching-"))
    os.environ.update(
        {
            "NBA_PROPS_HOME": str(home),
            "NBA_PROPS_DATA_DIR": str(args.data.resolve()),
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
        }
    )
    os.environ.pop("PREFECT_API_URL", None)
    from resources.telemetry import turn_off_telemetry

    turn_off_telemetry()
    from flows.backfill import backfill
    from flows.daily import daily_pipeline
    from resources.loading import import_dir
    from resources.settings import get_settings
    from tasks.training import train_markets

    settings = get_settings()
    start, end, day = (date.fromisoformat(x) for x in (args.start, args.end, args.date))
    prepare_s, _ = _timed(lambda: import_dir(settings, settings.data_dir, before=start))
    # Small models (one season, 60 rounds): this measures the pipeline's caching, not the models.
    train_s, _ = _timed(
        lambda: train_markets.fn(
            settings.markets, date(start.year - 1, 10, 1), start, num_rounds=TRAIN_ROUNDS
        )
    )
    once = daily_pipeline.with_options(retries=0)
    backfill_first_s, _ = _timed(lambda: backfill(start=start, end=end))
    backfill_rerun_s, _ = _timed(lambda: backfill(start=start, end=end))
    import_dir(settings, settings.data_dir, before=day)  # history up to the daily date
    once(game_date=day - timedelta(days=1), same_day=True)
    daily_first_s, _ = _timed(lambda: once(game_date=day, same_day=False))
    daily_cached_s, _ = _timed(lambda: once(game_date=day, same_day=False))
    daily_refresh_s, _ = _timed(lambda: once(game_date=day, same_day=False, refresh=True))
    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "data": str(args.data),
        "daily_date": args.date,
        "backfill_window": f"{args.start}..{args.end}",
        "prepare_import_seconds": prepare_s,
        "train_seconds": train_s,
        "train_rounds": TRAIN_ROUNDS,
        "daily_first_seconds": daily_first_s,
        "daily_cached_rerun_seconds": daily_cached_s,
        "daily_forced_rerun_seconds": daily_refresh_s,
        "daily_speedup": round(daily_first_s / daily_cached_s, 1),
        "backfill_first_seconds": backfill_first_s,
        "backfill_unchanged_rerun_seconds": backfill_rerun_s,
        "backfill_speedup": round(backfill_first_s / backfill_rerun_s, 1),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_after": os.getloadavg(),
        },
        "run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
