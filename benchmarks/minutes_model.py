"""Minutes model MAE, walk-forward by month, with and without the availability features.

Usage (full data imported into the backtest state dir by `nba-props backtest --data DIR`):
    NBA_PROPS_HOME=... .venv/bin/python benchmarks/minutes_model.py --data /work/shared/data \
        --train-start 2021-10-01 --start 2024-03-01 --end 2024-05-31 [--json out.json]
One row per played player-game (the points rows of the feature store); every fold's model is
fitted on games strictly before the fold.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.backtest import ablate_availability, monthly_folds  # noqa: E402
from models.minutes import minutes_metrics, walk_forward_minutes  # noqa: E402
from resources.settings import get_settings  # noqa: E402
from resources.training_data import data_settings, training_frame  # noqa: E402


def main() -> None:
    """Build the frame once, score every fold per ablation, print and write the MAEs."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--train-start", default="2021-10-01")
    parser.add_argument("--start", default="2024-03-01")
    parser.add_argument("--end", default="2024-05-31")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--objective", default="regression", help="or regression_l1 (median)")
    parser.add_argument("--variants", default="none,report,market,both")
    args = parser.parse_args()
    settings = data_settings(get_settings(), args.data)
    end = date.fromisoformat(args.end)
    frame = training_frame(settings, date.fromisoformat(args.train_start), end + timedelta(days=1))
    frame = frame[(frame["market"] == "points") & frame["minutes_actual"].notna()]
    frame = frame.reset_index(drop=True)
    folds = [
        (f.start, f.end) for f in monthly_folds(pd.Timestamp(args.start), pd.Timestamp(args.end))
    ]
    results: dict[str, object] = {
        "window": [args.start, args.end],
        "train_start": args.train_start,
        "objective": args.objective,
    }
    for variant in args.variants.split(","):
        scored = walk_forward_minutes(
            frame, folds, lambda f, v=variant: ablate_availability(f, v), args.objective
        )
        line = scored[scored["line"].notna()]
        results[variant] = {"all": minutes_metrics(scored), "with_line": minutes_metrics(line)}
        print(variant, json.dumps(results[variant]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
