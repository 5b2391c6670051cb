"""The daily pipeline end to end on the bundled real data, under the Prefect test harness."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from contracts.exports import validate_export
from contracts.registry import TABLES
from resources import warehouse
from resources.settings import get_settings
from tests.conftest import DEMO_DAY, FIRST_DAY

pytestmark = pytest.mark.usefixtures("prefect_harness")

CHECKED_TABLES = (
    "raw_schedule",
    "raw_player_boxscores",
    "raw_team_boxscores",
    "raw_prop_lines",
    "raw_game_odds",
    "raw_injury_report",
    "quarantine",
    "upcoming_player_game_context",
    "player_daily_cache",
    "ml_feature_store",
    "player_prop_predictions",
    "prediction_grades",
    "coverage",
)


def table_checksum(url: str, table: str) -> str:
    """Order-independent checksum of a table's content (volatile timestamps excluded)."""
    frame = warehouse.read_table(url, table)
    frame = frame.drop(columns=[c for c in ("quarantined_at", "graded_at") if c in frame])
    frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return hashlib.sha256(
        pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes()
    ).hexdigest()


@pytest.fixture(scope="module")
def pipeline_runs(state_home: Path) -> dict[str, dict[str, object]]:
    from flows.daily import daily_pipeline

    first = daily_pipeline(game_date=FIRST_DAY, same_day=True)
    second = daily_pipeline(game_date=DEMO_DAY, same_day=False)
    return {"first": first, "second": second}


def test_predictions_with_real_lines_and_calls(pipeline_runs: dict[str, dict[str, object]]) -> None:
    url = get_settings().resolved_warehouse_url
    preds = warehouse.read_table(
        url,
        "player_prop_predictions",
        "game_date = :d",
        {"d": pd.Timestamp(DEMO_DAY).to_pydatetime()},
    )
    ensemble = preds[preds["system_id"] == "ensemble"]
    assert set(ensemble["market"]) == {"points", "rebounds", "assists", "threes", "pra"}
    assert {"baseline_ewma", "ensemble"} <= set(preds["system_id"])
    with_line = ensemble[ensemble["line"].notna()]
    assert len(with_line) > 100
    assert (ensemble.loc[ensemble["line"].isna(), "recommendation"] == "NO_LINE").all()
    assert set(with_line["recommendation"]) <= {"OVER", "UNDER", "PASS"}
    assert with_line["p_over"].between(0, 1).all()
    assert (ensemble["model_version"] == "1").all()


def test_injury_report_of_the_day_ingested_before_the_runs_clock(
    pipeline_runs: dict[str, dict[str, object]],
) -> None:
    url = get_settings().resolved_warehouse_url
    rows = warehouse.read_table(
        url, "raw_injury_report", "game_date = :d", {"d": pd.Timestamp(DEMO_DAY).to_pydatetime()}
    )
    # The 5 pm reports of 04-09 and 04-10 list the games of the 10th (bundled data/injuries).
    assert len(rows) > 50 and rows["player_id"].notna().all()
    second = pipeline_runs["second"]
    assert (rows["report_time"] < pd.Timestamp(str(second["as_of"]))).all()
    ingested = second["ingest"]
    assert isinstance(ingested, dict) and ingested["injury_report"]["rows_loaded"] == len(rows)
    features = warehouse.read_table(
        url, "ml_feature_store", "game_date = :d", {"d": pd.Timestamp(DEMO_DAY).to_pydatetime()}
    )
    assert features["vacated_minutes"].notna().mean() > 0.5


def test_previous_day_graded_on_real_box_scores(
    pipeline_runs: dict[str, dict[str, object]],
) -> None:
    url = get_settings().resolved_warehouse_url
    grades = warehouse.read_table(
        url, "prediction_grades", "game_date = :d", {"d": pd.Timestamp(FIRST_DAY).to_pydatetime()}
    )
    assert len(grades) > 50
    assert set(grades["result"]) <= {"win", "loss", "push", "void"}
    voids = grades[grades["result"] == "void"]
    assert voids["void_reason"].notna().all()
    settled = grades[grades["result"].isin(["win", "loss"])]
    assert settled["actual"].notna().all()


def test_exports_follow_their_schemas(pipeline_runs: dict[str, dict[str, object]]) -> None:
    root = Path(get_settings().resolved_exports)
    for kind, rel in (
        ("predictions", f"predictions/{DEMO_DAY}.json"),
        ("results", f"results/{FIRST_DAY}.json"),
        ("best_bets", f"best-bets/{DEMO_DAY}.json"),
        ("status", "status.json"),
    ):
        document = json.loads((root / rel).read_text())
        validate_export(kind, document)
        assert document["schema_version"]


def test_drift_report_written(pipeline_runs: dict[str, dict[str, object]]) -> None:
    report = get_settings().reports_dir / "drift" / f"{DEMO_DAY}.html"
    assert report.exists()
    assert '<script src="http' not in report.read_text()


def test_rerun_leaves_identical_tables_and_no_duplicate_keys(
    pipeline_runs: dict[str, dict[str, object]],
) -> None:
    from flows.daily import daily_pipeline

    url = get_settings().resolved_warehouse_url
    before = {t: table_checksum(url, t) for t in CHECKED_TABLES if warehouse.table_exists(url, t)}
    # refresh=True: every phase really runs and rewrites its partitions (no cached result).
    daily_pipeline.with_options(retries=0)(game_date=DEMO_DAY, same_day=False, refresh=True)
    after = {t: table_checksum(url, t) for t in CHECKED_TABLES if warehouse.table_exists(url, t)}
    assert before == after
    for name, spec in TABLES.items():
        if not warehouse.table_exists(url, name):
            continue
        keys = ", ".join(f'"{k}"' for k in spec.natural_key)
        dupes = warehouse.read_sql(
            url, f"SELECT {keys}, COUNT(*) AS n FROM {name} GROUP BY {keys} HAVING COUNT(*) > 1"
        )
        assert dupes.empty, f"{name} has duplicate natural keys: {dupes.head()}"


def test_date_without_games_gives_no_rows_and_no_error(
    pipeline_runs: dict[str, dict[str, object]],
) -> None:
    from flows.daily import daily_pipeline

    all_star_break = date(2024, 2, 16)
    daily_pipeline(game_date=all_star_break, same_day=True)
    url = get_settings().resolved_warehouse_url
    preds = warehouse.read_table(
        url,
        "player_prop_predictions",
        "game_date = :d",
        {"d": pd.Timestamp(all_star_break).to_pydatetime()},
    )
    assert preds.empty
