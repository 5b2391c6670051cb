"""Monitoring reports built from the warehouse: coverage (with the day's tables below threshold),
performance over the graded window, the `nba-props report` command, MLflow metric names.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from resources import warehouse
from resources.settings import Settings, get_settings
from tasks.grade import grade
from tasks.monitor import build_report, report_metrics
from tests.unit import phx_lac_2024_04_10 as game

DAY = date(2024, 4, 10)
NEXT_MORNING = pd.Timestamp("2024-04-11T12:00:00Z")
TABLES = ("player_daily_cache", "player_composite_factors", "ml_feature_store")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
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


def test_performance_report_over_graded_dates(home: Settings) -> None:
    from tests.unit.test_publish_grading import real_day

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
    metrics = report_metrics("performance", numbers)
    assert metrics["performance_hit_rate"] == pytest.approx(6 / 7)
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
