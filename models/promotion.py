"""The promotion gate: may a challenger replace the champion? Decided on the same real-line rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.evaluation import brier, outcome_over


@dataclass(frozen=True)
class GateResult:
    """Whether the challenger passes, and every reason, pass or fail."""

    passed: bool
    reasons: list[str]


def promotion_gate(
    challenger: dict[str, Any],
    champion: dict[str, Any],
    min_rows: int,
    mae_tolerance: float,
    brier_tolerance: float,
) -> GateResult:
    """Pass when n >= min_rows, Brier not worse than the champion's (+ tolerance), MAE not worse by more than the tolerance."""
    n = int(challenger.get("n", 0))
    c_b, k_b = float(challenger.get("brier", math.nan)), float(champion.get("brier", math.nan))
    c_m, k_m = float(challenger.get("mae", math.nan)), float(champion.get("mae", math.nan))
    # (passes, reason when it fails, reason when it passes); a missing number fails.
    checks = [
        (
            n >= min_rows,
            f"only {n} real-line rows in the window (need {min_rows})",
            f"n={n} real-line rows (>= {min_rows})",
        ),
        (
            c_b <= k_b + brier_tolerance,
            f"Brier {c_b:.4f} worse than champion {k_b:.4f} (+{brier_tolerance})",
            f"Brier {c_b:.4f} vs champion {k_b:.4f}: not worse",
        ),
        (
            c_m <= k_m + mae_tolerance,
            f"MAE {c_m:.3f} worse than champion {k_m:.3f} by more than {mae_tolerance}",
            f"MAE {c_m:.3f} vs champion {k_m:.3f}: within {mae_tolerance}",
        ),
    ]
    reasons = [passed if ok else failed for ok, failed, passed in checks]
    return GateResult(all(ok for ok, _, _ in checks), reasons)


# ---------------------------------------------------------------- registry metadata
#
# What a registered version carries so that promotion in the MLflow UI is an informed click:
# tags (searchable, shown in the version's table) and a markdown description rebuilt from them.

PENDING_BACKTEST = "pending: `nba-props promote --market {market}` adds it"


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None or math.isnan(value) else format(value, spec)


def holdout_line_numbers(holdout: pd.DataFrame) -> dict[str, float]:
    """MAE against the line and Brier against the market on the holdout rows with a real line.

    holdout: TrainedMarket.holdout (actual, line, predicted_mean, p_over, p_over_devig).
    """
    rows = holdout[holdout["line"].notna() & holdout["actual"].notna()] if len(holdout) else holdout
    if rows.empty or "p_over" not in rows:
        return {"n": 0.0}
    actual = rows["actual"].to_numpy(dtype=float)
    y = outcome_over(rows["actual"], rows["line"]).to_numpy()
    return {
        "n": float(len(rows)),
        "mae": float(np.mean(np.abs(rows["predicted_mean"].to_numpy(dtype=float) - actual))),
        "line_mae": float(np.mean(np.abs(rows["line"].to_numpy(dtype=float) - actual))),
        "brier": brier(rows["p_over"].to_numpy(dtype=float), y),
        "market_brier": brier(rows["p_over_devig"].to_numpy(dtype=float), y),
    }


def registration_tags(
    market: str,
    data_window: dict[str, str],
    holdout: dict[str, float],
    feature_version: str,
    code_version: str,
) -> dict[str, str]:
    """Version tags known at registration: training window, feature and code version, holdout numbers."""
    tags = {
        "market": market,
        "training.start": data_window["start"],
        "training.end_exclusive": data_window["end_exclusive"],
        "training.first_date": data_window.get("first_date", ""),
        "training.last_date": data_window.get("last_date", ""),
        "training.rows": data_window.get("rows", ""),
        "feature_version": feature_version,
        "code_version": code_version,
        "holdout.n": str(int(holdout.get("n", 0))),
        "backtest.status": PENDING_BACKTEST.format(market=market),
        "gate.verdict": "not run",
    }
    for key in ("mae", "line_mae", "brier", "market_brier"):
        if key in holdout and not math.isnan(holdout[key]):
            tags[f"holdout.{key}"] = f"{holdout[key]:.4f}"
    return tags


