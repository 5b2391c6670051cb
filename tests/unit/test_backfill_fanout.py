"""backfill-fanout: chunk boundaries, when it fans out, and the in-process path on one machine."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from prefect import flow

from flows import backfill_fanout as fanout
from flows.backfill_fanout import chunk_ranges, fans_out
from resources.settings import Settings


def test_months_split_at_month_ends_and_clip_to_the_range() -> None:
    assert chunk_ranges(date(2023, 10, 24), date(2024, 1, 5), "month") == [
        (date(2023, 10, 24), date(2023, 10, 31)),
        (date(2023, 11, 1), date(2023, 11, 30)),
        (date(2023, 12, 1), date(2023, 12, 31)),
        (date(2024, 1, 1), date(2024, 1, 5)),
    ]


def test_seasons_split_at_the_august_cut_over() -> None:
    assert chunk_ranges(date(2021, 10, 19), date(2024, 4, 14), "season") == [
        (date(2021, 10, 19), date(2022, 7, 31)),
        (date(2022, 8, 1), date(2023, 7, 31)),
        (date(2023, 8, 1), date(2024, 4, 14)),
    ]


def test_the_bubble_season_ends_in_october_2020() -> None:
    assert chunk_ranges(date(2020, 7, 30), date(2020, 12, 31), "season") == [
        (date(2020, 7, 30), date(2020, 10, 31)),
        (date(2020, 11, 1), date(2020, 12, 31)),
    ]


def test_one_day_is_one_chunk() -> None:
    assert chunk_ranges(date(2024, 2, 29), date(2024, 2, 29), "month") == [
        (date(2024, 2, 29), date(2024, 2, 29))
    ]


@pytest.mark.parametrize("chunk", ["month", "season"])
def test_every_date_is_in_exactly_one_chunk_in_order(chunk: str) -> None:
    rng = random.Random(7)
    for _ in range(50):
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(2000))
        end = start + timedelta(days=rng.randrange(900))
        ranges = chunk_ranges(start, end, chunk)
        days = [a + timedelta(days=i) for a, b in ranges for i in range((b - a).days + 1)]
        assert days == [start + timedelta(days=i) for i in range((end - start).days + 1)]
        assert all(a <= b for a, b in ranges)


def test_bad_chunk_or_order_is_refused() -> None:
    with pytest.raises(ValueError, match="chunk must be one of"):
        chunk_ranges(date(2024, 1, 1), date(2024, 2, 1), "week")
    with pytest.raises(ValueError, match="before start"):
        chunk_ranges(date(2024, 2, 1), date(2024, 1, 1), "month")


def test_one_run_at_a_time_stays_in_process(tmp_path: Any) -> None:
    assert not fans_out(Settings(home=tmp_path))


def test_parallel_runs_on_a_duckdb_file_are_refused(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="DuckDB file"):
        fans_out(Settings(home=tmp_path, backfill_parallel_runs=3))


def test_parallel_runs_on_bigquery_fan_out(tmp_path: Any) -> None:
    settings = Settings(
        home=tmp_path, backfill_parallel_runs=3, warehouse_url="bigquery://project/dataset"
    )
    assert fans_out(settings)


@pytest.mark.usefixtures("prefect_harness")
def test_one_machine_runs_each_chunk_as_a_backfill_subflow_in_order(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[date, date, bool]] = []

    @flow(name="backfill")
    def recording_backfill(start: date, end: date, refresh: bool = False) -> dict[str, Any]:
        calls.append((start, end, refresh))
        return {"dates": (end - start).days + 1}

    def no_deployments(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("one machine must not submit deployment runs")

    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
    monkeypatch.setattr(fanout, "backfill", recording_backfill)
    monkeypatch.setattr("prefect.deployments.run_deployment", no_deployments)

    result = fanout.backfill_fanout(date(2024, 1, 30), date(2024, 3, 2), chunk="month")

    assert calls == [
        (date(2024, 1, 30), date(2024, 1, 31), False),
        (date(2024, 2, 1), date(2024, 2, 29), False),
        (date(2024, 3, 1), date(2024, 3, 2), False),
    ]
    assert result["mode"] == "in-process"
    assert [c["summary"]["dates"] for c in result["chunks"]] == [2, 29, 2]
