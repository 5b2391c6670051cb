"""The BigQuery warehouse's pure parts: URL, parameters, literals, types, layout, conflict retry."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from google.api_core.exceptions import BadRequest

from resources import bigquery_warehouse as bqw


def test_url_gives_project_and_dataset() -> None:
    assert bqw.Dataset.from_url("bigquery://proj/nba?location=US") == bqw.Dataset("proj", "nba")
    assert bqw.Dataset("proj", "nba").table_id("t") == "proj.nba.t"
    with pytest.raises(ValueError):
        bqw.Dataset.from_url("bigquery://proj")


def test_bind_params_types_values_and_leaves_casts_alone() -> None:
    sql, params = bqw.bind_params(
        "SELECT x::INT FROM t WHERE d = :d AND n IN :ids AND s = :s AND z IN (:none) AND w = :w",
        {"d": pd.Timestamp("2024-01-05"), "ids": [1, 2], "s": "a", "none": None},
    )
    assert sql == (
        "SELECT x::INT FROM t WHERE d = @d AND n IN UNNEST(@ids) AND s = @s AND z IN (NULL) AND w = :w"
    )
    typed = {p.name: p.to_api_repr() for p in params}
    assert typed["d"]["parameterType"]["type"] == "DATETIME"
    assert typed["ids"]["parameterType"]["arrayType"]["type"] == "INT64"
    assert typed["s"]["parameterType"]["type"] == "STRING"


def test_literals_are_typed_and_escaped() -> None:
    assert bqw.literal(pd.Timestamp("2024-01-05"), "DATETIME") == (
        "DATETIME '2024-01-05 00:00:00.000000'"
    )
    assert bqw.literal(datetime(2024, 1, 5, 12), "DATE") == "DATE '2024-01-05'"
    assert bqw.literal(pd.Timestamp("2024-01-05T12:00:00-05:00"), "TIMESTAMP") == (
        "TIMESTAMP '2024-01-05 17:00:00.000000+00'"
    )
    assert bqw.literal("O'Neal\\", "STRING") == "'O\\'Neal\\\\'"
    assert bqw.literal(3.0, "INT64") == "3"


def test_bq_types_of_frame_columns() -> None:
    frame = pd.DataFrame(
        {
            "i": [1, 2],
            "n": pd.array([1, None], dtype="Int64"),
            "f": [1.5, None],
            "b": [True, False],
            "ts": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
            "dt": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "d": [date(2024, 1, 1), None],
            "s": ["a", None],
            "empty": [None, None],
        }
    )
    assert bqw.frame_types(frame, {"s": "INT64"}) == {
        "i": "INT64",
        "n": "INT64",
        "f": "FLOAT64",
        "b": "BOOL",
        "ts": "TIMESTAMP",
        "dt": "DATETIME",
        "d": "DATE",
        "s": "INT64",
        "empty": "STRING",
    }


def test_layout_from_registry_skips_unclusterable_key_columns() -> None:
    types = {
        "event_id": "STRING",
        "bookmaker": "STRING",
        "market": "STRING",
        "player_name": "STRING",
        "line": "FLOAT64",
        "captured_at": "TIMESTAMP",
        "game_date": "DATETIME",
    }
    assert bqw.table_layout("raw_prop_lines", types, None, ()) == (
        "game_date",
        ["event_id", "bookmaker", "market", "player_name"],
    )
    assert bqw.table_layout("quarantine", {"payload_path": "STRING"}, None, ()) == (
        None,
        ["payload_path"],
    )
    assert bqw.table_layout("scratch", {"k": "INT64", "day": "DATE"}, "day", ["k"]) == (
        "day",
        ["k"],
    )


def test_only_new_columns_are_added_one_statement_each() -> None:
    sql = bqw.add_columns_sql("t", {"a": "INT64", "b": "STRING", "c": "BOOL"}, {"a": "INT64"})
    assert sql == (
        "ALTER TABLE `t` ADD COLUMN IF NOT EXISTS `b` STRING;\n"
        "ALTER TABLE `t` ADD COLUMN IF NOT EXISTS `c` BOOL;\n"
    )
    assert bqw.add_columns_sql("t", {"a": "INT64"}, {}) == ""


def test_aborted_transaction_is_retried_other_errors_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    aborted = "Transaction is aborted due to concurrent update against table t"
    outcomes: list[BadRequest | None] = [BadRequest(aborted), None]  # type: ignore[no-untyped-call]

    def run(where: bqw.Dataset, sql: str) -> None:
        calls.append(sql)
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(bqw, "_run", run)
    monkeypatch.setattr(bqw, "CONFLICT_BACKOFF_SECONDS", 0.0)
    bqw.commit(bqw.Dataset("p", "d"), "SCRIPT")
    assert calls == ["SCRIPT", "SCRIPT"]

    calls.clear()
    outcomes[:] = [BadRequest("Syntax error")]  # type: ignore[no-untyped-call]
    with pytest.raises(BadRequest, match="Syntax error"):
        bqw.commit(bqw.Dataset("p", "d"), "SCRIPT")
    assert calls == ["SCRIPT"]
