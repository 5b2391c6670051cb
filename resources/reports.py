"""Monitoring reports: feature drift (Evidently DataDriftPreset), coverage, and model performance.

Each function writes one self-contained HTML file (Evidently inlines its JavaScript; our own
sections are plain HTML + inline CSS; nothing is loaded from the network) and returns the key
numbers as JSON-native values, each with its n (the flow logs the numeric ones to MLflow and links
the HTML as a Prefect artifact). Evidently is imported lazily: it takes seconds to import.
"""

from __future__ import annotations

import html
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.exports import coverage_ratio

_CSS = (
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222}"
    "table{border-collapse:collapse;margin:8px 0 24px}"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    "th{background:#f3f3f3}td.l,th.l{text-align:left}tr.bad td{background:#fde2e2}"
)


def _num(value: Any) -> float | None:
    """A float, or None for NaN/NA/None."""
    if value is None or value is pd.NA:
        return None
    f = float(value)
    return None if math.isnan(f) else f


def _table(frame: pd.DataFrame, bad: pd.Series | None = None) -> str:
    """An HTML table of `frame` (values escaped; rows flagged in `bad` highlighted)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, (_, row) in enumerate(frame.iterrows()):
        cls = ' class="bad"' if bad is not None and bool(bad.iloc[i]) else ""
        cells = "".join(
            f"<td>{html.escape('' if pd.isna(v) else f'{v:.4g}' if isinstance(v, float) else str(v))}</td>"
            for v in row
        )
        rows.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _section(title: str, body: str) -> str:
    """A titled block of HTML."""
    return f'<section style="font-family:system-ui,sans-serif;margin:24px"><h2>{html.escape(title)}</h2>{body}</section>'


def _page(title: str, sections: list[str]) -> str:
    """A complete self-contained HTML page."""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>"
    )


def _write(path: str | Path, text: str) -> Path:
    """Write the HTML file (creating its folder)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def _with_sections(evidently_html: str, sections: list[str]) -> str:
    """Evidently's page with our sections placed before its closing body tag."""
    at = evidently_html.rfind("</body>")
    extra = "".join(sections)
    return evidently_html + extra if at < 0 else evidently_html[:at] + extra + evidently_html[at:]


def _evidently_html(snapshot: Any, path: Path) -> str:
    """Evidently's self-contained HTML of a snapshot."""
    snapshot.save_html(str(path))
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- drift


