"""Matplotlib figures of model evaluation (written to a path; the caller logs or shows them)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from models.evaluation import outcome_over  # noqa: E402

BINS = np.linspace(0.0, 1.0, 11)


def reliability_table(p: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Mean predicted probability, observed frequency and n per probability decile."""
    ok = np.isfinite(p) & np.isfinite(y)
    frame = pd.DataFrame({"p": p[ok], "y": y[ok]})
    frame["bin"] = pd.cut(frame["p"], list(BINS), include_lowest=True)
    table = frame.groupby("bin", observed=True).agg(
        predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size")
    )
    return table.reset_index()


def calibration_plot(rows: pd.DataFrame, path: Path, title: str) -> Path:
    """Reliability diagram of raw, calibrated and market P(over) on rows with a real line."""
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    r = rows[rows["line"].notna()] if "line" in rows else rows.iloc[0:0]
    y = outcome_over(r["actual"], r["line"]).to_numpy() if len(r) else np.zeros(0)
    for col, label in (
        ("p_over_raw", "model (raw)"),
        ("p_over", "model (calibrated)"),
        ("p_over_devig", "market"),
    ):
        if col in r and len(r):
            t = reliability_table(r[col].to_numpy(dtype=float), y)
            ax.plot(t["predicted"], t["observed"], marker="o", label=f"{label}")
    ax.set_xlabel("predicted P(over)")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"{title} (n={len(r)})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
