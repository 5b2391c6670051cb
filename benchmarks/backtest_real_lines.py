"""Walk-forward backtests on real lines; writes the `## Models` section of BENCHMARKS.md.

Usage (full data, state dir with `nba-props import all /work/shared/data` done, or pass --data):
    .venv/bin/python benchmarks/backtest_real_lines.py --run all:2024-03-01:2024-05-31 \
        [--run threes:2024-11-01:2025-04-13] [--data /work/shared/data] [--train-start 2016-10-01]
    .venv/bin/python benchmarks/backtest_real_lines.py --from-json var/backtests/*.json
Each run's JSON goes to benchmarks/results/backtest_{market}_{start}_{end}.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECTION = "## Models: walk-forward backtest on real lines"


def _f(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec)


def render(results: list[tuple[str, dict[str, Any]]]) -> str:
    """Markdown of every backtest result with its command."""
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    out = [
        SECTION,
        "",
        f"Machine: `nproc` = {nproc}, `python -V` = Python {platform.python_version()}. "
        "Walk-forward: monthly folds, every fold scored by models fitted only on games before it "
        "(stacking weights, NB dispersion and the market-aware calibrator on a time-ordered holdout "
        "inside the training period). Real consensus lines only, priced at one real book's quote at "
        "that line (docs/decisions.md); a line on a player who did not play "
        "is void and left out. Brier/log loss use P(over | no push); pushes return the stake. "
        "`MAE` is the published mean, anchored to the real line by a weight fitted out of fold; "
        "`model-only MAE` is the line-free stack of the systems. "
        "`raw` = the NB probability before the market-aware calibration. Bets: EV >= "
        "`NBA_PROPS_MIN_EXPECTED_VALUE` at the real price of the side. 95% intervals: Wilson (hit "
        "rate), normal (ROI per unit).",
        "",
    ]
    for command, r in results:
        out += [
            f"### {r['window'][0]} .. {r['window'][1]} (training from {r['train_start']})",
            "",
            f"`{command}`",
            "",
            "| market | n | MAE | model-only MAE | line MAE | EWMA MAE | last-10 MAE | lgbm MAE | similarity MAE | bias | Brier | Brier raw | market Brier | log loss | market log loss | bets (OVER) | hit rate (95%) | ROI (95%) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for market, m in r["markets"].items():
            if market == "all" or not m.get("n"):
                continue
            lo, hi = m["hit_rate_ci95"]
            rlo, rhi = m["roi_ci95"]
            out.append(
                f"| {market} | {m['n']} | {m['mae']:.3f} | {_f(m.get('model_mae'), '.3f')} | "
                f"{m['market_mae']:.3f} | {m['baseline_mae']:.3f} | "
                f"{m['last10_mae']:.3f} | {_f(m.get('lgbm_mae'), '.3f')} | {_f(m.get('similarity_mae'), '.3f')} | "
                f"{m['bias']:+.2f} | {m['brier']:.4f} | {m['brier_raw']:.4f} | {m['market_brier']:.4f} | "
                f"{m['log_loss']:.4f} | {m['market_log_loss']:.4f} | {m['bets']} ({m.get('bets_over', 'n/a')}) | "
                f"{_f(m['hit_rate'], '.3f')} ({_f(lo, '.3f')}-{_f(hi, '.3f')}) | "
                f"{_f(m['roi'], '+.3f')} ({_f(rlo, '+.3f')}..{_f(rhi, '+.3f')}) |"
            )
        out += [
            "",
            "Bets by expected-value bucket:",
            "",
            "| market | EV bucket | bets | hit rate (95%) | ROI (95%) |",
            "|---|---|---|---|---|",
        ]
        for market, m in r["markets"].items():
            if market == "all" or not m.get("n"):
                continue
            for b in m["by_ev_bucket"]:
                lo, hi = b["hit_rate_ci95"]
                rlo, rhi = b["roi_ci95"]
                out.append(
                    f"| {market} | {b['ev_from']:.2f}-{b['ev_to']:.2f} | {b['bets']} | "
                    f"{_f(b['hit_rate'], '.3f')} ({_f(lo, '.3f')}-{_f(hi, '.3f')}) | "
                    f"{_f(b['roi'], '+.3f')} ({_f(rlo, '+.3f')}..{_f(rhi, '+.3f')}) |"
                )
        out.append("")
    return "\n".join(out) + "\n"


def write_section(text: str) -> None:
    """Replace (or append) this section of BENCHMARKS.md, leaving other sections alone."""
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(re.escape(SECTION) + r".*?(?=^## |\Z)", re.S | re.M)
    updated = (
        pattern.sub(lambda _m: text, current)
        if pattern.search(current)
        else current.rstrip() + "\n\n" + text
    )
    path.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", action="append", default=[], help="market:start:end")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--train-start", default="2016-10-01")
    parser.add_argument("--trials", type=int, default=0, help="optuna trials per market per fold")
    parser.add_argument(
        "--from-json", nargs="*", default=[], help="JSON results with a 'command' key"
    )
    parser.add_argument(
        "--notes", type=Path, default=None, help="Markdown appended after the tables"
    )
    args = parser.parse_args()
    results: list[tuple[str, dict[str, Any]]] = []
    for spec in args.run:
        from resources.settings import get_settings
        from tasks.backtest import run_backtest

        market, start, end = spec.split(":")
        settings = get_settings()
        markets = list(settings.markets) if market == "all" else [market]
        tuned = f"_tuned{args.trials}" if args.trials else ""
        target = ROOT / "benchmarks" / "results" / f"backtest_{market}_{start}_{end}{tuned}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        result, _ = run_backtest(
            settings,
            markets,
            date.fromisoformat(start),
            date.fromisoformat(end),
            args.data,
            date.fromisoformat(args.train_start),
            progress=target.with_suffix(".partial.json"),
            trials=args.trials,
        )
        command = (
            f"nba-props backtest --market {market} --start {start} --end {end} "
            f"--train-start {args.train_start}"
            + (f" --trials {args.trials}" if args.trials else "")
            + (f" --data {args.data}" if args.data else "")
        )
        result["command"] = command
        target.write_text(json.dumps(result, indent=2, default=str))
        results.append((command, result))
    for path in args.from_json:
        result = json.loads(Path(path).read_text())
        results.append((result.get("command", "nba-props backtest"), result))
    text = render(results)
    if args.notes is not None:
        text += "\n" + args.notes.read_text().strip() + "\n"
    write_section(text)
    print(text)


if __name__ == "__main__":
    main()
