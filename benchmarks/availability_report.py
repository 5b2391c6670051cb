"""The availability ablation in CHOOSE / REPORT windows, from `nba-props backtest --scored` files.

Usage:
    .venv/bin/python benchmarks/availability_report.py --scored-dir DIR --warehouse DUCKDB \
        [--choose 2024-03-01:2024-03-31] [--report 2024-04-01:2024-05-31] > section.md
DIR holds {none,report,market,both}.csv (one backtest per ablation). Everything that is chosen
(the ablation variant, the EV threshold) is chosen on CHOOSE only and then reported on REPORT.
The best price across books (models/bet_pricing.py) is reported beside the one-book headline.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.bet_pricing import best_prices, profit_at  # noqa: E402
from models.evaluation import bet_summary, evaluate, mean_interval, wilson_interval  # noqa: E402

VARIANTS = ("none", "report", "market", "both")
MARKETS = ("points", "rebounds", "assists", "threes", "pra")
THRESHOLDS = (0.03, 0.06, 0.10, 0.20)
MIN_CHOSEN_BETS = 50


def _f(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, spec)


def _window(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start, end = text.split(":")
    return pd.Timestamp(start), pd.Timestamp(end)


def _in(frame: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    dates = pd.to_datetime(frame["game_date"])
    return frame[(dates >= window[0]) & (dates <= window[1])]


def _bets(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    called = frame["recommendation"].isin(["OVER", "UNDER"])
    return frame[called & (frame["expected_value"] >= threshold)]


def _bet_cell(summary: dict[str, Any]) -> str:
    lo, hi = summary["hit_rate_ci95"]
    rlo, rhi = summary["roi_ci95"]
    return (
        f"{summary['bets']} / {_f(summary['hit_rate'], '.3f')} ({_f(lo, '.3f')}-{_f(hi, '.3f')}) / "
        f"{_f(summary['roi'], '+.3f')} ({_f(rlo, '+.3f')}..{_f(rhi, '+.3f')})"
    )


def ablation_table(
    scored: dict[str, pd.DataFrame], window: tuple[pd.Timestamp, pd.Timestamp]
) -> list[str]:
    """Per market and variant: n, published and line-free MAE, line MAE, Brier, bets at EV >= 0.03."""
    lines = [
        "| market | availability | n | MAE | model-only MAE | line MAE | Brier | market Brier | bets / hit (95%) / ROI (95%) at EV >= 0.03 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for market in MARKETS:
        for variant in scored:
            part = _in(scored[variant], window)
            part = part[part["market"] == market]
            if part.empty:
                continue
            m = evaluate(part)
            lines.append(
                f"| {market} | {variant} | {m['n']} | {m['mae']:.3f} | {_f(m.get('model_mae'), '.3f')} | "
                f"{m['market_mae']:.3f} | {m['brier']:.4f} | {m['market_brier']:.4f} | {_bet_cell(m)} |"
            )
    return lines


def choose(
    scored: dict[str, pd.DataFrame], window: tuple[pd.Timestamp, pd.Timestamp]
) -> tuple[str, float, list[str]]:
    """The variant with the lowest pooled line-free MAE ratio and the EV threshold with the best ROI
    (at least MIN_CHOSEN_BETS bets), both on the CHOOSE window only; the table behind the choice."""
    rows = [
        "| availability | model MAE / line MAE (pooled mean over markets) | "
        + " | ".join(f"EV >= {t}" for t in THRESHOLDS)
        + " |",
        "|---|---|" + "---|" * len(THRESHOLDS),
    ]
    best_variant, best_ratio = "none", math.inf
    roi: dict[tuple[str, float], float] = {}
    for variant in scored:
        part = _in(scored[variant], window)
        ratios = []
        for market in MARKETS:
            m = part[part["market"] == market]
            if len(m):
                ratios.append(
                    float(np.mean(np.abs(m["model_mean"] - m["actual"])))
                    / float(np.mean(np.abs(m["line"] - m["actual"])))
                )
        ratio = float(np.mean(ratios))
        cells = []
        for t in THRESHOLDS:
            s = bet_summary(_bets(part, t))
            roi[(variant, t)] = s["roi"] if s["bets"] >= MIN_CHOSEN_BETS else -math.inf
            cells.append(f"{s['bets']} bets, ROI {_f(s['roi'], '+.3f')}")
        rows.append(f"| {variant} | {ratio:.4f} | " + " | ".join(cells) + " |")
        if ratio < best_ratio:
            best_variant, best_ratio = variant, ratio
    threshold = max(THRESHOLDS, key=lambda t: roi[(best_variant, t)])
    return best_variant, threshold, rows


def best_price_lines(bets: pd.DataFrame, quotes: pd.DataFrame) -> list[str]:
    """Headline (one book) against best fresh price at the same line, on the same bets."""
    priced = best_prices(bets, quotes)
    out = []
    for label, column in (
        ("one book (headline)", None),
        ("best fresh price, same line", "best_price"),
    ):
        profit = (
            profit_at(
                priced.assign(
                    _own=np.where(
                        priced["recommendation"] == "OVER",
                        priced["over_price"],
                        priced["under_price"],
                    )
                ),
                "_own",
            )
            if column is None
            else profit_at(priced, column)
        )
        wins, losses = int((profit > 0).sum()), int((profit < 0).sum())
        lo, hi = wilson_interval(wins, wins + losses)
        rlo, rhi = mean_interval(profit.to_numpy())
        out.append(
            f"| {label} | {len(profit)} | {_f(wins / (wins + losses) if wins + losses else math.nan, '.3f')} ({_f(lo, '.3f')}-{_f(hi, '.3f')}) | "
            f"{_f(float(profit.mean()) if len(profit) else math.nan, '+.3f')} ({_f(rlo, '+.3f')}..{_f(rhi, '+.3f')}) | "
            f"{_f(float(priced['books_at_line'].mean()) if len(priced) else math.nan, '.1f')} |"
        )
    return out


def quotes_from(warehouse: Path, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Every book's pre-tip snapshot with the player id its name resolved to (prop_name_resolution)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            """
            SELECT p.game_date, r.player_id, p.market, p.bookmaker, p.line, p.over_price,
                   p.under_price, p.captured_at, p.minutes_before_tip
            FROM raw_prop_lines p JOIN prop_name_resolution r
              ON r.game_date = p.game_date AND r.player_name = p.player_name
            WHERE r.player_id IS NOT NULL AND p.game_date BETWEEN ? AND ?
            """,
            [start.date(), end.date()],
        ).df()
    finally:
        con.close()


def main() -> None:
    """Print the markdown section."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scored-dir", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--choose", default="2024-03-01:2024-03-31")
    parser.add_argument("--report", default="2024-04-01:2024-05-31")
    args = parser.parse_args()
    scored = {
        v: pd.read_csv(args.scored_dir / f"{v}.csv", dtype={"player_id": str, "game_id": str})
        for v in VARIANTS
        if (args.scored_dir / f"{v}.csv").exists()
    }
    choose_w, report_w = _window(args.choose), _window(args.report)
    variant, threshold, choice_rows = choose(scored, choose_w)
    out = [f"CHOOSE {args.choose}: chosen availability `{variant}`, EV threshold {threshold}", ""]
    out += choice_rows + ["", f"REPORT {args.report}, every variant:", ""]
    out += ablation_table(scored, report_w)
    out += ["", f"CHOOSE {args.choose}, every variant:", ""]
    out += ablation_table(scored, choose_w)
    report_rows = _in(scored[variant], report_w)
    chosen_bets = _bets(report_rows, threshold)
    out += [
        "",
        f"REPORT {args.report}, `{variant}` at the EV threshold chosen on CHOOSE ({threshold}):",
        "",
    ]
    out += ["| market | bets / hit (95%) / ROI (95%) |", "|---|---|"]
    for market in MARKETS:
        out.append(
            f"| {market} | {_bet_cell(bet_summary(chosen_bets[chosen_bets['market'] == market]))} |"
        )
    out.append(f"| all | {_bet_cell(bet_summary(chosen_bets))} |")
    out += [
        "",
        "EV buckets (REPORT, `" + variant + "`):",
        "",
        "| EV bucket | bets / hit (95%) / ROI (95%) |",
        "|---|---|",
    ]
    all_bets = _bets(report_rows, 0.03)
    for lo, hi in zip(THRESHOLDS, [*THRESHOLDS[1:], math.inf], strict=True):
        sel = all_bets[(all_bets["expected_value"] >= lo) & (all_bets["expected_value"] < hi)]
        out.append(f"| {lo}-{hi} | {_bet_cell(bet_summary(sel))} |")
    quotes = quotes_from(args.warehouse, report_w[0], report_w[1])
    out += [
        "",
        f"Prices (REPORT, `{variant}`, EV >= {threshold}; reported beside the headline, never mixed in):",
        "",
        "| price | bets | hit (95%) | ROI (95%) | books at the line |",
        "|---|---|---|---|---|",
    ]
    out += best_price_lines(chosen_bets.reset_index(drop=True), quotes)
    print("\n".join(out))


if __name__ == "__main__":
    main()
