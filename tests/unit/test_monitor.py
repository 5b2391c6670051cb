"""Monitoring reports built from the warehouse: coverage (with the day's tables below threshold),
performance over the graded window, the `nba-props report` command, MLflow metric names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from resources import warehouse
from resources.reports import artifact_description, report_metrics
from resources.settings import Settings, get_settings
from tasks.grade import grade
from tasks.monitor import FEATURE_COLUMNS, build_report
from tests.unit import phx_lac_2024_04_10 as game

DAY = date(2024, 4, 10)
NEXT_MORNING = pd.Timestamp("2024-04-11T12:00:00Z")
TABLES = ("player_daily_cache", "player_composite_factors", "ml_feature_store")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
    monkeypatch.delenv("NBA_PROPS_DRIFT_MARKETS", raising=False)  # every market here
    monkeypatch.setenv("NBA_PROPS_CLOCK", NEXT_MORNING.isoformat())
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    yield get_settings()
    warehouse.dispose_engines()


def _coverage_rows(day: date, actual_feature_store: int, expected: int = 228) -> pd.DataFrame:
    """Coverage rows of one date in the shape tasks/features.py writes (three precompute tables)."""
    actual = {"player_daily_cache": expected, "player_composite_factors": expected - 3}
    actual["ml_feature_store"] = actual_feature_store
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp(day),
            "table_name": list(TABLES),
            "expected": expected,
            "actual": [actual[t] for t in TABLES],
            "ratio": [actual[t] / expected for t in TABLES],
        }
    )


def _no_external_script(path: Path) -> None:
    text = path.read_text()
    assert "<html" in text.lower()
    assert '<script src="http' not in text and "<script src='http" not in text


def test_coverage_report_flags_the_day_below_threshold(home: Settings) -> None:
    url = home.resolved_warehouse_url
    rows = pd.concat(
        [_coverage_rows(date(2024, 4, 9), 228), _coverage_rows(DAY, 100)], ignore_index=True
    )
    warehouse.replace_partition(url, "coverage", rows, "game_date", list(rows["game_date"]))
    path, numbers = build_report.fn("coverage", DAY)
    assert path == home.home_dir / "reports" / "coverage" / "2024-04-10.html"
    _no_external_script(path)
    assert numbers["day_tables_below_threshold"] == ["ml_feature_store"]
    assert numbers["day_below"] == [{"table": "ml_feature_store", "expected": 228, "actual": 100}]
    assert numbers["day_min_ratio"] == pytest.approx(100 / 228)
    assert (numbers["n_rows"], numbers["date_min"], numbers["date_max"]) == (
        6,
        "2024-04-09",
        "2024-04-10",
    )
    _, healthy = build_report.fn("coverage", date(2024, 4, 9))
    assert healthy["day_below"] == [] and healthy["n_rows"] == 3  # the 10th is after the 9th
    assert healthy["player_daily_cache_ratio"] == 1.0 and healthy["feature_rows"] == 0


def test_coverage_report_summarises_the_days_feature_store(home: Settings) -> None:
    url = home.resolved_warehouse_url
    rows = _coverage_rows(DAY, 228)
    warehouse.replace_partition(url, "coverage", rows, "game_date", [pd.Timestamp(DAY)])
    features = _feature_rows(DAY, "points", 50, seed=1)
    features.loc[:9, "line"] = np.nan  # ten players without a line
    _seed(url, "ml_feature_store", [features, _feature_rows(DAY - timedelta(days=1), "pra", 5, 2)])
    path, numbers = build_report.fn("coverage", DAY)
    text = path.read_text()
    _no_external_script(path)
    assert "ml_feature_store on 2024-04-10: dataset summary" in text
    assert "player_daily_cache on 2024-04-10: 228 of 228 expected players" in text
    assert (numbers["feature_rows"], numbers["feature_columns"]) == (50, len(FEATURE_COLUMNS))
    assert numbers["missing_by_feature"] == {"line": pytest.approx(0.2)}
    description = artifact_description("coverage", DAY, numbers)
    assert (
        "player_daily_cache 228/228" in description
        and "tables below threshold: none" in description
    )


def test_performance_report_over_graded_dates(home: Settings) -> None:
    from tests.unit.test_grade import real_day

    url = home.resolved_warehouse_url
    stamp = [pd.Timestamp(DAY)]
    schedule, box = real_day(home)
    warehouse.replace_partition(url, "raw_schedule", schedule, "game_date", stamp)
    warehouse.replace_partition(url, "raw_player_boxscores", box, "game_date", stamp)
    predictions = pd.concat(
        [game.predictions(), game.predictions("baseline_ewma")], ignore_index=True
    )
    warehouse.replace_partition(url, "player_prop_predictions", predictions, "game_date", stamp)
    with pytest.raises(LookupError, match="no graded dates"):
        build_report.fn("performance", DAY)
    grade.fn([DAY])
    path, numbers = build_report.fn("performance", DAY)
    assert path == home.home_dir / "reports" / "performance" / "2024-04-10.html"
    _no_external_script(path)
    # Ensemble only: 12 predictions, 11 with a box-score row (George and Harden rested: 10 + Mann).
    assert numbers["graded_dates"] == 1 and numbers["system_id"] == "ensemble"
    assert numbers["n"] == 10
    # Decided calls: 6 wins (KD pts, KD pra, Booker, Beal, Nurkic reb, Nurkic pts) - Allen threes.
    assert numbers["n_bets"] == 7 and numbers["hit_rate"] == pytest.approx(6 / 7)
    assert numbers["rolling_n"] == numbers["n"]
    # Per market, with the market's P(over) (0.5 in the fixture) beside ours.
    assert sum(m["n"] for m in numbers["markets"].values()) == 10
    assert numbers["market_brier"] == pytest.approx(0.25)
    metrics = report_metrics("performance", numbers)
    assert metrics["performance_hit_rate"] == pytest.approx(6 / 7)
    assert metrics["performance_points_n"] == numbers["markets"]["points"]["n"]
    assert "performance_system_id" not in metrics and "performance_calibration" not in metrics


def test_reports_without_data_say_so(home: Settings) -> None:
    for kind in ("drift", "coverage", "performance"):
        with pytest.raises(LookupError):
            build_report.fn(kind, DAY)
    with pytest.raises(ValueError, match="unknown report"):
        build_report.fn("quality", DAY)


def test_report_command_prints_the_html_path(home: Settings) -> None:
    from flows.cli import app

    rows = _coverage_rows(DAY, 228)
    warehouse.replace_partition(
        home.resolved_warehouse_url, "coverage", rows, "game_date", [pd.Timestamp(DAY)]
    )
    warehouse.dispose_engines()
    runner = CliRunner()
    result = runner.invoke(app, ["report", "coverage", "--date", "2024-04-10"])
    assert result.exit_code == 0, result.output
    printed = Path(result.output.strip())
    assert printed == home.home_dir / "reports" / "coverage" / "2024-04-10.html"
    assert printed.exists()
    missing = runner.invoke(app, ["report", "performance", "--date", "2024-04-10"])
    assert missing.exit_code == 1 and "no graded dates" in missing.output


# ---------------------------------------------------------------- drift from the warehouse

MARKETS = ("points", "rebounds", "assists", "threes", "pra")


def _feature_rows(day: date, market: str, n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Feature-store rows of one market and date: standard-normal features (+shift on every one)."""
    rng = np.random.default_rng(seed)
    values = rng.normal(shift, 1.0, size=(n, len(FEATURE_COLUMNS)))
    frame = pd.DataFrame(values, columns=list(FEATURE_COLUMNS))
    frame.insert(0, "game_date", pd.Timestamp(day))
    frame.insert(1, "market", market)
    frame.insert(2, "player_id", [f"p{i}" for i in range(n)])
    return frame


