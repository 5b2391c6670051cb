"""The promotion gate: may a challenger replace the champion? Decided on the same real-line rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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
    reasons: list[str] = []
    ok = True
    n = int(challenger.get("n", 0))
    if n < min_rows:
        ok = False
        reasons.append(f"only {n} real-line rows in the window (need {min_rows})")
    else:
        reasons.append(f"n={n} real-line rows (>= {min_rows})")
    c_b, k_b = float(challenger.get("brier", math.nan)), float(champion.get("brier", math.nan))
    if not (c_b <= k_b + brier_tolerance):
        ok = False
        reasons.append(f"Brier {c_b:.4f} worse than champion {k_b:.4f} (+{brier_tolerance})")
    else:
        reasons.append(f"Brier {c_b:.4f} vs champion {k_b:.4f}: not worse")
    c_m, k_m = float(challenger.get("mae", math.nan)), float(champion.get("mae", math.nan))
    if not (c_m <= k_m + mae_tolerance):
        ok = False
        reasons.append(f"MAE {c_m:.3f} worse than champion {k_m:.3f} by more than {mae_tolerance}")
    else:
        reasons.append(f"MAE {c_m:.3f} vs champion {k_m:.3f}: within {mae_tolerance}")
    return GateResult(ok, reasons)
