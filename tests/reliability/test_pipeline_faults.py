"""Faults through the whole pipeline: SIGKILL mid-run, two runs at once, corrupted input, secrets,
backfill idempotency. Each test works on a private copy of the session's prepared state directory.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from contracts.registry import TABLES
from resources import warehouse
from resources.settings import get_settings
from tests.conftest import REPO
from tests.flow.test_daily_pipeline import CHECKED_TABLES, table_checksum

pytestmark = pytest.mark.usefixtures("prefect_harness")

RUN_DAY = date(2024, 4, 11)  # a date the flow tests do not run: these runs start from scratch
SECRET = "sk-ops-test-7f3a9c1e5b2d4086"


def _copy_home(state_home: Path, dest: Path) -> Path:
    warehouse.dispose_engines()  # checkpoint the DuckDB file before copying it
    shutil.copytree(state_home, dest, ignore=shutil.ignore_patterns("prefect", "*.tmp"))
    return dest


@pytest.fixture(scope="module")
def homes(state_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reliability")
    return {name: _copy_home(state_home, root / name) for name in ("crash", "concurrent")}


@pytest.fixture
def use_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def switch(home: Path) -> str:
        warehouse.dispose_engines()
        monkeypatch.setenv("NBA_PROPS_HOME", str(home))
        return get_settings().resolved_warehouse_url

    yield switch
    warehouse.dispose_engines()


def checksums(url: str) -> dict[str, str]:
    return {t: table_checksum(url, t) for t in CHECKED_TABLES if warehouse.table_exists(url, t)}


def assert_no_duplicate_keys(url: str) -> None:
    for name, spec in TABLES.items():
        if not warehouse.table_exists(url, name):
            continue
        keys = ", ".join(f'"{k}"' for k in spec.natural_key)
        dupes = warehouse.read_sql(
            url, f"SELECT {keys}, COUNT(*) AS n FROM {name} GROUP BY {keys} HAVING COUNT(*) > 1"
        )
        assert dupes.empty, f"{name} has duplicate natural keys: {dupes.head()}"


def _partition(url: str, table: str) -> pd.DataFrame:
    """The run day's rows of a table, in a stable order (empty if the table is not there yet)."""
    if not warehouse.table_exists(url, table):
        return pd.DataFrame()
    rows = warehouse.read_table(url, table, "game_date = :d", {"d": pd.Timestamp(RUN_DAY)})
    return rows.sort_values(list(TABLES[table].natural_key)).reset_index(drop=True)


def _kill_at(home: Path, mode: str, table: str) -> None:
    """Run the pipeline in a child process and SIGKILL it at the stop point."""
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "NBA_PROPS_HOME": str(home),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_driver", RUN_DAY.isoformat(), mode, table],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "CRASH-POINT":
                break
        else:
            pytest.fail(f"child ended (rc={child.wait()}) before reaching {mode} {table}")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_killed_runs_are_repaired_by_a_rerun_and_equal_concurrent_runs(
    homes: dict[str, Path], use_home: Any
) -> None:
    """SIGKILL inside a write; the re-run equals two concurrent runs.

    Killed inside the predictions' partition replace (after its DELETE, before its INSERT): the
    earlier phases had committed, so this is also a kill at a phase boundary, plus an open
    transaction.
    """
    from flows.daily import daily_pipeline

    url = use_home(homes["crash"])
    before = _partition(url, "player_prop_predictions")
    warehouse.dispose_engines()
    _kill_at(homes["crash"], "write", "player_prop_predictions")
    url = use_home(homes["crash"])
    # The killed transaction (after its DELETE, before its INSERT) left the partition as it was
    # before the run: no half partition, no lost rows. (Other session tests may have written it.)
    pd.testing.assert_frame_equal(_partition(url, "player_prop_predictions"), before)
    daily_pipeline(game_date=RUN_DAY, same_day=False)
    repaired = checksums(url)
    assert_no_duplicate_keys(url)

    url = use_home(homes["concurrent"])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            daily_pipeline(game_date=RUN_DAY, same_day=False)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert_no_duplicate_keys(url)
    assert checksums(url) == repaired