def _prediction_rows(features: pd.DataFrame, system_id: str = "ensemble") -> pd.DataFrame:
    """Ensemble predictions of feature rows: predicted_mean from stat_l10, p_over from line."""
    p_over = 1 / (1 + np.exp(-features["line"].to_numpy()))
    return features[["game_date", "market", "player_id"]].assign(
        system_id=system_id,
        predicted_mean=10 + 3 * features["stat_l10"],
        p_over=np.where(np.arange(len(features)) % 4 == 0, np.nan, p_over),
    )


def _seed(url: str, table: str, frames: list[pd.DataFrame]) -> None:
    rows = pd.concat(frames, ignore_index=True)
    warehouse.replace_partition(url, table, rows, "game_date", list(rows["game_date"].unique()))


def _seed_drift_inputs(url: str) -> None:
    """DAY: pra shifted by +3 on every feature; the ten days before: every market unshifted."""
    before = [DAY - timedelta(days=k) for k in range(1, 11)]
    features = [
        _feature_rows(DAY, m, 40, seed=i, shift=3.0 if m == "pra" else 0.0)
        for i, m in enumerate(MARKETS)
    ] + [
        _feature_rows(d, m, 40, seed=100 + 10 * k + i)
        for k, d in enumerate(before)
        for i, m in enumerate(MARKETS)
    ]
    _seed(url, "ml_feature_store", features)
    _seed(url, "player_prop_predictions", [_prediction_rows(f) for f in features])


