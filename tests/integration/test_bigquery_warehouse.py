"""The BigQuery warehouse on a local emulator: atomic partition writes, few jobs, no collisions."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from google.cloud import bigquery

from resources import bigquery_warehouse as bqw
from resources import warehouse
from resources.warehouse import Warehouse
from tests.integration.bigquery_emulator import PROJECT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

JOB_METHODS = (
    "query",
    "query_and_wait",
    "load_table_from_file",
    "load_table_from_dataframe",
    "load_table_from_json",
    "load_table_from_uri",
    "copy_table",
    "extract_table",
    "insert_rows",
    "insert_rows_json",
)


@pytest.fixture
def url(bigquery_emulator: str) -> str:
    """A fresh dataset on the emulator, as a warehouse URL."""
    dataset = f"it_{uuid.uuid4().hex[:10]}"
    bqw.client_for(PROJECT).create_dataset(f"{PROJECT}.{dataset}")
    return f"bigquery://{PROJECT}/{dataset}"


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every BigQuery job any client submits while the test runs (method names, in order)."""
    submitted: list[str] = []
    lock = threading.Lock()
    for name in JOB_METHODS:
        original = getattr(bigquery.Client, name)

        def counted(self: Any, *args: Any, _name: str = name, _f: Any = original, **kw: Any) -> Any:
            with lock:
                submitted.append(_name)
            return _f(self, *args, **kw)

        monkeypatch.setattr(bigquery.Client, name, counted)
    yield submitted


def box_scores(day: str, players: range, points: float = 10.0) -> pd.DataFrame:
    """Rows shaped like player box scores (the registry partitions them by game_date)."""
    n = len(players)
    return pd.DataFrame(
        {
            "game_id": [f"G{day.replace('-', '')}{p % 10}" for p in players],
            "player_id": np.array(list(players), dtype="int64"),
            "game_date": pd.to_datetime([day] * n),
            "pts": np.full(n, points),
            "starter": [p % 2 == 0 for p in players],
            "captured_at": pd.to_datetime(["2024-01-01T12:00:00Z"] * n),
        }
    )


def read(url: str, table: str, order: str = "game_date, player_id") -> pd.DataFrame:
    return warehouse.read_sql(url, f"SELECT * FROM {table} ORDER BY {order}")


def staging_tables(url: str) -> list[str]:
    dataset = bqw.Dataset.from_url(url)
    tables = bqw.client_for(PROJECT).list_tables(f"{PROJECT}.{dataset.dataset}")
    return [t.table_id for t in tables if "__staging_" in t.table_id]


def test_replace_partition_round_trips_and_removes_stale_rows(url: str) -> None:
    first, second = box_scores("2024-01-05", range(3)), box_scores("2024-01-06", range(3, 5))
    written = warehouse.replace_partition(
        url,
        "raw_player_boxscores",
        pd.concat([first, second]),
        "game_date",
        ["2024-01-05", "2024-01-06"],
    )
    assert written == 5

    back = read(url, "raw_player_boxscores")
    expected = pd.concat([first, second], ignore_index=True)
    pd.testing.assert_frame_equal(back[expected.columns], expected, check_dtype=False)
    assert back["game_date"].dtype == "datetime64[ns]"
    assert str(back["captured_at"].dt.tz) == "UTC"

    rerun = box_scores("2024-01-05", range(1), points=30.0)
    warehouse.replace_partition(
        url, "raw_player_boxscores", rerun, "game_date", [pd.Timestamp("2024-01-05")]
    )
    back = read(url, "raw_player_boxscores")
    assert back.groupby(back["game_date"].dt.day)["pts"].apply(list).to_dict() == {
        5: [30.0],
        6: [10.0, 10.0],
    }
    assert staging_tables(url) == []

    table = bqw.client_for(PROJECT).get_table(
        bqw.Dataset.from_url(url).table_id("raw_player_boxscores")
    )
    assert table.time_partitioning.field == "game_date"
    assert table.time_partitioning.type_ == "MONTH"
    assert table.clustering_fields == ["game_id", "player_id"]


def test_replace_partition_with_no_rows_empties_the_partition(url: str) -> None:
    warehouse.replace_partition(
        url, "raw_player_boxscores", box_scores("2024-01-05", range(2)), "game_date", ["2024-01-05"]
    )
    warehouse.replace_partition(
        url, "raw_player_boxscores", box_scores("2024-01-05", range(0)), "game_date", ["2024-01-05"]
    )
    assert read(url, "raw_player_boxscores").empty


def test_upsert_and_append_round_trip(url: str) -> None:
    warehouse.upsert(
        url,
        "player_registry",
        pd.DataFrame({"player_id": [1, 2], "team_abbr": ["BOS", "LAL"], "name": ["a", "b"]}),
        ["player_id", "team_abbr"],
    )
    warehouse.upsert(
        url,
        "player_registry",
        pd.DataFrame({"player_id": [2, 3], "team_abbr": ["LAL", "MIA"], "name": ["b2", "c"]}),
        ["player_id", "team_abbr"],
    )
    back = read(url, "player_registry", order="player_id")
    assert back[["player_id", "team_abbr", "name"]].values.tolist() == [
        [1, "BOS", "a"],
        [2, "LAL", "b2"],
        [3, "MIA", "c"],
    ]

    log = pd.DataFrame(
        {"payload_path": ["p.json"], "row_number": [7], "field": ["pts"], "rule": ["ge"]}
    )
    assert warehouse.append(url, "quarantine", log) == 1
    assert warehouse.append(url, "quarantine", log) == 1
    assert len(read(url, "quarantine", order="row_number")) == 2