def numeric_feature_columns(current: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Numeric (non-bool) columns present in both frames with at least one value in each."""
    cols = current.select_dtypes("number").columns.intersection(
        reference.select_dtypes("number").columns
    )
    return [c for c in cols if current[c].notna().any() and reference[c].notna().any()]


def _column_drifted(method: str, threshold: float, score: float) -> bool:
    """Evidently's rule: a p-value drifts below the threshold, a distance at or above it."""
    return score < threshold if "p_value" in method else score >= threshold


def feature_drift_report(
    current: pd.DataFrame,
    reference: pd.DataFrame,
    path: str | Path,
    drift_share: float = 0.5,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    """Evidently DataDriftPreset over the numeric feature columns; share and number drifted, dataset drift."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    cols = columns if columns is not None else numeric_feature_columns(current, reference)
    if not cols or current.empty or reference.empty:
        raise ValueError("drift report needs rows in both frames and at least one numeric column")
    definition = DataDefinition(numerical_columns=cols)
    cur = Dataset.from_pandas(current[cols].astype(float), data_definition=definition)
    ref = Dataset.from_pandas(reference[cols].astype(float), data_definition=definition)
    snapshot = Report([DataDriftPreset(columns=cols, drift_share=drift_share)]).run(cur, ref)

    per_column = []
    n_drifted, share = 0, 0.0
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            n_drifted, share = int(metric["value"]["count"]), float(metric["value"]["share"])
        elif config["type"].endswith("ValueDrift"):
            score = float(metric["value"])
            per_column.append(
                {
                    "column": config["column"],
                    "method": config["method"],
                    "threshold": float(config["threshold"]),
                    "score": score,
                    "drifted": _column_drifted(config["method"], float(config["threshold"]), score),
                }
            )
    out = Path(path)
    table = pd.DataFrame(per_column, columns=["column", "method", "threshold", "score", "drifted"])
    page = _with_sections(
        _evidently_html(snapshot, _write(out, "")),
        [_section("Drift per column", _table(table, table["drifted"]))],
    )
    _write(out, page)
    return {
        "n_columns": len(cols),
        "n_drifted": n_drifted,
        "share_drifted": share,
        "drift_share": drift_share,
        "dataset_drift": share >= drift_share,
        "drifted_columns": sorted(str(c["column"]) for c in per_column if c["drifted"]),
        "n_current": len(current),
        "n_reference": len(reference),
    }


# ---------------------------------------------------------------- coverage


def coverage_report(
    coverage_frame: pd.DataFrame, path: str | Path, threshold: float = 0.95
) -> dict[str, Any]:
    """Coverage per table and date (expected, actual, ratio) as an HTML table; min ratio and tables below threshold.

    coverage_frame: columns table, game_date, expected, actual (ratio computed when absent).
    """
    cov = coverage_frame.copy()
    if "ratio" not in cov:
        cov["ratio"] = coverage_ratio(cov["expected"], cov["actual"])
    cov = cov.sort_values(["table", "game_date"], kind="mergesort").reset_index(drop=True)
    below = cov["ratio"].isna() | (cov["ratio"] < threshold)
    by_table = (
        cov.assign(below=below)
        .groupby("table", as_index=False)
        .agg(
            dates=("game_date", "size"),
            expected=("expected", "sum"),
            actual=("actual", "sum"),
            min_ratio=("ratio", "min"),
            dates_below=("below", "sum"),
        )
    )
    shown = cov[["table", "game_date", "expected", "actual", "ratio"]].assign(
        game_date=pd.to_datetime(cov["game_date"]).dt.strftime("%Y-%m-%d")
    )
    dates = pd.to_datetime(cov["game_date"])
    summary = (
        f"<p>{len(cov)} table-dates, {int(below.sum())} below the threshold {threshold:.0%} "
        "(highlighted; a ratio is empty when rows came that the schedule did not imply).</p>"
    )
    _write(
        path,
        _page(
            "Coverage",
            [
                _section("Summary", summary + _table(by_table, by_table["dates_below"] > 0)),
                _section("Per table and date", _table(shown, below)),
            ],
        ),
    )
    return {
        "n_rows": len(cov),
        "min_ratio": _num(cov["ratio"].min()) if len(cov) else None,
        "threshold": threshold,
        "n_below": int(below.sum()),
        "tables_below_threshold": sorted(cov.loc[below, "table"].astype(str).unique()),
        "date_min": dates.min().strftime("%Y-%m-%d") if len(cov) else None,
        "date_max": dates.max().strftime("%Y-%m-%d") if len(cov) else None,
    }


# ---------------------------------------------------------------- performance


def calibration_table(frame: pd.DataFrame, n_buckets: int = 10) -> pd.DataFrame:
    """Predicted p_over buckets vs the observed over rate (rows with p_over and a decided over/under)."""
    known = frame.dropna(subset=["p_over", "went_over"])
    p = known["p_over"].astype(float)
    index = np.minimum(np.floor(p * n_buckets), n_buckets - 1).astype(int)
    table = (
        known.assign(bucket=index, p=p, over=known["went_over"].astype(float))
        .groupby("bucket")
        .agg(n=("over", "size"), mean_p_over=("p", "mean"), observed_over_rate=("over", "mean"))
        .reset_index()
    )
    table["bucket_lo"] = table["bucket"] / n_buckets
    table["bucket_hi"] = (table["bucket"] + 1) / n_buckets
    return table[["bucket_lo", "bucket_hi", "n", "mean_p_over", "observed_over_rate"]]


def _daily_mae(scored: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """MAE per date and over the trailing `window_days` dates with predictions (weighted by n)."""
    daily = (
        scored.groupby("game_date")["abs_error"].agg(n="size", abs_error_sum="sum").reset_index()
    )
    rolled = daily[["n", "abs_error_sum"]].rolling(window_days, min_periods=1).sum()
    daily["mae"] = daily["abs_error_sum"] / daily["n"]
    daily["rolling_n"] = rolled["n"].astype(int)
    daily["rolling_mae"] = rolled["abs_error_sum"] / rolled["n"]
    daily["game_date"] = daily["game_date"].dt.strftime("%Y-%m-%d")
    return daily[["game_date", "n", "mae", "rolling_n", "rolling_mae"]]


def performance_report(
    graded_frame: pd.DataFrame, path: str | Path, window_days: int = 7, n_buckets: int = 10
) -> dict[str, Any]:
    """Rolling MAE, hit rate on real lines and p_over calibration; Evidently RegressionPreset + tables.

    graded_frame: models.grading.evaluation_frame output (predicted_mean, actual, line, p_over,
    went_over, result per prediction). MAE uses every row with an actual; hit rate the OVER/UNDER
    calls decided win or loss; calibration every row with p_over and a decided over/under.
    """
    frame = graded_frame.assign(game_date=pd.to_datetime(graded_frame["game_date"]).dt.normalize())
    scored = frame.dropna(subset=["actual"]).assign(
        abs_error=lambda d: (d["predicted_mean"] - d["actual"]).abs()
    )
    decided = frame[frame["result"].isin(["win", "loss"])]
    calib = calibration_table(frame, n_buckets)
    known = frame.dropna(subset=["p_over", "went_over"])
    n_cal = len(known)
    brier = (
        float(((known["p_over"] - known["went_over"].astype(float)) ** 2).mean()) if n_cal else None
    )
    ece = (
        float(
            (calib["n"] * (calib["mean_p_over"] - calib["observed_over_rate"]).abs()).sum() / n_cal
        )
        if n_cal
        else None
    )
    daily = (
        _daily_mae(scored, window_days)
        if len(scored)
        else pd.DataFrame(columns=["game_date", "n", "mae", "rolling_n", "rolling_mae"])
    )
    segments = (
        frame.assign(
            abs_error=(frame["predicted_mean"] - frame["actual"]).abs(),
            win=(frame["result"] == "win").astype(int),
            decided=frame["result"].isin(["win", "loss"]).astype(int),
        )
        .groupby(["system_id", "market"], as_index=False)
        .agg(
            n=("abs_error", "count"),
            mae=("abs_error", "mean"),
            n_bets=("decided", "sum"),
            wins=("win", "sum"),
        )
    )
    segments["hit_rate"] = (segments["wins"] / segments["n_bets"]).where(segments["n_bets"] > 0)

    sections = [
        _section(f"MAE by date (rolling over {window_days} dates)", _table(daily)),
        _section("Per system and market", _table(segments)),
        _section(
            "Calibration: predicted p_over vs observed over rate",
            f"<p>n={n_cal}, Brier={brier if brier is None else f'{brier:.4f}'}, "
            f"expected calibration error={ece if ece is None else f'{ece:.4f}'}</p>"
            + _table(calib),
        ),
    ]
    out = Path(path)
    if len(scored) >= 2:
        from evidently import DataDefinition, Dataset, Regression, Report
        from evidently.presets import RegressionPreset

        definition = DataDefinition(
            numerical_columns=["actual", "predicted_mean"],
            regression=[Regression(target="actual", prediction="predicted_mean")],
        )
        data = Dataset.from_pandas(
            scored[["actual", "predicted_mean"]].astype(float).reset_index(drop=True),
            data_definition=definition,
        )
        with warnings.catch_warnings():  # Evidently's per-bin R2 warns on bins of one row
            warnings.filterwarnings("ignore", message="R\\^2 score is not well-defined")
            snapshot = Report([RegressionPreset()]).run(data, None)
        page = _with_sections(_evidently_html(snapshot, _write(out, "")), sections)
    else:
        page = _page("Model performance", sections)
    _write(out, page)

    n_bets = len(decided)
    return {
        "n": len(scored),
        "mae": _num(scored["abs_error"].mean()) if len(scored) else None,
        "window_days": window_days,
        "rolling_n": int(daily["rolling_n"].iloc[-1]) if len(daily) else 0,
        "rolling_mae": _num(daily["rolling_mae"].iloc[-1]) if len(daily) else None,
        "n_bets": n_bets,
        "hit_rate": float((decided["result"] == "win").mean()) if n_bets else None,
        "n_calibration": n_cal,
        "brier": brier,
        "calibration_error": ece,
        "calibration": [
            {k: (_num(v) if k != "n" else int(v)) for k, v in row.items()}
            for row in calib.to_dict("records")
        ],
        "date_min": frame["game_date"].min().strftime("%Y-%m-%d") if len(frame) else None,
        "date_max": frame["game_date"].max().strftime("%Y-%m-%d") if len(frame) else None,
    }
