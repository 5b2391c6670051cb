"""BENCHMARKS.md is rendered from result files only: its conclusions follow the numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import render


def market(
    mae: float, line: float, brier: float, market_brier: float, **extra: Any
) -> dict[str, Any]:
    """The metrics of one market in a backtest window (only what the renderer reads)."""
    return {
        "n": 1000,
        "mae": mae,
        "model_mae": mae + 0.1,
        "market_mae": line,
        "baseline_mae": line + 0.2,
        "last10_mae": line + 0.3,
        "bias": -0.1,
        "brier": brier,
        "brier_raw": brier + 0.01,
        "market_brier": market_brier,
        "log_loss": 0.69,
        "market_log_loss": 0.69,
        "bets": 100,
        "bets_over": 40,
        "hit_rate": 0.55,
        "hit_rate_ci95": [0.45, 0.65],
        "roi": 0.01,
        "roi_ci95": [-0.1, 0.12],
        "by_ev_bucket": [],
        **extra,
    }


def backtest_doc(threes_brier: float, points_roi_ci: list[float] | None = None) -> dict[str, Any]:
    """A two-window backtest result: points and threes in spring 2024, PRA in 2024-25."""
    points = market(5.10, 5.15, 0.2490, 0.2496)
    if points_roi_ci:
        points["roi_ci95"] = points_roi_ci
    window_a = {
        "command": "nba-props backtest --market all",
        "window": ["2024-03-01", "2024-05-31"],
        "train_start": "2018-10-01",
        "markets": {"points": points, "threes": market(1.14, 1.16, threes_brier, 0.2419)},
    }
    window_b = {
        "command": "nba-props backtest --market pra",
        "window": ["2024-10-22", "2025-05-18"],
        "train_start": "2018-10-01",
        "markets": {"pra": market(6.03, 6.04, 0.2489, 0.2490)},
    }
    return envelope("backtest_real_lines", {"trials": 0, "windows": [window_a, window_b]})


def envelope(name: str, measurements: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "benchmark": name,
        "status": "ok",
        "command": f"python benchmarks/{name}.py",
        "date_run": "2026-12-01T08:00:00+00:00",
        "wall_seconds": 12.5,
        "cpu_seconds": 3.0,
        "machine": {"cores": 2, "cpu_model": "AMD EPYC", "ram_gib": 23.5, "python": "3.11.7"},
        "load_before": [3.0, 3.0, 3.0],
        "load_after": [4.0, 3.5, 3.0],
        "n": 10,
        "n_what": "things",
        "date_range": ["2024-03-01", "2024-05-31"],
        "measurements": measurements,
        **fields,
    }


def write(directory: Path, docs: list[dict[str, Any]], ran: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (directory / f"{doc['benchmark']}.json").write_text(json.dumps(doc))
    manifest: dict[str, Any] = {"date_run": "2026-12-01T08:00", "command": "run_all.py", "ran": ran}
    manifest |= {"failed": [], "skipped": {"backtest_real_lines": "heavy, skipped by --skip-heavy"}}
    (directory / render.MANIFEST).write_text(json.dumps(manifest))
    return directory


def rendered(tmp_path: Path, docs: list[dict[str, Any]], ran: list[str]) -> str:
    return render.render(write(tmp_path / "results", docs, ran), tmp_path / "notes")


def test_brier_conclusion_follows_the_numbers(tmp_path: Path) -> None:
    worse = rendered(tmp_path / "a", [backtest_doc(threes_brier=0.2435)], ["backtest_real_lines"])
    assert "Brier at or below the market's in 2 of 3 market-windows; worse for threes " in worse
    assert "threes 2024-03-01..2024-05-31 (0.2435 vs 0.2419)" in worse
    assert "does not match or beat the market everywhere: MAE in 3 of 3" in worse
    assert "in every market-window measured" not in worse

    better = rendered(tmp_path / "b", [backtest_doc(threes_brier=0.2410)], ["backtest_real_lines"])
    assert "Brier at or below the market's in 3 of 3 market-windows." in better
    assert "matches or beats the market on both MAE and Brier in every market-window" in better


def test_mae_tie_counts_as_at_or_below_and_a_worse_one_is_named(tmp_path: Path) -> None:
    doc = backtest_doc(threes_brier=0.2410)
    pra = doc["measurements"]["windows"][1]["markets"]["pra"]
    pra["mae"] = pra["market_mae"]
    assert "Published MAE at or below the line's in 3 of 3" in rendered(tmp_path / "a", [doc], [])
    pra["mae"] = pra["market_mae"] + 0.001
    text = rendered(tmp_path / "b", [doc], [])
    assert "Published MAE at or below the line's in 2 of 3 market-windows; worse for pra " in text
    assert "pra 2024-10-22..2025-05-18 (6.041 vs 6.040)" in text


def test_roi_interval_above_zero_is_reported(tmp_path: Path) -> None:
    none_above = rendered(tmp_path / "a", [backtest_doc(0.2410)], [])
    assert "lies above zero in 0, includes zero in 3" in none_above
    assert "No market-window shows a betting edge" in none_above
    one_above = rendered(tmp_path / "b", [backtest_doc(0.2410, points_roi_ci=[0.02, 0.3])], [])
    assert "lies above zero in 1 (points 2024-03-01..2024-05-31), includes zero in 2" in one_above
    assert "No market-window shows a betting edge" not in one_above


def test_points_target_verdicts(tmp_path: Path) -> None:
    text = rendered(tmp_path, [backtest_doc(0.2410)], [])
    assert "| Brier at or below the market's | 0.2490 vs 0.2496 | met |" in text
    assert "| >= 300 bets, hit rate >= 54%, ROI > 0 at real prices | 100 bets" in text
    assert "**not met** |" in text


def test_reused_result_names_its_date_and_why(tmp_path: Path) -> None:
    text = rendered(tmp_path, [backtest_doc(0.2410)], ran=["join_rate"])
    assert "**Reused** (heavy, skipped by --skip-heavy): Measured 2026-12-01 08:00 UTC" in text
    assert (
        "Reused results (not re-run by the last run): backtest_real_lines from 2026-12-01" in text
    )
    assert "ok (reused)" in text
    assert "1-minute load average 3.0 -> 4.0; wall 12.5 s, CPU 3.0 s." in text


def test_failed_result_shows_its_error_and_the_last_success(tmp_path: Path) -> None:
    last = envelope("live_refresh", live_measurements(), n=93)
    failed = envelope(
        "live_refresh",
        {},
        status="failed",
        error="KeyError: 'tipoff_utc'",
        last_ok=last,
        date_run="2026-12-02T09:00:00+00:00",
    )
    text = rendered(tmp_path, [failed], ["live_refresh"])
    assert "**Failed**: `KeyError: 'tipoff_utc'`" in text
    assert "last successful result, from 2026-12-01 08:00 UTC" in text
    assert "| 93 refreshes, 31 game dates, 230 games |" in text
    assert "**failed**" in text


def test_failed_result_without_an_earlier_success_has_no_tables(tmp_path: Path) -> None:
    failed = envelope("live_refresh", {}, status="failed", error="boom")
    text = rendered(tmp_path, [failed], ["live_refresh"])
    assert "**Failed**: `boom`" in text
    assert "refreshes" not in text


def test_new_measurements_appear_without_a_renderer_change(tmp_path: Path) -> None:
    daily = {"date": "2024-03-27", "games": 12, "cold_seconds": 61.0, "warm_seconds": 44.3}
    daily |= {"kill_to_completed_rerun_seconds": 114.0, "cached_rerun_seconds": 3.2}
    text = rendered(tmp_path, [envelope("ops_daily", daily)], ["ops_daily"])
    assert "first run in the process **61.0 s**" in text
    assert "| cached_rerun_seconds | 3.2 |" in text


def test_stale_files_and_notes(tmp_path: Path) -> None:
    results = write(tmp_path / "results", [envelope("ops_daily", {"games": 1})], ["ops_daily"])
    (results / "backtest_all_2024-03-01_2024-05-31.json").write_text(json.dumps({"n": 5}))
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ops_daily.md").write_text("Recovery waits for the lease.")
    text = render.render(results, notes)
    assert "Recovery waits for the lease." in text
    assert "backtest_all" not in text
    assert "| import_all | no result (never run) |" in text


def live_measurements() -> dict[str, Any]:
    return {
        "game_dates": 31,
        "games": 230,
        "clocks_per_date": 3,
        "refresh_ms_median": 315,
        "refresh_ms_p95": 427,
        "refresh_ms_max": 758,
        "load_replay_data_seconds": 23.9,
        "games_not_final_or_score_mismatch": 0,
    }


@pytest.mark.parametrize(("value", "text"), [(12.34, "12.3 s"), (528, "8 min 48 s"), (None, "n/a")])
def test_seconds(value: float | None, text: str) -> None:
    assert render.seconds(value) == text


def test_minutes_model_result_without_an_envelope_of_its_own(tmp_path: Path) -> None:
    metrics = {
        "n": 900,
        "mae_model": 5.1,
        "mae_projected": 5.6,
        "mae_last10": 5.9,
        "bias_model": -0.2,
    }
    own: dict[str, Any] = {"window": ["2024-03-01", "2024-05-31"], "train_start": "2021-10-01"}
    own["objective"] = "l1"
    own |= {"none": {"all": metrics, "with_line": metrics}}
    text = rendered(tmp_path, [envelope("minutes_model", own)], ["minutes_model"])
    assert "LightGBM objective `l1`" in text
    assert "| none | all | 900 | 5.100 | 5.600 | 5.900 | -0.20 |" in text


def test_backfill_phases_join_their_summaries_and_new_numbers_show(tmp_path: Path) -> None:
    backfill: dict[str, Any] = {"start": "2023-10-24", "end": "2024-04-14"}
    backfill["backfill_wall_seconds"] = 528.0
    backfill["phase_marks_seconds"] = {"predict_start": 10.0, "predict_end": 69.0}
    backfill["summary"] = {
        "features": {"ml_feature_store": 1000},
        "predictions": {"rows": 4000, "model_versions": {"nba-props-points": "1"}},
    }
    backfill["rerun_wall_seconds"] = 12.0
    text = rendered(tmp_path, [envelope("ops_backfill", backfill)], ["ops_backfill"])
    assert "| - predictions | 59.0 s | rows 4000 |" in text
    assert "one per system): 4 (4,000 / 1,000)" in text
    assert "| rerun_wall_seconds | 12 |" in text


def test_backfill_rerun_is_a_column_beside_the_first_run(tmp_path: Path) -> None:
    marks = {"features_start": 1.0, "features_end": 21.0, "grade_start": 30.0, "grade_end": 36.0}
    backfill: dict[str, Any] = {"backfill_wall_seconds": 60.0, "phase_marks_seconds": marks}
    backfill["phase_cpu_seconds"] = {"features": 19.5, "grade": 5.0}
    again = {"features_start": 2.0, "features_end": 2.5, "grade_start": 5.0, "grade_end": 5.25}
    backfill["rerun"] = {"backfill_wall_seconds": 7.5, "phase_marks_seconds": again}
    backfill["rerun"] |= {"process_wall_seconds": 15.0, "summary": {"ingest": {"fetched": 0}}}
    text = rendered(tmp_path, [envelope("ops_backfill", backfill)], ["ops_backfill"])
    assert "| whole backfill | 60.0 s | 24.5 s | 7.5 s |  |" in text
    assert "| - features | 20.0 s | 19.5 s | 0.5 s |  |" in text
    assert "| - grading | 6.0 s | 5.0 s | 0.2 s |  |" in text
    assert "whole process 15.0 s" in text
    assert "Other measurements" not in text  # the re-run is rendered, not dumped as key/value


def test_a_scripts_own_json_is_shown_as_reused_and_notes_stand_alone(tmp_path: Path) -> None:
    results = write(tmp_path / "results", [], ["import_all"])
    own: dict[str, Any] = {"command": "python benchmarks/caching.py"}
    own["run_at"] = "2026-12-01 08:57 UTC"
    own |= {"daily_date": "2024-04-10", "daily_first_seconds": 71.0}
    own |= {"daily_cached_rerun_seconds": 7.9, "new_figure": 1.5}
    (results / "caching.json").write_text(json.dumps(own))
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "availability_report.md").write_text("Measured by hand: 826 bets.")
    text = render.render(results, notes)
    assert "**Reused** (not in the last run): Measured 2026-12-01 08:57 UTC" in text
    assert "| daily-pipeline 2024-04-10 | 71.0 s | 7.9 s | 9.0x |" in text
    assert "| new_figure | 1.5 |" in text
    assert "No result file yet: only notes." in text and "Measured by hand: 826 bets." in text
