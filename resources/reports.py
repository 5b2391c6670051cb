"""Monitoring reports: drift per market, coverage and performance per market, as Evidently pages.

Each report is one self-contained HTML file: Evidently's widgets of every snapshot rendered on
one page with its JavaScript inlined once (`render_widgets`), our tables as plain HTML with
inline CSS; nothing is loaded from the network. Each builder returns the key numbers as
JSON-native values, each with its n (the monitor task logs the numeric ones to MLflow and links
the HTML as a Prefect artifact). Evidently is imported lazily: it takes seconds to import.
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.evaluation import brier
from models.exports import coverage_ratio

# Our tables only (scoped so Evidently's own page keeps its look).
_CSS = (
    ".np{font-family:system-ui,sans-serif;margin:24px;color:#222}"
    ".np table{border-collapse:collapse;margin:8px 0 24px}"
    ".np th,.np td{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    ".np th{background:#f3f3f3}.np tr.bad td{background:#fde2e2}"
    ".np .callout{border-left:6px solid #2a7;padding:8px 12px;background:#f3faf6}"
    ".np .callout.bad{border-color:#c33;background:#fdf0f0}"
)
MAX_REFERENCE_ROWS = 5000  # drift reference rows sampled per market (fixed seed)
PREDICTION_COLUMNS = ("predicted_mean", "p_over")
TRAINING_WINDOW = "champion training window"
TRAILING_WINDOW = "trailing window"
NO_REFERENCE = "none"
PDC = "player_daily_cache"
# Per-market numbers shown in the Prefect artifact of each report.
ARTIFACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "drift": (
        "n_current",
        "n_drifted",
        "n_columns",
        "share_drifted",
        "predicted_mean_drift_score",
        "p_over_drift_score",
        "reference_source",
    ),
    "performance": ("n", "mae", "mae_on_lines", "line_mae", "hit_rate", "brier", "market_brier"),
}


# ---------------------------------------------------------------- HTML


def _num(value: Any) -> float | None:
    """A float, or None for NaN/NA/None."""
    if value is None or value is pd.NA:
        return None
    f = float(value)
    return None if math.isnan(f) else f


def _cell(value: Any) -> str:
    """One escaped table cell: floats to 4 significant digits, missing values empty."""
    if isinstance(value, list | tuple):
        return html.escape(", ".join(str(v) for v in value))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(f"{value:.4g}" if isinstance(value, float) else str(value))


def _table(frame: pd.DataFrame, bad: pd.Series | None = None) -> str:
    """An HTML table of `frame` (values escaped; rows flagged in `bad` highlighted)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cls = ' class="bad"' if bad is not None and bool(bad.iloc[i]) else ""
        rows.append(f"<tr{cls}>{''.join(f'<td>{_cell(v)}</td>' for v in row)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _section(title: str, body: str) -> str:
    """A titled block of our HTML."""
    return f'<section class="np"><h2>{html.escape(title)}</h2>{body}</section>'


def _para(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _page(title: str, sections: list[str]) -> str:
    """A complete self-contained HTML page without Evidently."""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1 class='np'>{html.escape(title)}</h1>"
        f"{''.join(sections)}</body></html>"
    )


def _write(path: str | Path, text: str) -> Path:
    """Write the HTML file (creating its folder)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def _insert(page: str, marker: str, text: str, after: bool) -> str:
    """`text` placed right after (or before) the first (last) `marker`; appended when absent."""
    at = page.find(marker) if after else page.rfind(marker)
    if at < 0:
        return page + text
    at = at + len(marker) if after else at
    return page[:at] + text + page[at:]


def _evidently_page(
    title: str, groups: Sequence[tuple[str, Any]], before: list[str], after: list[str]
) -> str:
    """One page: our `before` sections, each snapshot as a titled Evidently group, our `after` sections.

    Evidently's JavaScript is inlined once for all groups (one 3.5 MB bundle, not one per market).
    """
    if not groups:
        return _page(title, before + after)
    from evidently.core.metric_types import render_widgets
    from evidently.legacy.renderers.html_widgets import group_widget

    widgets = [
        group_widget(title=name, widgets=list(snapshot.to_snapshot_model().widgets))
        for name, snapshot in groups
    ]
    page = render_widgets(widgets)
    head = f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
    page = _insert(page, "<head>", head, after=True)
    page = _insert(
        page, "<body>", f"<h1 class='np'>{html.escape(title)}</h1>{''.join(before)}", True
    )
    return _insert(page, "</body>", "".join(after), after=False)


# ---------------------------------------------------------------- drift


@dataclass(frozen=True)
class Reference:
    """Reference rows and where they came from (source, first and last date)."""

    rows: pd.DataFrame
    source: str  # TRAINING_WINDOW, TRAILING_WINDOW or NO_REFERENCE
    start: str | None = None
    end: str | None = None
    note: str = ""

    def describe(self) -> str:
        window = f" {self.start}..{self.end}" if self.start else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.source}{window}, {len(self.rows)} rows{note}"


@dataclass(frozen=True)
class MarketDrift:
    """One market's inputs: today's feature and prediction rows, each with its reference."""

    market: str
    features: pd.DataFrame
    feature_reference: Reference
    predictions: pd.DataFrame
    prediction_reference: Reference
    champion: str = ""  # "name vN" of the model whose training window was asked for


def numeric_feature_columns(current: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Numeric (non-bool) columns present in both frames with at least one value in each."""
    cols = current.select_dtypes("number").columns.intersection(
        reference.select_dtypes("number").columns
    )
    return [c for c in cols if current[c].notna().any() and reference[c].notna().any()]


def _column_drifted(method: str, threshold: float, score: float) -> bool:
    """Evidently's rule: a p-value drifts below the threshold, a distance at or above it."""
    return score < threshold if "p_value" in method else score >= threshold


def _sample(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """At most n rows (a fixed-seed sample: the same inputs give the same report)."""
    return frame.sample(n=n, random_state=0) if len(frame) > n else frame


def _drift_snapshot(
    current: pd.DataFrame, reference: pd.DataFrame, cols: list[str], drift_share: float
) -> Any:
    """Evidently DataDriftPreset of `cols` (as floats), current against reference."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=cols)
    cur = Dataset.from_pandas(
        current[cols].astype(float).reset_index(drop=True), data_definition=definition
    )
    ref = Dataset.from_pandas(
        reference[cols].astype(float).reset_index(drop=True), data_definition=definition
    )
    return Report([DataDriftPreset(columns=cols, drift_share=drift_share)]).run(cur, ref)


def drift_columns(snapshot: Any) -> pd.DataFrame:
    """Per column of a drift snapshot: method, threshold, score, drifted."""
    rows = []
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            score, threshold = float(metric["value"]), float(config["threshold"])
            rows.append(
                {
                    "column": str(config["column"]),
                    "method": str(config["method"]),
                    "threshold": threshold,
                    "score": score,
                    "drifted": _column_drifted(config["method"], threshold, score),
                }
            )
    return pd.DataFrame(rows, columns=["column", "method", "threshold", "score", "drifted"])


def _usable(current: pd.DataFrame, reference: pd.DataFrame, wanted: Sequence[str]) -> list[str]:
    """The wanted columns with a value on both sides."""
    have = set(numeric_feature_columns(current, reference))
    return [c for c in wanted if c in have]


def _feature_drift(
    m: MarketDrift, columns: Sequence[str] | None, drift_share: float
) -> tuple[Any, dict[str, Any]]:
    """The market's feature-drift snapshot (None without rows) and its numbers."""
    ref = _sample(m.feature_reference.rows, MAX_REFERENCE_ROWS)
    wanted = columns if columns is not None else numeric_feature_columns(m.features, ref)
    cols = _usable(m.features, ref, wanted) if len(m.features) and len(ref) else []
    numbers: dict[str, Any] = {
        "n_current": len(m.features),
        "n_reference": len(ref),
        "n_reference_available": len(m.feature_reference.rows),
        "reference_source": m.feature_reference.source,
        "reference_window": [m.feature_reference.start, m.feature_reference.end],
        "n_columns": len(cols),
    }
    if not cols:
        return None, numbers | {"status": "no current or reference rows"}
    snapshot = _drift_snapshot(m.features, ref, cols, drift_share)
    per_column = drift_columns(snapshot)
    n_drifted = int(per_column["drifted"].sum())
    share = n_drifted / len(cols)
    return snapshot, numbers | {
        "status": "ok",
        "n_drifted": n_drifted,
        "share_drifted": share,
        "dataset_drift": share >= drift_share,
        "drifted_columns": sorted(per_column.loc[per_column["drifted"], "column"]),
        "columns": per_column,
    }


def _prediction_drift(m: MarketDrift) -> tuple[Any, dict[str, Any]]:
    """The market's prediction-drift snapshot (predicted_mean, p_over) and its numbers."""
    ref = _sample(m.prediction_reference.rows, MAX_REFERENCE_ROWS)
    cols = (
        _usable(m.predictions, ref, PREDICTION_COLUMNS) if len(m.predictions) and len(ref) else []
    )
    numbers: dict[str, Any] = {
        "predictions_n_current": len(m.predictions),
        "predictions_n_reference": len(ref),
        "predictions_reference_source": m.prediction_reference.source,
        "predictions_reference_window": [m.prediction_reference.start, m.prediction_reference.end],
    }
    if not cols:
        return None, numbers
    snapshot = _drift_snapshot(m.predictions, ref, cols, 0.5)
    for row in drift_columns(snapshot).to_dict("records"):
        numbers[f"{row['column']}_drift_score"] = row["score"]
        numbers[f"{row['column']}_drift_method"] = row["method"]
        numbers[f"{row['column']}_drifted"] = bool(row["drifted"])
    return snapshot, numbers


def _drift_summary_table(markets: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per market: rows, reference, drifted share and the prediction drift scores."""
    rows = [
        {
            "market": market,
            "champion": n.get("champion", ""),
            "status": n.get("status"),
            "rows today": n["n_current"],
            "feature reference": f"{n['reference_source']} {n['reference_window'][0] or ''}"
            f"..{n['reference_window'][1] or ''}",
            "reference rows (sampled/available)": f"{n['n_reference']}/{n['n_reference_available']}",
            "features drifted": f"{n.get('n_drifted', 0)}/{n['n_columns']}",
            "share drifted": n.get("share_drifted"),
            "dataset drift": n.get("dataset_drift"),
            "prediction reference": f"{n['predictions_reference_source']} "
            f"{n['predictions_reference_window'][0] or ''}..{n['predictions_reference_window'][1] or ''}",
            "predicted_mean score": n.get("predicted_mean_drift_score"),
            "p_over score": n.get("p_over_drift_score"),
        }
        for market, n in markets.items()
    ]
    return pd.DataFrame(rows)


def drift_report(
    markets: Sequence[MarketDrift],
    path: str | Path,
    title: str = "Drift",
    drift_share: float = 0.5,
    columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Feature and prediction drift per market (Evidently DataDriftPreset), one page, one section per market.

    `columns`: the feature columns to compare (default: every numeric column both sides hold).
    Reference rows beyond MAX_REFERENCE_ROWS are sampled with a fixed seed.
    """
    groups: list[tuple[str, Any]] = []
    per_market: dict[str, dict[str, Any]] = {}
    details: list[str] = []
    for m in markets:
        features_snapshot, numbers = _feature_drift(m, columns, drift_share)
        predictions_snapshot, prediction_numbers = _prediction_drift(m)
        numbers |= prediction_numbers | {"champion": m.champion}
        table = numbers.pop("columns", None)
        if features_snapshot is not None:
            groups.append(
                (
                    f"{m.market}: feature drift vs {m.feature_reference.describe()}",
                    features_snapshot,
                )
            )
        if predictions_snapshot is not None:
            groups.append(
                (
                    f"{m.market}: prediction drift vs {m.prediction_reference.describe()}",
                    predictions_snapshot,
                )
            )
        body = _para(
            f"Features: {m.feature_reference.describe()}. "
            f"Predictions: {m.prediction_reference.describe()}. Champion: {m.champion or 'none'}."
        )
        if table is not None:
            body += _table(table, table["drifted"])
        details.append(_section(f"{m.market}: drift per feature column", body))
        per_market[m.market] = numbers
    summary = _drift_summary_table(per_market)
    intro = _para(
        "Each market's rows of the day against its reference: the champion's training window "
        "read from ml_feature_store / player_prop_predictions when they hold it, else the "
        f"trailing window before the day. A dataset drifts when at least {drift_share:.0%} of "
        f"its columns drift; at most {MAX_REFERENCE_ROWS} reference rows are sampled."
    )
    page = _evidently_page(
        title,
        groups,
        [_section("Per market", intro + _table(summary, summary["dataset drift"] == True))],  # noqa: E712
        details,
    )
    _write(path, page)
    reported = [n for n in per_market.values() if n.get("status") == "ok"]
    return {
        "n_markets": len(per_market),
        "n_markets_reported": len(reported),
        "n_markets_dataset_drift": sum(bool(n["dataset_drift"]) for n in reported),
        "max_share_drifted": max((n["share_drifted"] for n in reported), default=None),
        "drift_share": drift_share,
        "markets": per_market,
    }


# ---------------------------------------------------------------- coverage


def _feature_summary(features: pd.DataFrame, columns: list[str]) -> tuple[Any, pd.DataFrame]:
    """Evidently dataset summary of the feature rows (rows, columns, missing cells) and missing values
    per column.

    Not DataSummaryPreset: its per-column value statistics cost ~4 s per daily run on 2 cores and
    the drift report already compares every feature's distribution with the reference window.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ColumnCount, DatasetMissingValueCount, MissingValueCount, RowCount

    definition = DataDefinition(numerical_columns=columns)
    metrics = [RowCount(), ColumnCount(), DatasetMissingValueCount()]
    metrics += [MissingValueCount(column=c) for c in columns]
    with warnings.catch_warnings():  # Evidently's statistics of an all-missing column divide by 0
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        data = Dataset.from_pandas(
            features[columns].astype(float).reset_index(drop=True), data_definition=definition
        )
        snapshot = Report(metrics).run(data, None)
    missing = [
        {
            "column": str(metric["config"]["column"]),
            "missing": int(metric["value"]["count"]),
            "share": float(metric["value"]["share"]),
        }
        for metric in snapshot.dict()["metrics"]
        if metric["config"]["type"].endswith(":MissingValueCount")
    ]
    frame = pd.DataFrame(missing, columns=["column", "missing", "share"])
    return snapshot, frame.sort_values(
        ["share", "column"], ascending=[False, True], kind="mergesort"
    )


def _coverage_frame(coverage_frame: pd.DataFrame) -> pd.DataFrame:
    """Coverage rows with a ratio, sorted by table and date."""
    cov = coverage_frame.copy()
    if "ratio" not in cov:
        cov["ratio"] = coverage_ratio(cov["expected"], cov["actual"])
    cov["game_date"] = pd.to_datetime(cov["game_date"]).dt.normalize()
    return cov.sort_values(["table", "game_date"], kind="mergesort").reset_index(drop=True)


def _by_table(cov: pd.DataFrame, below: pd.Series) -> pd.DataFrame:
    """Per table over the window: dates, expected and actual sums, min ratio, dates below."""
    return (
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


def _pdc_callout(day_rows: pd.DataFrame, threshold: float, day: str) -> tuple[str, dict[str, Any]]:
    """The player_daily_cache line of the day: players with history against the expected players."""
    row = day_rows[day_rows["table"] == PDC]
    if row.empty:
        return (
            f"<p class='callout bad'>{PDC}: no coverage row on {html.escape(day)}.</p>",
            {},
        )
    r = row.iloc[0]
    ratio = _num(r["ratio"])
    low = ratio is None or ratio < threshold
    text = (
        f"{PDC} on {day}: {int(r['actual'])} of {int(r['expected'])} expected players have "
        f"history ({'n/a' if ratio is None else f'{ratio:.0%}'}; threshold {threshold:.0%})"
        + (" - BELOW THRESHOLD" if low else "")
    )
    numbers = {
        f"{PDC}_expected": int(r["expected"]),
        f"{PDC}_actual": int(r["actual"]),
        f"{PDC}_ratio": ratio,
    }
    return f"<p class='callout{' bad' if low else ''}'>{html.escape(text)}</p>", numbers


def coverage_report(
    coverage_frame: pd.DataFrame,
    path: str | Path,
    threshold: float = 0.95,
    features: pd.DataFrame | None = None,
    day: Any = None,
    feature_columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Row counts per precompute table against the expected players, player_daily_cache called out,
    and (with the day's feature-store rows) Evidently's dataset summary and missing values per feature.

    coverage_frame: columns table, game_date, expected, actual (ratio computed when absent);
    `day` (default: the last date) is the date the callout and the feature summary are about.
    """
    cov = _coverage_frame(coverage_frame)
    below = cov["ratio"].isna() | (cov["ratio"] < threshold)
    dates = cov["game_date"]
    the_day = pd.Timestamp(day).normalize() if day is not None else dates.max()
    day_label = the_day.strftime("%Y-%m-%d") if len(cov) or day is not None else "n/a"
    day_rows = cov[dates == the_day]
    callout, pdc_numbers = _pdc_callout(day_rows, threshold, day_label)
    shown = cov[["table", "game_date", "expected", "actual", "ratio"]].assign(
        game_date=dates.dt.strftime("%Y-%m-%d")
    )
    by_table = _by_table(cov, below)
    day_below = below[dates == the_day].reset_index(drop=True)
    before = [
        _section(
            f"Row counts per precompute table on {day_label} against the expected players",
            callout + _table(day_rows[["table", "expected", "actual", "ratio"]], day_below),
        ),
        _section(
            "Per table over the window",
            _para(
                f"{len(cov)} table-dates, {int(below.sum())} below the threshold {threshold:.0%} "
                "(highlighted; a ratio is empty when rows came that the schedule did not imply)."
            )
            + _table(by_table, by_table["dates_below"] > 0),
        ),
    ]
    after = [_section("Per table and date", _table(shown, below))]
    numbers: dict[str, Any] = {
        "n_rows": len(cov),
        "min_ratio": _num(cov["ratio"].min()) if len(cov) else None,
        "threshold": threshold,
        "n_below": int(below.sum()),
        "tables_below_threshold": sorted(cov.loc[below, "table"].astype(str).unique()),
        "date_min": dates.min().strftime("%Y-%m-%d") if len(cov) else None,
        "date_max": dates.max().strftime("%Y-%m-%d") if len(cov) else None,
        **pdc_numbers,
        "feature_rows": 0 if features is None else len(features),
    }
    groups: list[tuple[str, Any]] = []
    cols = (
        []
        if features is None or features.empty
        else [
            c
            for c in (feature_columns or features.select_dtypes("number").columns)
            if c in features.columns
        ]
    )
    if cols:
        assert features is not None
        snapshot, missing = _feature_summary(features, cols)
        groups.append((f"ml_feature_store on {day_label}: dataset summary", snapshot))
        with_missing = missing[missing["missing"] > 0]
        before.append(
            _section(
                f"Missing values per feature in ml_feature_store on {day_label}",
                _para(
                    f"{len(features)} rows, {len(cols)} feature columns, "
                    f"{len(with_missing)} with missing values (Evidently MissingValueCount)."
                )
                + _table(missing, missing["missing"] > 0),
            )
        )
        numbers |= {
            "feature_columns": len(cols),
            "features_with_missing": len(with_missing),
            "max_missing_share": _num(missing["share"].max()),
            "missing_share": float(missing["missing"].sum() / (len(features) * len(cols))),
            "missing_by_feature": {
                str(r["column"]): float(r["share"]) for r in with_missing.to_dict("records")
            },
        }
    else:
        before.append(
            _section(
                "Missing values per feature",
                _para(f"No ml_feature_store rows on {day_label}: no dataset summary."),
            )
        )
    _write(path, _evidently_page(f"Coverage {day_label}", groups, before, after))
    return numbers


# ---------------------------------------------------------------- performance

_DAILY_COLUMNS = ["game_date", "n", "mae", "rolling_n", "rolling_mae"]


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


def _scored(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with an actual, with their absolute error."""
    return frame.dropna(subset=["actual"]).assign(
        abs_error=lambda d: (d["predicted_mean"] - d["actual"]).abs()
    )


def _daily_mae(scored: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """MAE per date and over the trailing `window_days` dates with predictions (weighted by n)."""
    if scored.empty:
        return pd.DataFrame(columns=_DAILY_COLUMNS)
    daily = (
        scored.groupby("game_date")["abs_error"].agg(n="size", abs_error_sum="sum").reset_index()
    )
    rolled = daily[["n", "abs_error_sum"]].rolling(window_days, min_periods=1).sum()
    daily["mae"] = daily["abs_error_sum"] / daily["n"]
    daily["rolling_n"] = rolled["n"].astype(int)
    daily["rolling_mae"] = rolled["abs_error_sum"] / rolled["n"]
    daily["game_date"] = daily["game_date"].dt.strftime("%Y-%m-%d")
    return daily[_DAILY_COLUMNS]


def calibration_numbers(frame: pd.DataFrame, n_buckets: int = 10) -> dict[str, Any]:
    """Brier of p_over (and of the market's p_over_market on the same rows), calibration error, n."""
    known = frame.dropna(subset=["p_over", "went_over"])
    if known.empty:
        return {"n_calibration": 0, "brier": None, "market_brier": None, "calibration_error": None}
    y = known["went_over"].astype(float).to_numpy()
    calib = calibration_table(known, n_buckets)
    ece = float((calib["n"] * (calib["mean_p_over"] - calib["observed_over_rate"]).abs()).sum())
    market = (
        known["p_over_market"].astype(float).to_numpy()
        if "p_over_market" in known
        else np.full(len(known), np.nan)
    )
    paired = np.isfinite(market)
    return {
        "n_calibration": len(known),
        "brier": brier(known["p_over"].astype(float).to_numpy(), y),
        "calibration_error": ece / len(known),
        "n_market": int(paired.sum()),
        "brier_on_market_rows": _num(
            brier(known["p_over"].astype(float).to_numpy()[paired], y[paired])
        ),
        "market_brier": _num(brier(market, y)),
    }


def line_numbers(scored: pd.DataFrame) -> dict[str, Any]:
    """MAE against the line: the model's and the line's MAE on rows with a line and an actual."""
    on_lines = scored[scored["line"].notna()]
    if on_lines.empty:
        return {"n_line": 0, "mae_on_lines": None, "line_mae": None, "mae_vs_line": None}
    mae = float(on_lines["abs_error"].mean())
    line_mae = float((on_lines["line"] - on_lines["actual"]).abs().mean())
    return {
        "n_line": len(on_lines),
        "mae_on_lines": mae,
        "line_mae": line_mae,
        "mae_vs_line": mae - line_mae,
    }


def bet_numbers(frame: pd.DataFrame) -> dict[str, Any]:
    """OVER/UNDER calls decided win or loss, and the share won."""
    decided = frame[frame["result"].isin(["win", "loss"])]
    n = len(decided)
    return {"n_bets": n, "hit_rate": float((decided["result"] == "win").mean()) if n else None}


def _market_numbers(frame: pd.DataFrame, n_buckets: int) -> dict[str, Any]:
    """MAE, MAE against the line, hit rate and calibration of one slice of the evaluation frame."""
    scored = _scored(frame)
    return {
        "n": len(scored),
        "mae": _num(scored["abs_error"].mean()) if len(scored) else None,
        **line_numbers(scored),
        **bet_numbers(frame),
        **calibration_numbers(frame, n_buckets),
    }


def _regression_snapshot(scored: pd.DataFrame) -> Any:
    """Evidently RegressionPreset of predicted_mean against the actual."""
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
        return Report([RegressionPreset()]).run(data, None)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _calibration_section(market: str, frame: pd.DataFrame, n: dict[str, Any], buckets: int) -> str:
    """One market's calibration: Brier against the market's, the error, the bucket table."""
    text = (
        f"n={n['n_calibration']}, Brier={_fmt(n['brier'], '.4f')} "
        f"(market {_fmt(n['market_brier'], '.4f')} on {n['n_market']} rows with a market price, "
        f"ours {_fmt(n['brier_on_market_rows'], '.4f')} on the same rows), "
        f"expected calibration error={_fmt(n['calibration_error'], '.4f')}"
        if n["n_calibration"]
        else "no rows with p_over and a decided over/under"
    )
    return _section(
        f"{market}: calibration of P(over)",
        _para(text) + _table(calibration_table(frame, buckets)),
    )


def performance_report(
    graded_frame: pd.DataFrame, path: str | Path, window_days: int = 7, n_buckets: int = 10
) -> dict[str, Any]:
    """Per market: MAE (and against the line), hit rate and calibration of P(over); rolling MAE;
    Evidently RegressionPreset per market.

    graded_frame: models.grading.evaluation_frame output (predicted_mean, actual, line, p_over,
    went_over, result per prediction; optional p_over_market). MAE uses every row with an actual,
    MAE against the line the rows with a line, hit rate the OVER/UNDER calls decided win or loss,
    calibration every row with p_over and a decided over/under.
    """
    frame = graded_frame.assign(game_date=pd.to_datetime(graded_frame["game_date"]).dt.normalize())
    scored = _scored(frame)
    daily = _daily_mae(scored, window_days)
    markets = {str(m): _market_numbers(rows, n_buckets) for m, rows in frame.groupby("market")}
    table = pd.DataFrame([{"market": m, **n} for m, n in markets.items()])
    groups = [
        (f"{m}: predicted_mean against the actual (n={len(rows)})", _regression_snapshot(rows))
        for m, rows in scored.groupby("market")
        if len(rows) >= 2
    ]
    before = [
        _section(
            "Per market: MAE, MAE against the line, hit rate, Brier against the market",
            _para("mae_vs_line < 0: the model was closer to the actual than the line was.")
            + (_table(table) if len(table) else _para("no graded predictions")),
        ),
        _section(f"MAE by date (rolling over {window_days} dates)", _table(daily)),
    ]
    after = [
        _calibration_section(m, frame[frame["market"] == m], n, n_buckets)
        for m, n in markets.items()
    ]
    _write(path, _evidently_page("Model performance", groups, before, after))
    overall = _market_numbers(frame, n_buckets)
    calib = calibration_table(frame, n_buckets)
    return {
        **overall,
        "window_days": window_days,
        "rolling_n": int(daily["rolling_n"].iloc[-1]) if len(daily) else 0,
        "rolling_mae": _num(daily["rolling_mae"].iloc[-1]) if len(daily) else None,
        "calibration": [
            {k: (_num(v) if k != "n" else int(v)) for k, v in row.items()}
            for row in calib.to_dict("records")
        ],
        "markets": markets,
        "date_min": frame["game_date"].min().strftime("%Y-%m-%d") if len(frame) else None,
        "date_max": frame["game_date"].max().strftime("%Y-%m-%d") if len(frame) else None,
    }


# ---------------------------------------------------------------- key numbers


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float | bool) and not (
        isinstance(value, float) and math.isnan(value)
    )


def report_metrics(kind: str, numbers: dict[str, Any]) -> dict[str, float]:
    """The numeric key numbers of a report as MLflow metrics: {kind}_{name}, per market {kind}_{market}_{name}."""
    metrics = {f"{kind}_{k}": float(v) for k, v in numbers.items() if _numeric(v)}
    for market, values in numbers.get("markets", {}).items():
        metrics |= {f"{kind}_{market}_{k}": float(v) for k, v in values.items() if _numeric(v)}
    return metrics


def _markdown_cell(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def artifact_description(kind: str, day: date, numbers: dict[str, Any]) -> str:
    """Markdown of a report's key numbers per market (the Prefect link artifact's description)."""
    columns = ARTIFACT_COLUMNS.get(kind)
    markets = numbers.get("markets", {})
    lines = [f"**{kind} report {day}**"]
    if kind == "coverage":
        ratio = numbers.get("player_daily_cache_ratio")
        lines.append(
            f"player_daily_cache {numbers.get('player_daily_cache_actual', 'n/a')}/"
            f"{numbers.get('player_daily_cache_expected', 'n/a')} ({_markdown_cell(ratio)}); "
            f"tables below threshold: {', '.join(numbers.get('tables_below_threshold', [])) or 'none'}; "
            f"features with missing values: {numbers.get('features_with_missing', 'n/a')}"
        )
    if columns and markets:
        lines += ["", "| market | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
        lines += [
            f"| {m} | " + " | ".join(_markdown_cell(values.get(c)) for c in columns) + " |"
            for m, values in markets.items()
        ]
    return "\n".join(lines)
