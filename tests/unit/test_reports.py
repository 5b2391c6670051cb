"""Reports: HTML written and self-contained, numbers sane on real frames with and without a shift."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import erf

from models.grading import evaluation_frame
from resources.reports import coverage_report, feature_drift_report, performance_report
from tests.unit import phx_lac_2024_04_10 as game

LOGS = (
    Path(__file__).resolve().parents[2]
    / "data/player_game_logs/nba_player_game_logs_regular_season_2023-24.csv.gz"
)
FEATURES = ["MIN", "PTS", "REB", "AST"]


def _self_contained(path: Path) -> str:
    text = path.read_text("utf-8")
    assert re.search(r"<script[^>]*\bsrc\s*=", text, flags=re.I) is None
    assert re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", text, flags=re.I) is None
    assert re.search(r"@import\s+(url\(\s*)?[\"']?https?:", text, flags=re.I) is None
    assert re.search(r"url\(\s*[\"']?https?:", text, flags=re.I) is None
    return text


@pytest.fixture(scope="module")
def drift(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real 2023-24 player logs: reference and current are disjoint samples of the same season;
    the shifted current adds 10 points, 5 rebounds and 5 assists to every row (Evidently runs here)."""
    logs = pd.read_csv(LOGS, usecols=FEATURES).dropna()
    rows = logs.sample(n=1000, random_state=7)
    reference, current = rows.iloc[:500], rows.iloc[500:]
    shifted = current.assign(
        PTS=current["PTS"] + 10, REB=current["REB"] + 5, AST=current["AST"] + 5
    )
    folder = tmp_path_factory.mktemp("drift")
    return {
        "same": feature_drift_report(current, reference, folder / "same.html"),
        "shifted": feature_drift_report(shifted, reference, folder / "shifted.html"),
        "folder": folder,
    }


def test_drift_report_html_is_self_contained(drift: dict[str, Any]) -> None:
    text = _self_contained(drift["folder"] / "shifted.html")
    assert "<script>" in text  # Evidently inlines its JavaScript
    assert "Drift per column" in text


def test_drift_numbers(drift: dict[str, Any]) -> None:
    same, shifted = drift["same"], drift["shifted"]
    assert same["n_columns"] == shifted["n_columns"] == 4
    assert same["n_drifted"] == 0 and same["dataset_drift"] is False
    assert shifted["drifted_columns"] == ["AST", "PTS", "REB"]
    assert shifted["n_drifted"] == 3 and shifted["share_drifted"] == pytest.approx(0.75)
    assert shifted["dataset_drift"] is True
    assert (shifted["n_current"], shifted["n_reference"]) == (500, 500)


def test_coverage_report(tmp_path: Path) -> None:
    coverage = pd.DataFrame(
        {
            "table": [
                "player_game_summary",
                "player_daily_cache",
                "ml_feature_store",
                "raw_prop_lines",
            ],
            "game_date": pd.to_datetime(["2024-04-10"] * 4),
            "expected": [172, 172, 172, 0],
            "actual": [172, 44, 170, 0],
        }
    )
    out = coverage_report(coverage, tmp_path / "coverage.html")
    text = _self_contained(tmp_path / "coverage.html")
    assert "player_daily_cache" in text and "<script" not in text
    assert out["min_ratio"] == pytest.approx(44 / 172)
    assert out["tables_below_threshold"] == ["player_daily_cache"]
    assert (out["n_rows"], out["n_below"]) == (4, 1)
    assert out["date_min"] == out["date_max"] == "2024-04-10"


def _graded_season(p_over_shift: float) -> pd.DataFrame:
    """Evaluation frame over real 2023-24 points: prediction = player's mean of his previous games,
    line = mean of his previous 5 games rounded to .5 (a market proxy), p_over = P(N(pred, 6) > line)
    (plus a shift to miscalibrate it)."""
    logs = pd.read_csv(LOGS, usecols=["PLAYER_ID", "GAME_DATE", "PTS"], dtype={"PLAYER_ID": str})
    logs = logs.sort_values(["PLAYER_ID", "GAME_DATE"])
    past = logs.groupby("PLAYER_ID")["PTS"].shift(1)
    logs["pred"] = past.groupby(logs["PLAYER_ID"]).transform(lambda s: s.expanding().mean())
    logs["last5"] = past.groupby(logs["PLAYER_ID"]).transform(lambda s: s.rolling(5).mean())
    logs = logs.dropna().query("GAME_DATE >= '2024-03-01' and pred >= 5").head(3000)
    line = np.floor(logs["last5"]) + 0.5
    p_over = (0.5 * (1 + erf((logs["pred"] - line) / (6.0 * np.sqrt(2)))) + p_over_shift).clip(
        0.01, 0.99
    )
    preds = pd.DataFrame(
        {
            "game_date": pd.to_datetime(logs["GAME_DATE"]),
            "game_id": "g",
            "player_id": logs["PLAYER_ID"],
            "market": "points",
            "system_id": "baseline",
            "recommendation": np.where(
                p_over > 0.55, "OVER", np.where(p_over < 0.45, "UNDER", "PASS")
            ),
            "predicted_mean": logs["pred"],
            "line": line,
            "p_over": p_over,
        }
    )
    box = pd.DataFrame(
        {
            "game_date": preds["game_date"],
            "game_id": "g",
            "player_id": preds["player_id"],
            **{
                m: logs["PTS"].astype(float)
                for m in ["points", "rebounds", "assists", "threes", "pra"]
            },
        }
    )
    return evaluation_frame(preds, box)


def test_performance_report(tmp_path: Path) -> None:
    calibrated = performance_report(_graded_season(0.0), tmp_path / "perf.html")
    _self_contained(tmp_path / "perf.html")
    assert calibrated["n"] == 3000
    assert 3.0 < calibrated["mae"] < 8.0  # real season-mean predictions of points
    assert calibrated["rolling_n"] > 0 and calibrated["rolling_mae"] is not None
    assert 0.3 < calibrated["hit_rate"] < 0.7 and calibrated["n_bets"] > 0
    assert sum(b["n"] for b in calibrated["calibration"]) == calibrated["n_calibration"]
    skewed = performance_report(_graded_season(0.4), tmp_path / "perf_skewed.html")
    assert skewed["calibration_error"] > calibrated["calibration_error"] + 0.2
    assert skewed["brier"] > calibrated["brier"]


def test_performance_report_small_and_empty(tmp_path: Path) -> None:
    frame = evaluation_frame(game.predictions(), game.box_scores())
    out = performance_report(frame, tmp_path / "small.html")
    assert out["n_bets"] == 7 and out["n"] == 10
    empty = performance_report(frame.iloc[0:0], tmp_path / "empty.html")
    assert (empty["n"], empty["mae"], empty["hit_rate"], empty["calibration"]) == (
        0,
        None,
        None,
        [],
    )
    _self_contained(tmp_path / "empty.html")