def test_corrupted_payload_is_quarantined_and_predictions_still_come(
    homes: dict[str, Path],
    use_home: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bad box-score rows in a replay payload are quarantined; good rows load; the day is predicted.

    The same run has an Odds API key configured: it must appear in no log, export, report, raw
    payload, warehouse row or MLflow parameter.
    """
    import mlflow

    from flows.daily import daily_pipeline
    from resources.sources import replay

    day, previous = RUN_DAY + timedelta(days=1), RUN_DAY
    original = replay.ReplaySource.fetch
    bad_ids: list[str] = []
    payload_rows: list[int] = []

    def corrupted(self: replay.ReplaySource, kind: str, game_date: date) -> list[Any]:
        payloads = original(self, kind, game_date)
        if kind != "player_boxscores" or game_date != previous or not payloads:
            return payloads
        body = json.loads(payloads[0].content)
        rows = body["rows"]
        rows[0]["pts"] = -7  # impossible value
        rows[1]["player_id"] = ""  # missing key
        rows[2]["minutes"] = "DNP-CD"  # text in a number column
        bad_ids.extend(str(r["player_id"]) for r in rows[:3])
        payload_rows.append(len(rows))
        return [replay._payload(kind, game_date, pd.DataFrame(rows), payloads[0].fetched_at)]

    monkeypatch.setattr(replay.ReplaySource, "fetch", corrupted)
    monkeypatch.setenv("NBA_PROPS_ODDS_API_KEY", SECRET)
    caplog.set_level("DEBUG")
    home = homes["concurrent"]
    url = use_home(home)
    daily_pipeline(game_date=day, same_day=False)

    quarantined = warehouse.read_table(url, "quarantine", "table_name = 'raw_player_boxscores'")
    rules = set(quarantined["rule"])
    assert len(quarantined["row_number"].unique()) >= 3, rules
    box = warehouse.read_table(
        url, "raw_player_boxscores", "game_date = :d", {"d": pd.Timestamp(previous)}
    )
    assert len(box) == payload_rows[0] - 3 > 50  # every good row of the same payload loaded
    assert bad_ids[0] not in set(box["player_id"])
    preds = warehouse.read_table(
        url, "player_prop_predictions", "game_date = :d", {"d": pd.Timestamp(day)}
    )
    assert len(preds[preds["system_id"] == "ensemble"]) > 100

    assert SECRET not in caplog.text
    for path in home.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".html", ".log", ".txt", ".yaml"}:
            assert SECRET not in path.read_text(errors="ignore"), path
    for table in ("quarantine", "raw_prop_lines", "player_prop_predictions"):
        frame = warehouse.read_table(url, table)
        assert not frame.astype(str).apply(lambda c: c.str.contains(SECRET)).any().any(), table
    settings = get_settings()
    mlflow.set_tracking_uri(settings.resolved_mlflow_uri)
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    for r in runs:
        assert SECRET not in json.dumps(r.data.params), r.info.run_id
        assert SECRET not in json.dumps(r.data.tags), r.info.run_id
    assert SECRET not in repr(settings)


def test_backfill_twice_gives_identical_tables(homes: dict[str, Path], use_home: Any) -> None:
    """Backfill over a range twice: same checksums, no duplicate natural key, every phase done."""
    from flows.backfill import backfill

    url = use_home(homes["crash"])
    start, end = RUN_DAY - timedelta(days=1), RUN_DAY
    first = backfill(start=start, end=end)
    once = checksums(url)
    second = backfill(start=start, end=end)
    assert checksums(url) == once
    assert_no_duplicate_keys(url)
    assert first["dates"] == second["dates"] == 2
    assert second["ingest"]["fetched_dates"] == 0  # nothing missing the second time
    assert first["predictions"]["rows"] > 0 and first["grading"]["grades"] > 0
    assert set(second["states"]) <= {"ok", "low"}
