"""Walk-forward backtests on real lines; the result feeds the `Models` section of BENCHMARKS.md.

Usage (the data is imported into the state dir's backtest warehouse when --data is given):
    .venv/bin/python benchmarks/backtest_real_lines.py --run all:2024-03-01:2024-05-31 \
        [--run threes:2024-11-01:2025-04-13] [--data /work/shared/data] [--train-start 2016-10-01] \
        [--trials 8] [--json benchmarks/results/backtest_real_lines.json]
    .venv/bin/python benchmarks/backtest_real_lines.py --from-json old/*.json --date-run 2024-11-27T12:27:58+00:00 \
        --json OUT   (rebuild the result from earlier `nba-props backtest --json` files, marked as reused)
Every window's full report (metrics per market, EV buckets, folds) is kept in the result.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.record import Recorder  # noqa: E402


def run_window(spec: str, data: Path | None, train_start: str, trials: int) -> dict[str, Any]:
    """Backtest one `market:start:end` window; its report with the equivalent CLI command."""
    from resources.settings import get_settings
    from tasks.backtest import run_backtest

    market, start, end = spec.split(":")
    settings = get_settings()
    markets = list(settings.markets) if market == "all" else [market]
    tuned = f"_tuned{trials}" if trials else ""
    progress = (
        ROOT / "benchmarks" / "results" / f"backtest_{market}_{start}_{end}{tuned}.partial.json"
    )
    progress.parent.mkdir(parents=True, exist_ok=True)
    result, _ = run_backtest.fn(
        settings,
        markets,
        date.fromisoformat(start),
        date.fromisoformat(end),
        data,
        date.fromisoformat(train_start),
        progress=progress,
        trials=trials,
    )
    progress.unlink(missing_ok=True)
    result["command"] = (
        f"nba-props backtest --market {market} --start {start} --end {end} "
        f"--train-start {train_start}"
        + (f" --trials {trials}" if trials else "")
        + (f" --data {data}" if data else "")
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", action="append", default=[], help="market:start:end")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--train-start", default="2016-10-01")
    parser.add_argument("--trials", type=int, default=0, help="optuna trials per market per fold")
    parser.add_argument(
        "--name", default="backtest_real_lines", help="benchmark name in the result"
    )
    parser.add_argument(
        "--from-json", nargs="*", default=[], help="earlier backtest JSON files (with 'command')"
    )
    parser.add_argument("--date-run", default=None, help="when the --from-json results were run")
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    recorder = Recorder.start(args.name)
    windows = [run_window(spec, args.data, args.train_start, args.trials) for spec in args.run]
    for path in args.from_json:
        result = json.loads(Path(path).read_text())
        result.setdefault("command", "nba-props backtest")
        windows.append(result)
    for w in windows:
        print(w["command"], json.dumps({k: w.get(k) for k in ("n", "mae", "market_mae", "brier")}))
    starts = [w["window"][0] for w in windows]
    ends = [w["window"][1] for w in windows]
    doc = recorder.result(
        sum(int(w.get("n", 0)) for w in windows),
        "scored real-line player-games",
        [min(starts), max(ends)] if windows else None,
        {"trials": args.trials, "windows": windows},
    )
    if args.from_json and not args.run:
        doc["reused_from"] = args.date_run
        doc["date_run"] = args.date_run
        doc["command"] = "; ".join(w["command"] for w in windows)
        doc["wall_seconds"] = None
        doc["machine"] = doc["load_before"] = doc["load_after"] = None  # not recorded then
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