def test_upsert_null_key_replaces_the_row(url: str) -> None:
    key = ["game_date", "player_name"]
    row = {"game_date": pd.to_datetime(["2024-01-05"]), "player_name": [None], "player_id": [1]}
    warehouse.upsert(url, "prop_name_resolution", pd.DataFrame(row), key)
    warehouse.upsert(url, "prop_name_resolution", pd.DataFrame({**row, "player_id": [2]}), key)
    back = read(url, "prop_name_resolution", order="player_id")
    assert back["player_id"].tolist() == [2]


def test_failure_after_staging_load_keeps_old_partition(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = box_scores("2024-01-05", range(4))
    warehouse.replace_partition(url, "raw_player_boxscores", old, "game_date", ["2024-01-05"])

    def failed_write_keeps_old_rows(error: type[Exception], match: str) -> None:
        new = box_scores("2024-01-05", range(1), 99.0)
        with pytest.raises(error, match=match):
            warehouse.replace_partition(
                url, "raw_player_boxscores", new, "game_date", ["2024-01-05"]
            )
        pd.testing.assert_frame_equal(
            read(url, "raw_player_boxscores")[old.columns], old, check_dtype=False
        )
        assert staging_tables(url) == []

    def fail(where: bqw.Dataset, script: str) -> None:
        raise RuntimeError("connection lost before the transaction")

    with monkeypatch.context() as patch:
        patch.setattr(bqw, "commit", fail)
        failed_write_keeps_old_rows(RuntimeError, "connection lost")

    # The server fails inside the transaction, after its DELETE ran: BigQuery rolls it back.
    with monkeypatch.context() as patch:
        original = bqw.transaction_sql
        patch.setattr(
            bqw,
            "transaction_sql",
            lambda statements: original([*statements, "SELECT ERROR('injected after delete')"]),
        )
        failed_write_keeps_old_rows(Exception, "injected after delete")


def test_partition_write_of_5000_rows_costs_at_most_5_jobs(url: str, jobs: list[str]) -> None:
    warehouse.replace_partition(
        url,
        "raw_player_boxscores",
        box_scores("2024-01-05", range(10)),
        "game_date",
        ["2024-01-05"],
    )
    jobs.clear()
    big = box_scores("2024-01-05", range(5000))
    assert (
        warehouse.replace_partition(url, "raw_player_boxscores", big, "game_date", ["2024-01-05"])
        == 5000
    )
    assert len(jobs) <= 5, jobs
    assert jobs == ["load_table_from_file", "query"]
    assert len(read(url, "raw_player_boxscores")) == 5000


def test_concurrent_upserts_to_one_table_do_not_collide(url: str) -> None:
    key = ["player_id", "team_abbr"]
    warehouse.upsert(
        url, "player_registry", pd.DataFrame({"player_id": [0], "team_abbr": ["BOS"]}), key
    )
    errors: list[BaseException] = []

    def write(start: int) -> None:
        frame = pd.DataFrame({"player_id": range(start, start + 50), "team_abbr": "NYK"})
        try:
            warehouse.upsert(url, "player_registry", frame, key)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=write, args=(start,)) for start in (100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    back = read(url, "player_registry", order="player_id")
    assert back["player_id"].tolist() == [0, *range(100, 150), *range(200, 250), *range(300, 350)]
    assert staging_tables(url) == []


def test_added_nullable_column_is_handled(url: str) -> None:
    warehouse.replace_partition(
        url, "raw_player_boxscores", box_scores("2024-01-05", range(2)), "game_date", ["2024-01-05"]
    )
    wider = box_scores("2024-01-06", range(2))
    wider["minutes"] = [31.5, np.nan]
    wider["note"] = pd.Series(["x", None], dtype=object)
    warehouse.replace_partition(url, "raw_player_boxscores", wider, "game_date", ["2024-01-06"])
    warehouse.replace_partition(
        url,
        "raw_player_boxscores",
        wider.assign(game_date=pd.Timestamp("2024-01-07")),
        "game_date",
        ["2024-01-07"],
    )
    back = read(url, "raw_player_boxscores")
    assert back["minutes"].isna().tolist() == [True, True, False, True, False, True]
    assert back["note"].tolist() == [None, None, "x", None, "x", None]


def test_warehouse_reads_and_fingerprint(url: str) -> None:
    store = Warehouse(url)
    assert (
        store.fingerprint("raw_player_boxscores", dates=["2024-01-05"])
        == "raw_player_boxscores:absent"
    )
    warehouse.replace_partition(
        url, "raw_player_boxscores", box_scores("2024-01-05", range(3)), "game_date", ["2024-01-05"]
    )
    warehouse.replace_partition(
        url, "raw_player_boxscores", box_scores("2024-01-06", range(2)), "game_date", ["2024-01-06"]
    )

    assert len(store.read_dates("raw_player_boxscores", [pd.Timestamp("2024-01-05")])) == 3
    assert len(store.read_window("raw_player_boxscores", pd.Timestamp("2024-01-06"), None)) == 2
    assert store.distinct_dates("raw_player_boxscores") == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-01-06"),
    ]

    day = [pd.Timestamp("2024-01-05")]
    before = store.fingerprint("raw_player_boxscores", dates=day)
    assert before.startswith("raw_player_boxscores:3:")
    assert store.fingerprint("raw_player_boxscores", dates=day) == before
    assert store.fingerprint("raw_player_boxscores", dates=[]) == "raw_player_boxscores:0:None"
    warehouse.replace_partition(
        url, "raw_player_boxscores", box_scores("2024-01-05", range(3), 11.0), "game_date", day
    )
    after = store.fingerprint("raw_player_boxscores", dates=day)
    assert after.startswith("raw_player_boxscores:3:") and after != before
    assert store.fingerprint("raw_player_boxscores", before=pd.Timestamp("2024-01-06")) == after
