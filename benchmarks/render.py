"""Regenerate BENCHMARKS.md from benchmarks/results/*.json and the notes in benchmarks/notes/.

Run from the repository root: `.venv/bin/python benchmarks/render.py` (run_all.py calls it).
Nothing in BENCHMARKS.md is written by hand: every table comes from a result file, every
conclusion is computed from those tables, and notes are copied from benchmarks/notes/{name}.md.
A result that is not from the last run (benchmarks/results/_run.json) is marked as reused.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
NOTES_DIR = ROOT / "benchmarks" / "notes"
OUTPUT = ROOT / "BENCHMARKS.md"
MANIFEST = "_run.json"
Doc = dict[str, Any]
Renderer = Callable[[Doc, dict[str, Doc]], list[str]]


# ---------------------------------------------------------------- formatting


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def f(value: Any, spec: str) -> str:
    """`value` formatted with `spec`, or n/a."""
    return "n/a" if _missing(value) else format(value, spec)


def count(value: Any) -> str:
    """An integer with thousands separators, or n/a."""
    return "n/a" if _missing(value) else f"{int(value):,}"


def seconds(value: Any) -> str:
    """Seconds as `12.3 s` or `8 min 48 s`."""
    if _missing(value):
        return "n/a"
    s = float(value)
    if s < 120:
        return f"{s:.1f} s"
    minutes, rest = divmod(round(s), 60)
    return f"{minutes} min {rest} s" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


def table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def machine_text(machine: dict[str, Any] | None) -> str:
    """`2 cores, AMD EPYC, 23.4 GiB RAM, Python 3.11.7`, or `not recorded`."""
    if not machine:
        return "machine not recorded"
    parts = [
        f"{machine['cores']} cores" if machine.get("cores") else None,
        machine.get("cpu_model"),
        f"{machine['ram_gib']} GiB RAM" if machine.get("ram_gib") else None,
        f"Python {machine['python']}" if machine.get("python") else None,
    ]
    return ", ".join(p for p in parts if p) or "machine not recorded"


def wall_cpu(doc: dict[str, Any]) -> str:
    """`wall 8 min 48 s, CPU 5 min 2 s` (CPU of the whole process tree, when recorded)."""
    text = f"wall {seconds(doc.get('wall_seconds'))}"
    return text + (f", CPU {seconds(doc['cpu_seconds'])}" if doc.get("cpu_seconds") else "")


def load_text(before: list[float] | None, after: list[float] | None) -> str:
    """The 1-minute load average before and after, e.g. `3.9 -> 4.2`."""
    if not before or not after:
        return "not recorded"
    return f"{before[0]:.1f} -> {after[0]:.1f}"


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, text) pairs of a nested measurement, lists shown as compact JSON."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    if isinstance(value, float):
        return [(prefix, f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}")]
    if isinstance(value, list):
        text = json.dumps(value, default=str)
        return [(prefix, text if len(text) <= 160 else text[:157] + "...")]
    return [(prefix, str(value))]


def other_measurements(measurements: dict[str, Any], known: set[str]) -> list[str]:
    """A key/value table of every measurement a section does not render itself."""
    rest = {k: v for k, v in measurements.items() if k not in known}
    if not rest:
        return []
    rows = [[key, text] for key, text in flatten(rest)]
    return ["", "Other measurements in the result:", "", *table(["key", "value"], rows)]


# ---------------------------------------------------------------- sections


def render_import_all(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    wall, cpu, rows = m.get("import_wall_seconds"), m.get("import_cpu_seconds"), m["input_rows"]
    out = table(
        [
            "input rows",
            "rows loaded",
            "quarantined",
            "wall",
            "CPU",
            "rows / s (wall)",
            "rows / CPU-s",
        ],
        [
            [
                count(rows),
                count(m.get("rows_loaded")),
                count(m.get("rows_quarantined")),
                seconds(wall),
                seconds(cpu),
                count(rows / wall) if wall else "n/a",
                count(rows / cpu) if cpu else "n/a",
            ]
        ],
    )
    flagged = [r for r in m.get("files", []) if r["quarantined"] or r["collapsed"]]
    if flagged:
        out += ["", "Files with quarantined rows or collapsed exact duplicates:", ""]
        out += table(
            ["file", "table", "loaded", "quarantined", "by rule", "duplicates collapsed"],
            [
                [
                    r["file"],
                    r["table"],
                    count(r["loaded"]),
                    count(r["quarantined"]),
                    ", ".join(f"{k} {v:,}" for k, v in r["by_rule"].items()) or "-",
                    count(r["collapsed"]),
                ]
                for r in flagged
            ],
        )
    rates = m.get("join_rates", [])
    if rates:
        out += ["", "Prop lines joined to box scores after the import, per file:", ""]
        out += table(
            ["props file", "player-dates", "joined", "did not play", "no box score that date"]
            + ["unresolved", "joined %", "README %"],
            [
                [
                    r["file"],
                    count(r.get("player_dates")),
                    count(r.get("joined", 0)),
                    count(r.get("did not play", 0)),
                    count(r.get("no box score that date", 0)),
                    count(r.get("unresolved", 0)),
                    f"**{f(r.get('joined_pct'), '.1f')}**",
                    f(r.get("readme_pct"), ".1f"),
                ]
                for r in rates
            ],
        )
    unresolved = m.get("unresolved", [])
    if unresolved:
        out += ["", "Names left unresolved, as the import lists them (first 12 lines):", ""]
        out += [f"    {line.strip()}" for line in unresolved[:12]]
    known = {"input_rows", "import_wall_seconds", "import_cpu_seconds", "rows_loaded"}
    known |= {"rows_quarantined", "files", "join_rates", "data", "unresolved"}
    return out + other_measurements(m, known)


def render_join_rate(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    out = table(
        ["props file", "rows", "player-dates", "resolved %", "joined %", "name-only %"]
        + ["README %", "resolve time"],
        [
            [
                r["file"],
                count(r["rows"]),
                count(r["player_dates"]),
                f(r["resolved_pct"], ".1f"),
                f"**{f(r['joined_pct'], '.1f')}**",
                f(r["name_only_pct"], ".1f"),
                f(r["readme_pct"], ".1f"),
                seconds(r["resolve_seconds"]),
            ]
            for r in m.get("files", [])
        ],
    )
    top = m.get("unresolved_top", [])[:10]
    if top:
        keys = [k for k in top[0] if k in ("file", "player_name", "n_rows", "n_dates")]
        out += [
            "",
            "Most frequent unresolved names:",
            "",
            *table(keys, [[str(r[k]) for k in keys] for r in top]),
        ]
    return out + other_measurements(m, {"files", "unresolved_top", "data"})


def render_features_perf(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    slate, season = m["slate"], m["season"]
    out = table(
        ["run", "n", "load (1 min)", "time"],
        [
            [
                f"one slate, {slate['date']} (daily path: box scores before the date only)",
                f"{slate['games']} games, {slate['players']} players, {slate['markets']} markets, "
                f"{count(slate['feature_rows'])} feature rows ({count(slate['feature_rows_with_line'])} "
                f"with a real line); {count(slate['history_box_score_rows'])} box-score rows of history",
                f(slate["load_1min"], ".1f"),
                f"wall {slate['wall_seconds_median']:.2f} s, CPU {slate['cpu_seconds_median']:.2f} s "
                f"(medians of {slate['repeats']})",
            ],
            [
                f"whole season, {season['season']} regular season (backfill path: one vectorised call)",
                f"{season['dates']} dates {season['first_date']} .. {season['last_date']}, "
                f"{count(season['player_dates'])} player-dates, {count(season['feature_rows'])} feature rows",
                f(season["load_1min"], ".1f"),
                f"compute wall {seconds(season['compute_wall_seconds'])} (CPU "
                f"{seconds(season['compute_cpu_seconds'])}), write to a fresh DuckDB "
                f"{seconds(season['write_wall_seconds'])}; total wall {seconds(season['total_wall_seconds'])}",
            ],
        ],
    )
    out += ["", "Targets (issue 4): a slate under 2 s and a season under 60 s."]
    out += [
        f"- slate: wall {slate['wall_seconds_median']:.2f} s, CPU {slate['cpu_seconds_median']:.2f} s: "
        + verdict(
            slate["wall_seconds_median"] < 2, slate["cpu_seconds_median"] < 2, slate["load_1min"]
        ),
        f"- season: total wall {season['total_wall_seconds']:.1f} s, compute CPU "
        f"{season['compute_cpu_seconds']:.1f} s: "
        + verdict(
            season["total_wall_seconds"] < 60,
            season["compute_cpu_seconds"] < 60,
            season["load_1min"],
        ),
    ]
    return out + other_measurements(m, {"slate", "season", "data", "read_data_seconds"})


def verdict(wall_ok: bool, cpu_ok: bool, load: float) -> str:
    """Met in wall time, met in CPU time only (a loaded machine), or not met (at that load)."""
    if wall_ok:
        return "met"
    if cpu_ok:
        return f"met in CPU time only (wall time inflated by the load, {load:.1f} on the 1-minute average)"
    return f"**not met** (1-minute load average {load:.1f} during the measurement)"


def render_live_refresh(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    start, end = doc["date_range"]
    out = table(
        ["n", "date range", "median", "p95", "max", "load replay data once"],
        [
            [
                f"{doc['n']} refreshes, {m['game_dates']} game dates, {m['games']} games",
                f"{start} .. {end}",
                f"{m['refresh_ms_median']} ms",
                f"{m['refresh_ms_p95']} ms",
                f"{m['refresh_ms_max']} ms",
                seconds(m["load_replay_data_seconds"]),
            ]
        ],
    )
    bad = m["games_not_final_or_score_mismatch"]
    out += [
        "",
        f"At the last clock {m['games'] - bad} of {m['games']} games were final with the simulated "
        f"score equal to the real final score; {bad} were not. The deployment refreshes every "
        f"180 s: the p95 refresh is {m['refresh_ms_p95'] / 1800:.2f}% of that interval.",
    ]
    known = {"game_dates", "games", "clocks_per_date", "refresh_ms_median", "refresh_ms_p95"}
    known |= {"refresh_ms_max", "load_replay_data_seconds", "games_not_final_or_score_mismatch"}
    return out + other_measurements(m, known | {"data"})


def phase_durations(marks: dict[str, float]) -> dict[str, float]:
    """Seconds per phase from `{phase}_start` / `{phase}_end` marks."""
    return {
        key[: -len("_start")]: marks[key[: -len("_start")] + "_end"] - value
        for key, value in marks.items()
        if key.endswith("_start") and key[: -len("_start")] + "_end" in marks
    }


# Progress events name the phases `predict` and `grade`; the flow's summary says `predictions`, `grading`.
SUMMARY_KEY = {"predict": "predictions", "grade": "grading"}


def _backfill_durations(run: dict[str, Any]) -> dict[str, float]:
    """Wall seconds per phase of one backfill run, named as the flow's summary names them."""
    marks = run.get("phase_marks_seconds", {})
    return {SUMMARY_KEY.get(k, k): v for k, v in phase_durations(marks).items()}