def backtest_tags(metrics: dict[str, Any], window: tuple[str, str | None]) -> dict[str, str]:
    """The version's own numbers on the real lines after its training window (`evaluate` output)."""
    out = {
        "backtest.status": "done",
        "backtest.window": f"{window[0]}..{window[1] or ''}",
        "backtest.n": str(int(metrics.get("n", 0))),
    }
    for key, name in (
        ("mae", "mae"),
        ("market_mae", "line_mae"),
        ("brier", "brier"),
        ("market_brier", "market_brier"),
    ):
        value = metrics.get(key)
        if value is not None and not math.isnan(float(value)):
            out[f"backtest.{name}"] = f"{float(value):.4f}"
    return out


def gate_tags(
    gate: GateResult,
    verdict: str,
    at: str,
    champion_version: str,
    challenger: dict[str, Any],
    champion: dict[str, Any],
    rule: str,
) -> dict[str, str]:
    """The gate verdict (pass / fail / not run), when, against which champion, the numbers and reasons."""
    tags = {
        "gate.verdict": verdict,
        "gate.at": at,
        "gate.champion_version": champion_version,
        "gate.rule": rule,
        "gate.reasons": "; ".join(gate.reasons),
    }
    for side, metrics in (("challenger", challenger), ("champion", champion)):
        for key in ("n", "mae", "brier"):
            value = metrics.get(key)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                tags[f"gate.{side}_{key}"] = (
                    str(int(value)) if key == "n" else f"{float(value):.4f}"
                )
    return tags


def _tag_float(tags: dict[str, str], key: str) -> float | None:
    try:
        return float(tags[key])
    except (KeyError, ValueError):
        return None


def version_description(name: str, version: str, tags: dict[str, str]) -> str:
    """The version's markdown description, rebuilt from its tags (registration, backtest, gate)."""
    t = tags.get
    lines = [
        f"**{name} v{version}** ({t('market', '?')}): trained on games "
        f"{t('training.start', '?')} .. before {t('training.end_exclusive', '?')} "
        f"({t('training.rows', '?')} rows, {t('training.first_date', '?')}..{t('training.last_date', '?')}); "
        f"features {t('feature_version', '?')}, code {t('code_version', '?')}.",
        "",
        f"- Holdout (last 20% of training dates; the line anchor and calibrator are fitted on "
        f"these rows): n={t('holdout.n', '0')}, MAE {_fmt(_tag_float(tags, 'holdout.mae'), '.3f')} "
        f"vs the line {_fmt(_tag_float(tags, 'holdout.line_mae'), '.3f')}, Brier "
        f"{_fmt(_tag_float(tags, 'holdout.brier'), '.4f')} vs the market "
        f"{_fmt(_tag_float(tags, 'holdout.market_brier'), '.4f')}.",
    ]
    if t("backtest.status") == "done":
        lines.append(
            f"- Backtest on real lines after training ({t('backtest.window', '?')}): "
            f"n={t('backtest.n', '0')}, MAE {_fmt(_tag_float(tags, 'backtest.mae'), '.3f')} vs the "
            f"line {_fmt(_tag_float(tags, 'backtest.line_mae'), '.3f')}, Brier "
            f"{_fmt(_tag_float(tags, 'backtest.brier'), '.4f')} vs the market "
            f"{_fmt(_tag_float(tags, 'backtest.market_brier'), '.4f')}."
        )
    else:
        lines.append(f"- Backtest: {t('backtest.status', 'not run')}.")
    verdict = t("gate.verdict", "not run")
    if verdict in ("pass", "fail"):
        lines.append(
            f"- Promotion gate {verdict.upper()} at {t('gate.at', '?')} against champion "
            f"v{t('gate.champion_version', '?')} ({t('gate.rule', '')}):"
        )
        lines += [f"  - {reason}" for reason in t("gate.reasons", "").split("; ") if reason]
    else:
        lines.append(
            f"- Promotion gate: {verdict}"
            + (f" ({t('gate.reasons')})" if t("gate.reasons") else "")
            + "."
        )
    return "\n".join(lines)