def _register_champion(settings: Settings, market: str, start: date, end: date) -> None:
    """A registered version holding `champion` with a training window in its tags (no model files)."""
    from mlflow import MlflowClient

    from resources import model_registry

    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    name = model_registry.model_name(settings.model_name_prefix, market)
    client = MlflowClient()
    client.create_registered_model(name)
    version = client.create_model_version(
        name,
        source=(settings.home_dir / "no-model").as_uri(),
        tags={"training.start": start.isoformat(), "training.end_exclusive": end.isoformat()},
    )
    client.set_registered_model_alias(name, "champion", version.version)


def test_drift_report_covers_every_market_against_the_trailing_window(home: Settings) -> None:
    url = home.resolved_warehouse_url
    _seed_drift_inputs(url)
    path, numbers = build_report.fn("drift", DAY)
    assert path == home.home_dir / "reports" / "drift" / "2024-04-10.html"
    _no_external_script(path)
    text = path.read_text()
    assert text.count("window.drawDashboard(") == 1
    assert set(numbers["markets"]) == set(MARKETS)
    for market in MARKETS:
        m = numbers["markets"][market]
        assert m["reference_source"] == "trailing window"
        assert m["reference_window"] == ["2024-03-13", "2024-04-09"]
        assert (m["n_current"], m["n_reference"]) == (40, 400)
        assert m["predictions_reference_source"] == "trailing window"
        assert f"{market}: feature drift vs trailing window 2024-03-13..2024-04-09" in text
        assert "no champion training window in the registry" in text
        assert m["dataset_drift"] is (market == "pra")
    pra = numbers["markets"]["pra"]
    assert pra["n_drifted"] == pra["n_columns"] == len(FEATURE_COLUMNS)
    # predicted_mean follows stat_l10 and p_over the line: both shifted for pra only.
    assert pra["predicted_mean_drifted"] is True and pra["p_over_drifted"] is True
    assert numbers["markets"]["points"]["predicted_mean_drifted"] is False
    assert numbers["n_markets_dataset_drift"] == 1
    metrics = report_metrics("drift", numbers)
    assert metrics["drift_pra_share_drifted"] == 1.0
    assert metrics["drift_points_n_current"] == 40.0
    assert "drift_points_reference_source" not in metrics
    description = artifact_description("drift", DAY, numbers)
    n = len(FEATURE_COLUMNS)
    assert f"| pra | 40 | {n} | {n} | 1 |" in description


def test_drift_reference_is_the_champions_training_window_when_stored(
    home: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """points' champion trained on 2024-01-01..2024-01-07: 7 stored dates x 40 rows = 280 rows;
    rebounds' champion on dates the feature store does not hold (two markets: Evidently is slow)."""
    monkeypatch.setenv("NBA_PROPS_MARKETS", '["points", "rebounds"]')
    url = home.resolved_warehouse_url
    _seed_drift_inputs(url)
    window = [date(2024, 1, 1) + timedelta(days=k) for k in range(7)]
    shifted = [
        _feature_rows(d, "points", 40, seed=500 + k, shift=3.0) for k, d in enumerate(window)
    ]
    _seed(url, "ml_feature_store", shifted)
    _seed(url, "player_prop_predictions", [_prediction_rows(f) for f in shifted])
    _register_champion(home, "points", date(2024, 1, 1), date(2024, 1, 8))
    _register_champion(home, "rebounds", date(2023, 10, 24), date(2024, 1, 1))  # none stored
    path, numbers = build_report.fn("drift", DAY)
    assert set(numbers["markets"]) == {"points", "rebounds"}
    points, rebounds = numbers["markets"]["points"], numbers["markets"]["rebounds"]
    assert points["reference_source"] == "champion training window"
    assert points["reference_window"] == ["2024-01-01", "2024-01-07"]
    assert points["n_reference"] == 280 and points["champion"] == "nba-props-points v1"
    assert points["dataset_drift"] is True  # today is unshifted, the training window shifted
    assert points["predictions_reference_source"] == "champion training window"
    assert rebounds["reference_source"] == "trailing window"
    assert (
        "ml_feature_store holds 0 rows of the champion's training window 2023-10-24..2023-12-31"
        in (path.read_text())
    )