def _backfill_cpu(run: dict[str, Any]) -> dict[str, float]:
    return {SUMMARY_KEY.get(k, k): v for k, v in (run.get("phase_cpu_seconds") or {}).items()}


def render_ops_backfill(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    summary = m.get("summary") or {}
    rerun = m.get("rerun") or {}
    durations, cpu = _backfill_durations(m), _backfill_cpu(m)
    again = _backfill_durations(rerun)
    has_cpu = bool(cpu)
    header = ["phase", "first run (wall)", *(["CPU"] if has_cpu else [])]
    if rerun:
        header += ["unchanged re-run (wall)"]
    header += ["summary of the first run"]

    def row(name: str, first: Any, first_cpu: Any, second: Any, text: str) -> list[str]:
        out = [name, seconds(first), *([seconds(first_cpu)] if has_cpu else [])]
        return out + ([seconds(second)] if rerun else []) + [text]

    rows = [
        row(
            "whole backfill",
            m.get("backfill_wall_seconds"),
            sum(cpu.values()) if cpu else None,
            rerun.get("backfill_wall_seconds"),
            "",
        )
    ]
    phases = [*durations, *(k for k, v in summary.items() if isinstance(v, dict) and k != "states")]
    for phase in dict.fromkeys(phases):
        detail = summary.get(phase) or {}
        pairs = [(k, v) for k, v in flatten(detail) if not k.startswith("model_versions")]
        text = ", ".join(f"{k} {v}" for k, v in pairs)
        rows.append(
            row(f"- {phase}", durations.get(phase), cpu.get(phase), again.get(phase), text[:400])
        )
    out = table(header, rows)
    if rerun:
        out += [
            "",
            "The re-run is a fresh process over the unchanged warehouse (whole process "
            f"{seconds(rerun.get('process_wall_seconds'))} with Python and Prefect start-up); "
            f"its ingest summary: {(rerun.get('summary') or {}).get('ingest')}.",
        ]
    predictions = (summary.get("predictions") or {}).get("rows")
    store = (summary.get("features") or {}).get("ml_feature_store")
    if predictions and store:
        out += ["", f"Prediction rows per feature-store row (one per system): {predictions / store:g} "
                f"({predictions:,} / {store:,})."]  # fmt: skip
    scalars = [(k, v) for k, v in summary.items() if not isinstance(v, dict)]
    if scalars:
        out += [""] + [f"- {k}: {v}" for k, v in scalars]
    states = summary.get("states")
    if states:
        out += ["", "Expected-outputs view after the backfill (phase-dates by state): "
                + ", ".join(f"{k} {v:,}" for k, v in states.items()) + "."]  # fmt: skip
    known = {
        "start",
        "end",
        "backfill_wall_seconds",
        "process_wall_seconds",
        "phase_marks_seconds",
        "phase_cpu_seconds",
        "summary",
        "rerun",
    }
    return out + other_measurements(m, known)


def render_ops_daily(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    out = table(
        ["figure", "n / range", "result"],
        [
            [
                "daily-pipeline wall time (same_day=false: ingest + grade the day before, "
                "predict the date, exports, drift report)",
                f"{m.get('date')}, {m.get('games')} games",
                f"first run in the process **{seconds(m.get('cold_seconds'))}**, "
                f"second run **{seconds(m.get('warm_seconds'))}**",
            ],
            [
                "time to recover a killed run (SIGKILL inside the predictions write; clock from "
                "the kill to a completed `nba-props run` in a fresh process)",
                "1 kill",
                f"**{seconds(m.get('kill_to_completed_rerun_seconds'))}**",
            ],
        ],
    )
    known = {"date", "games", "cold_seconds", "warm_seconds", "kill_to_completed_rerun_seconds"}
    return out + other_measurements(m, known)


BACKTEST_HEADER = [
    "market", "n", "MAE", "model-only MAE", "line MAE", "EWMA MAE", "last-10 MAE", "lgbm MAE",
    "similarity MAE", "bias", "Brier", "Brier raw", "market Brier", "log loss", "market log loss",
    "bets (OVER)", "hit rate (95%)", "ROI (95%)",
]  # fmt: skip


def _interval(value: Any, ci: list[Any] | None, spec: str, sep: str) -> str:
    lo, hi = ci or (None, None)
    return f"{f(value, spec)} ({f(lo, spec)}{sep}{f(hi, spec)})"


def market_rows(window: Doc) -> list[tuple[str, Doc]]:
    """(market, metrics) of a backtest window with scored rows, `all` left out."""
    return [(k, v) for k, v in window.get("markets", {}).items() if k != "all" and v.get("n")]


def window_label(window: Doc) -> str:
    return f"{window['window'][0]}..{window['window'][1]}"


def render_window(window: Doc) -> list[str]:
    """The metrics table and the EV-bucket table of one backtest window."""
    extras = []
    if window.get("optuna_trials_per_fold"):
        extras.append(f"{window['optuna_trials_per_fold']} optuna trials per fold")
    if window.get("availability"):
        extras.append(f"availability features: {window['availability']}")
    out = [
        f"### {window['window'][0]} .. {window['window'][1]} (training from {window['train_start']}"
        + "".join(f"; {e}" for e in extras)
        + ")",
        "",
        f"`{window['command']}`",
        "",
    ]
    out += table(
        BACKTEST_HEADER,
        [
            [
                market, count(m["n"]), f(m["mae"], ".3f"), f(m.get("model_mae"), ".3f"),
                f(m["market_mae"], ".3f"), f(m.get("baseline_mae"), ".3f"), f(m.get("last10_mae"), ".3f"),
                f(m.get("lgbm_mae"), ".3f"), f(m.get("similarity_mae"), ".3f"), f(m.get("bias"), "+.2f"),
                f(m["brier"], ".4f"), f(m.get("brier_raw"), ".4f"), f(m["market_brier"], ".4f"),
                f(m.get("log_loss"), ".4f"), f(m.get("market_log_loss"), ".4f"),
                f"{m['bets']} ({m.get('bets_over', 'n/a')})",
                _interval(m.get("hit_rate"), m.get("hit_rate_ci95"), ".3f", "-"),
                _interval(m.get("roi"), m.get("roi_ci95"), "+.3f", ".."),
            ]
            for market, m in market_rows(window)
        ],
    )  # fmt: skip
    buckets = [(market, b) for market, m in market_rows(window) for b in m.get("by_ev_bucket", [])]
    if buckets:
        out += ["", "Bets by expected-value bucket:", ""]
        out += table(
            ["market", "EV bucket", "bets", "hit rate (95%)", "ROI (95%)"],
            [
                [
                    market,
                    f"{b['ev_from']:.2f}-{b['ev_to']:.2f}",
                    count(b["bets"]),
                    _interval(b.get("hit_rate"), b.get("hit_rate_ci95"), ".3f", "-"),
                    _interval(b.get("roi"), b.get("roi_ci95"), "+.3f", ".."),
                ]
                for market, b in buckets
            ],
        )
    return [*out, ""]


@dataclass(frozen=True)
class Comparison:
    """One market-window's model number against the market's."""

    label: str
    model: float
    market: float

    @property
    def at_or_below(self) -> bool:
        return self.model <= self.market


def comparisons(windows: list[Doc], model_key: str, market_key: str) -> list[Comparison]:
    """Every market-window with both numbers."""
    return [
        Comparison(f"{market} {window_label(w)}", float(m[model_key]), float(m[market_key]))
        for w in windows
        for market, m in market_rows(w)
        if not _missing(m.get(model_key)) and not _missing(m.get(market_key))
    ]


def comparison_sentence(what: str, against: str, items: list[Comparison], spec: str) -> str:
    """`{what} at or below {against} in N of M market-windows; worse for ...`."""
    good = [c for c in items if c.at_or_below]
    worse = [c for c in items if not c.at_or_below]
    text = f"{what} at or below {against} in {len(good)} of {len(items)} market-windows"
    if worse:
        text += "; worse for " + ", ".join(
            f"{c.label} ({c.model:{spec}} vs {c.market:{spec}})" for c in worse
        )
    return text + "."


def roi_sentence(windows: list[Doc]) -> str:
    """How many market-windows' ROI 95% intervals lie above, around or below zero."""
    above: list[str] = []
    around: list[str] = []
    below: list[str] = []
    bets = 0
    for w in windows:
        for market, m in market_rows(w):
            ci = m.get("roi_ci95") or [None, None]
            if not m.get("bets") or _missing(ci[0]) or _missing(ci[1]):
                continue
            bets += int(m["bets"])
            label = f"{market} {window_label(w)}"
            (above if ci[0] > 0 else below if ci[1] < 0 else around).append(label)
    n = len(above) + len(around) + len(below)
    text = (
        f"Bets at EV >= the threshold: {bets:,} over {n} market-windows with an ROI interval; "
        f"the ROI's 95% interval lies above zero in {len(above)}"
        + (f" ({', '.join(above)})" if above else "")
        + f", includes zero in {len(around)} and lies below zero in {len(below)}"
        + (f" ({', '.join(below)})" if below else "")
        + "."
    )
    if not above:
        text += " No market-window shows a betting edge at the prices taken."
    return text


def backtest_conclusions(windows: list[Doc]) -> list[str]:
    """Conclusions computed from the backtest tables (never written by hand)."""
    mae = comparisons(windows, "mae", "market_mae")
    free = comparisons(windows, "model_mae", "market_mae")
    brier = comparisons(windows, "brier", "market_brier")
    log_loss = comparisons(windows, "log_loss", "market_log_loss")
    if not mae:
        return []
    everywhere = all(c.at_or_below for c in mae + brier)
    headline = (
        "The published (line-anchored) model matches or beats the market on both MAE and Brier "
        "in every market-window measured."
        if everywhere
        else "The published (line-anchored) model does not match or beat the market everywhere: "
        f"MAE in {sum(c.at_or_below for c in mae)} of {len(mae)} market-windows, Brier in "
        f"{sum(c.at_or_below for c in brier)} of {len(brier)}."
    )
    gaps = [abs(c.model - c.market) for c in mae]
    line, market = "the line's", "the market's"
    return [
        "### Conclusions (computed from the tables above)",
        "",
        f"- {headline}",
        f"- {comparison_sentence('Published MAE', line, mae, '.3f')} "
        f"Largest gap to the line: {max(gaps):.3f}.",
        f"- {comparison_sentence('Line-free model MAE', line, free, '.3f')}",
        f"- {comparison_sentence('Brier', market, brier, '.4f')}",
        f"- {comparison_sentence('Log loss', market, log_loss, '.4f')}",
        f"- {roi_sentence(windows)}",
    ]


def targets(windows: list[Doc]) -> list[str]:
    """The issue's targets on points in the first window that has points."""
    for w in windows:
        m = dict(market_rows(w)).get("points")
        if m is None:
            continue
        bets_ok = m["bets"] >= 300 and (m.get("hit_rate") or 0) >= 0.54 and (m.get("roi") or 0) > 0
        rows = [
            [
                "MAE at or below the line's",
                f"{m['mae']:.3f} published vs {m['market_mae']:.3f} line "
                f"(line-free model {f(m.get('model_mae'), '.3f')})",
                "met" if m["mae"] <= m["market_mae"] else "**not met**",
            ],
            [
                "Brier at or below the market's",
                f"{m['brier']:.4f} vs {m['market_brier']:.4f}",
                "met" if m["brier"] <= m["market_brier"] else "**not met**",
            ],
            [
                ">= 300 bets, hit rate >= 54%, ROI > 0 at real prices",
                f"{m['bets']} bets, hit rate {f(m.get('hit_rate'), '.1%')}, ROI {f(m.get('roi'), '+.1%')}",
                "met" if bets_ok else "**not met**",
            ],
        ]
        return [
            f"### Against the issue's targets (points, {window_label(w)}, {m['n']:,} real-line player-games)",
            "",
            *table(["target", "result", "verdict"], rows),
            "",
        ]
    return []


def render_backtests(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    windows = doc["measurements"].get("windows", [])
    out = [
        "Walk-forward: monthly folds, every fold scored by models fitted only on games before it. "
        "Real consensus lines only, priced at one real book's quote at that line; a line on a "
        "player who did not play is void and left out. Brier/log loss use P(over | no push). "
        "`MAE` is the published mean, anchored to the real line by a weight fitted out of fold; "
        "`model-only MAE` is the line-free stack of the systems; `raw` = the probability before "
        "the market-aware calibration. Bets: EV >= `NBA_PROPS_MIN_EXPECTED_VALUE` at the real "
        "price of the side. 95% intervals: Wilson (hit rate), normal (ROI per unit).",
        "",
    ]
    for window in windows:
        out += render_window(window)
    return out + targets(windows) + backtest_conclusions(windows)


def render_backtest_tuned(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    windows = doc["measurements"].get("windows", [])
    out = [line for w in windows for line in render_window(w)]
    base = shown(docs["backtest_real_lines"]) if "backtest_real_lines" in docs else None
    if base is None:
        return out
    untuned = {
        (tuple(w["window"]), market): m
        for w in base["measurements"].get("windows", [])
        for market, m in market_rows(w)
    }
    pairs = [
        (market, m, untuned[(tuple(w["window"]), market)])
        for w in windows
        for market, m in market_rows(w)
        if (tuple(w["window"]), market) in untuned
    ]
    if pairs:
        published = max(abs(m["mae"] - u["mae"]) for _, m, u in pairs)
        moves = [
            abs(m["model_mae"] - u["model_mae"])
            for _, m, u in pairs
            if not _missing(m.get("model_mae")) and not _missing(u.get("model_mae"))
        ]
        out += [
            f"Against the untuned run of the same windows ({base['date_run'][:10]}): tuning moves "
            f"the published MAE by at most {published:.3f} and the line-free MAE by at most "
            f"{f(max(moves) if moves else None, '.3f')} over {len(pairs)} markets; bets "
            + ", ".join(f"{market} {m['bets']} vs {u['bets']}" for market, m, u in pairs)
            + ".",
        ]
    return out


def render_minutes_model(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    variants = [k for k, v in m.items() if isinstance(v, dict) and "all" in v]
    rows = []
    for variant in variants:
        for subset in ("all", "with_line"):
            r = m[variant].get(subset) or {}
            rows.append(
                [
                    variant,
                    subset,
                    count(r.get("n")),
                    f(r.get("mae_model"), ".3f"),
                    f(r.get("mae_projected"), ".3f"),
                    f(r.get("mae_last10"), ".3f"),
                    f(r.get("bias_model"), "+.2f"),
                ]
            )
    out = table(
        [
            "availability features",
            "rows",
            "n",
            "model MAE",
            "projection MAE",
            "last-10 MAE",
            "bias",
        ],
        rows,
    )
    head = [
        f"Training from {m.get('train_start')}; LightGBM objective `{m.get('objective', 'regression')}`.",
        "",
    ]
    return (
        head + out + other_measurements(m, set(variants) | {"window", "train_start", "objective"})
    )


def render_markdown(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    """A result whose script prints its own Markdown section (kept verbatim)."""
    m = doc["measurements"]
    return [m["markdown"].rstrip(), *other_measurements(m, {"markdown"})]


def render_bigquery(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    out = table(
        ["warehouse", "rows", "jobs / write", "seconds / write (median)"],
        [
            [
                w["warehouse"],
                count(w["rows"]),
                "(in-process)" if w["jobs_per_write"] is None else f"{w['jobs_per_write']:g}",
                f(w["seconds_per_write_median"], ".3f"),
            ]
            for w in m.get("writes", [])
        ],
    )
    return out + other_measurements(m, {"writes", "table", "repeats"})


def render_pipeline_emulators(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]
    runs = m.get("pipelines", [])
    phases = list(dict.fromkeys(p for run in runs for p in run.get("phase_seconds") or {}))
    out = table(
        ["stack", "daily pipeline (one date)", *phases],
        [
            [run["stack"], seconds(run.get("seconds"))]
            + [seconds((run.get("phase_seconds") or {}).get(p)) for p in phases]
            for run in runs
        ],
    )
    prep = m.get("preparation_seconds") or {}
    equal = "equal" if m.get("predictions_equal") else "NOT equal"
    out += [
        "",
        f"Game date {m.get('game_date')}: {count(m.get('prediction_rows'))} prediction rows, "
        f"{equal} on both stacks. Preparation (not timed above): "
        + ", ".join(f"{k.replace('_', ' ')} {seconds(v)}" for k, v in prep.items())
        + ".",
    ]
    known = {"pipelines", "preparation_seconds", "game_date", "prediction_rows"}
    return out + other_measurements(m, known | {"predictions_equal"})


def render_caching(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    m = doc["measurements"]

    def ratio(first: Any, again: Any) -> str:
        return f"{first / again:.1f}x" if not _missing(first) and again else "n/a"

    first, cached = m.get("daily_first_seconds"), m.get("daily_cached_rerun_seconds")
    forced = m.get("daily_forced_rerun_seconds")
    b_first, b_again = m.get("backfill_first_seconds"), m.get("backfill_unchanged_rerun_seconds")
    out = table(
        ["run", "first", "re-run, inputs unchanged", "speed-up", "forced re-run (refresh)"],
        [
            [f"daily-pipeline {m.get('daily_date')}", seconds(first), seconds(cached), ratio(first, cached), seconds(forced)],
            [f"backfill {m.get('backfill_window')}", seconds(b_first), seconds(b_again), ratio(b_first, b_again), "n/a"],
        ],
    )  # fmt: skip
    out += [
        "",
        f"Preparation (not timed above): import {seconds(m.get('prepare_import_seconds'))}, "
        f"training ({m.get('train_rounds')} rounds) {seconds(m.get('train_seconds'))}.",
    ]
    known = {
        "daily_date",
        "backfill_window",
        "prepare_import_seconds",
        "train_seconds",
        "train_rounds",
    }
    known |= {"daily_first_seconds", "daily_cached_rerun_seconds", "daily_forced_rerun_seconds"}
    known |= {"daily_speedup", "backfill_first_seconds", "backfill_unchanged_rerun_seconds"}
    known |= {"backfill_speedup", "command", "data", "machine", "run_at"}
    return out + other_measurements(m, known)


def render_generic(doc: Doc, docs: dict[str, Doc]) -> list[str]:
    """Any result without a section of its own: every measurement as key / value."""
    return other_measurements(doc.get("measurements") or {}, set())[3:]


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    render: Renderer


SECTIONS = [
    Section("import_all", "Ingestion: `nba-props import all`", render_import_all),
    Section("join_rate", "Prop names resolved and joined (files only)", render_join_rate),
    Section("features_perf", "Features (phases 3-4)", render_features_perf),
    Section("live_refresh", "Live export refresh (replay)", render_live_refresh),
    Section("ops_backfill", "Operations: full-season backfill", render_ops_backfill),
    Section("ops_daily", "Operations: daily pipeline and recovery", render_ops_daily),
    Section("caching", "Operations: caching by data version", render_caching),
    Section("backtest_real_lines", "Models: walk-forward backtest on real lines", render_backtests),
    Section("backtest_tuned", "Models: LightGBM tuned inside every fold", render_backtest_tuned),
    Section("minutes_model", "Minutes model (walk-forward)", render_minutes_model),
    Section(
        "availability_report",
        "Availability: injury reports, market-implied absences, minutes (issue 15)",
        render_markdown,
    ),
    Section(
        "bigquery_emulator", "Warehouse writes: BigQuery (emulator) beside DuckDB", render_bigquery
    ),
    Section(
        "pipeline_emulators",
        "Daily pipeline: BigQuery + GCS (emulators) + MLflow server beside DuckDB",
        render_pipeline_emulators,
    ),
]


# ---------------------------------------------------------------- document


def load(path: Path) -> Doc | None:
    """A result file (a script's own JSON is wrapped as a reused result), or None."""
    if not path.exists():
        return None
    doc = json.loads(path.read_text())
    if not isinstance(doc, dict):
        return None
    if "benchmark" in doc:
        return doc
    machine = doc.get("machine") if isinstance(doc.get("machine"), dict) else None
    run_at = str(doc.get("run_at") or "")
    return {
        "benchmark": path.stem,
        "status": "ok",
        "command": doc.get("command"),
        "date_run": run_at.replace(" UTC", "").replace(" ", "T") or None,
        "machine": machine,
        "load_before": None,
        "load_after": machine.get("loadavg_after") if machine else None,
        "measurements": doc,
    }


def provenance(doc: Doc, manifest: Doc | None) -> str:
    """When, where and under what load a result was measured; whether it was reused."""
    when = (doc.get("date_run") or "unknown date")[:16].replace("T", " ")
    ran_now = manifest is not None and doc["benchmark"] in manifest.get("ran", [])
    text = (
        f"Measured {when} UTC on {machine_text(doc.get('machine'))}; 1-minute load average "
        f"{load_text(doc.get('load_before'), doc.get('load_after'))}; {wall_cpu(doc)}."
    )
    return text if ran_now else f"**Reused** ({reuse_reason(doc['benchmark'], manifest)}): {text}"


def reuse_reason(name: str, manifest: Doc | None) -> str:
    """Why a result is not from the last run."""
    skipped: dict[str, str] = (manifest or {}).get("skipped", {})
    return skipped.get(name, "not in the last run")


def shown(doc: Doc) -> Doc | None:
    """The result whose tables are shown: the doc itself, or a failed run's last success."""
    if doc.get("status") == "ok":
        return doc
    last = doc.get("last_ok")
    return last if isinstance(last, dict) else None


def section_body(
    section: Section, doc: Doc, docs: dict[str, Doc], manifest: Doc | None
) -> list[str]:
    """Provenance, tables (or the failure) and the command of one result."""
    out = [provenance(doc, manifest), ""]
    result = shown(doc)
    if doc.get("status") != "ok":
        out += [f"**Failed**: `{doc.get('error', 'no error line')}`", ""]
        if result is None:
            return out + [f"Command: `{doc.get('command')}`", ""]
        out += [
            f"The tables below are the last successful result, from "
            f"{result['date_run'][:16].replace('T', ' ')} UTC.",
            "",
        ]
    assert result is not None
    out += [f"Command: `{result.get('command')}`", ""]
    for step in result.get("preparation", []):
        out.append(f"- preparation (not timed above): `{step['command']}` ({wall_cpu(step)})")
    if result.get("preparation"):
        out.append("")
    if result.get("n") is not None or result.get("date_range"):
        span = " .. ".join(result["date_range"]) if result.get("date_range") else "no date range"
        out += [f"n = {count(result.get('n'))} {result.get('n_what', '')}; {span}.", ""]
    return out + section.render(result, docs)


def summary_rows(
    sections: list[Section], docs: dict[str, Doc], manifest: Doc | None
) -> list[list[str]]:
    rows = []
    for section in sections:
        doc = docs.get(section.name)
        if doc is None:
            reason = (manifest or {}).get("skipped", {}).get(section.name, "never run")
            rows.append([section.name, f"no result ({reason})", "", "", "", "", ""])
            continue
        ran_now = manifest is not None and section.name in manifest.get("ran", [])
        status = doc.get("status", "?") + ("" if ran_now else " (reused)")
        rows.append(
            [
                f"[{section.name}](#{anchor(section.title)})",
                status if status.startswith("ok") else f"**{status}**",
                count(doc.get("n")) + (f" {doc.get('n_what')}" if doc.get("n_what") else ""),
                " .. ".join(doc["date_range"]) if doc.get("date_range") else "",
                wall_cpu(doc),
                (doc.get("date_run") or "")[:10],
                load_text(doc.get("load_before"), doc.get("load_after")),
            ]
        )
    return rows


def anchor(title: str) -> str:
    """GitHub's heading anchor for `title`."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def notes(name: str, notes_dir: Path) -> list[str]:
    path = notes_dir / f"{name}.md"
    if not path.exists():
        return []
    return [
        f"*Notes (hand-written, `benchmarks/notes/{name}.md`; numbers quoted there belong to the run they name):*",
        "",
        path.read_text().strip(),
        "",
    ]


def render(results_dir: Path = RESULTS_DIR, notes_dir: Path = NOTES_DIR) -> str:
    """The whole of BENCHMARKS.md from the result files and notes."""
    docs = {s.name: d for s in SECTIONS if (d := load(results_dir / f"{s.name}.json"))}
    known = {s.name for s in SECTIONS}
    for path in sorted(results_dir.glob("*.json")):
        extra = json.loads(path.read_text()) if path.stem not in known else None
        if isinstance(extra, dict) and "benchmark" in extra:  # a new script's result
            docs[path.stem] = extra
    sections = SECTIONS + [
        Section(n, f"Other: {n}", render_generic) for n in docs if n not in known
    ]
    manifest_path = results_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    out = [
        "# Benchmarks",
        "",
        "Generated by `benchmarks/render.py` from `benchmarks/results/*.json` (written by "
        "`make benchmarks DATA=...` = `benchmarks/run_all.py`); do not edit by hand: notes live in "
        "`benchmarks/notes/`. Timings are wall-clock on a machine shared with other work: each "
        "result gives the 1-minute load average before and after it, and the CPU time of its whole "
        "process tree where recorded (the number to compare between runs on a loaded machine).",
        "",
    ]
    if manifest:
        out += [
            f"Last run: {manifest['date_run'][:16].replace('T', ' ')} UTC, `{manifest['command']}`; "
            f"{len(manifest.get('ran', []))} benchmarks run, {len(manifest.get('failed', []))} failed.",
            "",
        ]
    out += table(
        [
            "benchmark",
            "status",
            "n",
            "date range",
            "time",
            "run on",
            "load (1 min) before -> after",
        ],
        summary_rows(sections, docs, manifest),
    )
    out.append("")
    reused = [
        f"{name} from {(doc.get('date_run') or '?')[:16].replace('T', ' ')} UTC"
        for name, doc in docs.items()
        if manifest is None or name not in manifest.get("ran", [])
    ]
    if reused:
        out += ["Reused results (not re-run by the last run): " + "; ".join(reused) + ".", ""]
    for section in sections:
        doc = docs.get(section.name)
        if doc is None:
            if (notes_dir / f"{section.name}.md").exists():
                out += [f"## {section.title}", "", "No result file yet: only notes.", ""]
                out += notes(section.name, notes_dir)
            continue
        out += [f"## {section.title}", "", *section_body(section, doc, docs, manifest), ""]
        out += notes(section.name, notes_dir)
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    """Write BENCHMARKS.md."""
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
