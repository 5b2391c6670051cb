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
from resources.reports import (
    TRAILING_WINDOW,
    TRAINING_WINDOW,
    MarketDrift,
    Reference,
    coverage_report,
    drift_report,
    performance_report,
)
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


def _reference(rows: pd.DataFrame) -> Reference:
    return Reference(rows, TRAINING_WINDOW, "2023-10-24", "2024-02-29", note="test")


def _predictions(rows: pd.DataFrame) -> pd.DataFrame:
    """predicted_mean = the points, p_over = a logistic of the points around 12.5 (NaN every 5th row)."""
    p_over = 1 / (1 + np.exp(-(rows["PTS"].to_numpy(dtype=float) - 12.5) / 4))
    p_over[::5] = np.nan
    return pd.DataFrame({"predicted_mean": rows["PTS"].astype(float), "p_over": p_over})


@pytest.fixture(scope="module")
def drift(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Real 2023-24 player logs: reference and current are disjoint samples of the same season.
    points: today as the reference; rebounds: today adds 10 points, 5 rebounds and 5 assists to
    every row (features and predictions shifted); assists: no rows today (Evidently runs here)."""
    logs = pd.read_csv(LOGS, usecols=FEATURES).dropna()
    rows = logs.sample(n=1000, random_state=7)
    reference, current = rows.iloc[:500], rows.iloc[500:]
    shifted = current.assign(
        PTS=current["PTS"] + 10, REB=current["REB"] + 5, AST=current["AST"] + 5
    )
    trailing = Reference(reference, TRAILING_WINDOW, "2024-03-13", "2024-04-09", note="no champion")
    markets = [
        MarketDrift(
            "points",
            current,
            _reference(reference),
            _predictions(current),
            _reference(_predictions(reference)),
            "nba-props-points v1",
        ),
        MarketDrift(
            "rebounds",
            shifted,
            _reference(reference),
            _predictions(shifted),
            trailing,  # the raw logs: no prediction columns to compare
            "nba-props-rebounds v1",
        ),
        MarketDrift(
            "assists",
            current.iloc[0:0],
            _reference(reference),
            _predictions(current.iloc[0:0]),
            _reference(_predictions(reference)),
        ),
    ]
    folder = tmp_path_factory.mktemp("drift")
    return {
        "numbers": drift_report(markets, folder / "drift.html", columns=FEATURES),
        "folder": folder,
    }


def test_drift_report_html_is_one_self_contained_page(drift: dict[str, Any]) -> None:
    text = _self_contained(drift["folder"] / "drift.html")
    assert "<script>" in text  # Evidently inlines its JavaScript
    assert text.count("window.drawDashboard(") == 1  # one bundle and one dashboard for all markets
    for title in (
        "points: feature drift vs champion training window 2023-10-24..2024-02-29",
        "points: prediction drift vs champion training window",
        "rebounds: feature drift vs",
        "points: drift per feature column",
        "assists: drift per feature column",
    ):
        assert title in text


def test_drift_numbers_per_market(drift: dict[str, Any]) -> None:
    numbers = drift["numbers"]
    points, rebounds, assists = (numbers["markets"][m] for m in ("points", "rebounds", "assists"))
    assert points["n_columns"] == rebounds["n_columns"] == 4
    assert points["n_drifted"] == 0 and points["dataset_drift"] is False
    assert rebounds["drifted_columns"] == ["AST", "PTS", "REB"]
    assert rebounds["n_drifted"] == 3 and rebounds["share_drifted"] == pytest.approx(0.75)
    assert rebounds["dataset_drift"] is True
    assert (rebounds["n_current"], rebounds["n_reference"]) == (500, 500)
    assert points["reference_source"] == TRAINING_WINDOW
    assert points["reference_window"] == ["2023-10-24", "2024-02-29"]
    # Predictions: the same distribution does not drift; p_over compared on its non-missing rows.
    assert points["predicted_mean_drifted"] is False and points["p_over_drifted"] is False
    assert points["predictions_n_current"] == 500
    # The rebounds prediction reference holds no prediction columns: no prediction drift numbers.
    assert "predicted_mean_drift_score" not in rebounds
    assert rebounds["predictions_reference_source"] == TRAILING_WINDOW
    assert assists["status"] == "no current or reference rows" and assists["n_current"] == 0
    assert (numbers["n_markets"], numbers["n_markets_reported"]) == (3, 2)
    assert numbers["n_markets_dataset_drift"] == 1
    assert numbers["max_share_drifted"] == pytest.approx(0.75)


def test_shifted_predictions_drift(tmp_path: Path) -> None:
    logs = pd.read_csv(LOGS, usecols=FEATURES).dropna().sample(n=1000, random_state=3)
    reference, current = logs.iloc[:500], logs.iloc[500:]
    shifted = current.assign(PTS=current["PTS"] + 10)
    numbers = drift_report(
        [
            MarketDrift(
                "pra",
                current,
                _reference(reference),
                _predictions(shifted),
                _reference(_predictions(reference)),
            )
        ],
        tmp_path / "pra.html",
        columns=FEATURES,
    )["markets"]["pra"]
    assert numbers["n_drifted"] == 0
    assert numbers["predicted_mean_drifted"] is True and numbers["p_over_drifted"] is True


def _coverage_rows() -> pd.DataFrame:
    return pd.DataFrame(
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


def test_coverage_report(tmp_path: Path) -> None:
    out = coverage_report(_coverage_rows(), tmp_path / "coverage.html")
    text = _self_contained(tmp_path / "coverage.html")
    assert "<script" not in text  # no feature rows: no Evidently summary
    assert "player_daily_cache on 2024-04-10: 44 of 172 expected players" in text
    assert "BELOW THRESHOLD" in text
    assert out["min_ratio"] == pytest.approx(44 / 172)
    assert out["tables_below_threshold"] == ["player_daily_cache"]
    assert (out["n_rows"], out["n_below"]) == (4, 1)
    assert out["date_min"] == out["date_max"] == "2024-04-10"
    assert (out["player_daily_cache_expected"], out["player_daily_cache_actual"]) == (172, 44)
    assert out["feature_rows"] == 0


def test_coverage_report_summarises_the_feature_store(tmp_path: Path) -> None:
    """Real logs as the day's feature rows; MIN missing on 30 of 200 rows, AST on every row."""
    features = pd.read_csv(LOGS, usecols=FEATURES).dropna().head(200).astype(float)
    features.loc[features.index[:30], "MIN"] = np.nan
    features["AST"] = np.nan
    out = coverage_report(
        _coverage_rows(), tmp_path / "coverage.html", features=features, day="2024-04-10"
    )
    text = _self_contained(tmp_path / "coverage.html")
    assert "<script>" in text and "ml_feature_store on 2024-04-10: dataset summary" in text
    assert "Missing values per feature in ml_feature_store on 2024-04-10" in text
    assert (out["feature_rows"], out["feature_columns"], out["features_with_missing"]) == (
        200,
        4,
        2,
    )
    assert out["missing_by_feature"] == {"AST": 1.0, "MIN": pytest.approx(0.15)}
    assert out["max_missing_share"] == 1.0
    assert out["missing_share"] == pytest.approx((200 + 30) / 800)
    assert out["player_daily_cache_ratio"] == pytest.approx(44 / 172)


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


def test_performance_per_market_against_the_line_and_the_market(tmp_path: Path) -> None:
    """Two markets (the same season relabelled); the market's P(over) is 0.5 on every row."""
    season = _graded_season(0.0)
    frame = pd.concat([season, season.head(1000).assign(market="pra")], ignore_index=True).assign(
        p_over_market=0.5
    )
    out = performance_report(frame, tmp_path / "perf.html")
    text = _self_contained(tmp_path / "perf.html")
    assert text.count("window.drawDashboard(") == 1
    assert "points: calibration of P(over)" in text and "pra: calibration of P(over)" in text
    points, pra = out["markets"]["points"], out["markets"]["pra"]
    assert (points["n"], pra["n"], out["n"]) == (3000, 1000, 4000)
    scored = season.dropna(subset=["actual"])
    line_mae = (scored["line"] - scored["actual"]).abs().mean()
    assert points["line_mae"] == pytest.approx(line_mae)
    assert points["mae_vs_line"] == pytest.approx(points["mae_on_lines"] - line_mae)
    assert points["market_brier"] == pytest.approx(0.25)  # 0.5 against every decided outcome
    assert points["n_market"] == points["n_calibration"]
    assert points["brier"] < 0.25  # the proxy beats a coin flip


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
