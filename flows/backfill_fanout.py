"""The backfill-fanout flow: a backfill over several seasons, split into chunks (months or seasons).

On one machine (`NBA_PROPS_BACKFILL_PARALLEL_RUNS=1`, the default) the chunks run one after
another inside this run, each as the `backfill` flow (a subflow): the same work as one `backfill`
over the whole range, on DuckDB, in smaller pieces. With N > 1 each chunk becomes a child run of
the chunk deployment (default `backfill/backfill`; `backfill/backfill-cloud-run` in production)
submitted with `run_deployment` on that deployment's work pool. At most N are in flight: every
submission holds one slot of the global concurrency limit `backfill-fanout` (sized N at the start
of each fan-out) until its child run ends, so two fan-outs share the N slots, and a fan-out killed
while waiting frees its slots when their leases expire. Each child writes only its own dates'
partitions (every write is a partition replace), so chunks do not overlap. The chunk deployment's
own concurrency limit applies as well (prefect.yaml: `backfill-cloud-run` allows 8 at once).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.runtime import flow_run

from features.calendar import season_start_year
from flows.backfill import backfill
from resources.run_tags import identity_tags, tag_current_flow_run
from resources.settings import Settings, get_settings

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

Chunk = Literal["month", "season"]
FANOUT_LIMIT = "backfill-fanout"
# A child run holds its slot through its parent's lease, renewed while the parent waits.
SLOT_LEASE_SECONDS = 300.0
POLL_SECONDS = 5.0
CHUNK_KEYS: dict[str, Callable[[date], object]] = {
    "month": lambda day: (day.year, day.month),
    "season": season_start_year,
}


class ChunkRunsFailed(RuntimeError):
    """Some chunk runs did not complete (the others did; their partitions are written)."""


def chunk_ranges(start: date, end: date, chunk: str) -> list[tuple[date, date]]:
    """[start, end] split at calendar-month or NBA-season boundaries (cut-over 1 August), in order.

    The first and last chunks are clipped to the range; every date is in exactly one chunk.
    """
    if chunk not in CHUNK_KEYS:
        raise ValueError(f"chunk must be one of {sorted(CHUNK_KEYS)}, not {chunk!r}")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    key = CHUNK_KEYS[chunk]
    ranges: list[tuple[date, date]] = []
    first = start
    day = start
    while day < end:
        following = day + timedelta(days=1)
        if key(following) != key(day):
            ranges.append((first, day))
            first = following
        day = following
    ranges.append((first, end))
    return ranges


def fans_out(settings: Settings) -> bool:
    """True when chunks run as child runs on the work pool (N > 1), False when in this process.

    Child runs are separate processes: a DuckDB file takes one writer process at a time, so N > 1
    needs a shared warehouse.
    """
    if settings.backfill_parallel_runs <= 1:
        return False
    if settings.resolved_warehouse_url.startswith("duckdb:"):
        raise ValueError(
            f"NBA_PROPS_BACKFILL_PARALLEL_RUNS={settings.backfill_parallel_runs} runs chunks in "
            "separate processes, but the warehouse is a DuckDB file (one writer process at a "
            "time): set it to 1 on one machine, or point NBA_PROPS_WAREHOUSE_URL at BigQuery"
        )
    return True


@task(name="backfill-chunk-run", cache_policy=NO_CACHE)
def run_chunk(deployment: str, start: date, end: date, refresh: bool) -> dict[str, Any]:
    """Submit one chunk as a child run of `deployment` once a fan-out slot is free; wait for it."""
    from prefect.concurrency.sync import concurrency
    from prefect.deployments import run_deployment

    parent = flow_run.get_id()
    with concurrency(
        FANOUT_LIMIT,
        occupy=1,
        lease_duration=SLOT_LEASE_SECONDS,
        strict=True,
        raise_on_lease_renewal_failure=False,
    ):
        child = cast(  # called from sync code: the finished FlowRun, not a coroutine
            "FlowRun",
            run_deployment(
                deployment,
                parameters={"start": start, "end": end, "refresh": refresh},
                tags=["nba-props", "backfill", f"fanout:{parent}", f"chunk:{start}..{end}"],
                flow_run_name=f"backfill-{start}..{end}",
                poll_interval=POLL_SECONDS,
                timeout=None,
            ),
        )
    state = child.state
    outcome = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "flow_run_id": str(child.id),
        "state": state.name if state else "unknown",
    }
    if state is None or not state.is_completed():
        raise ChunkRunsFailed(
            f"chunk {start}..{end}: child run {child.name} ended {outcome['state']}"
        )
    return outcome


def _fan_out(
    settings: Settings, ranges: list[tuple[date, date]], deployment: str, refresh: bool
) -> list[dict[str, Any]]:
    """Every chunk as a child run of `deployment`, at most `backfill_parallel_runs` at once."""
    from resources.locks import set_limit

    set_limit(FANOUT_LIMIT, settings.backfill_parallel_runs)
    futures = [run_chunk.submit(deployment, first, last, refresh) for first, last in ranges]
    wait(futures)
    outcomes, failed = [], []
    for (first, last), future in zip(ranges, futures, strict=True):
        if future.state.is_completed():
            outcomes.append(future.result())
        else:
            failed.append(f"{first}..{last}")
            outcomes.append(
                {"start": first.isoformat(), "end": last.isoformat(), "state": future.state.name}
            )
    if failed:
        raise ChunkRunsFailed(
            f"{len(failed)} of {len(ranges)} chunk runs did not complete ({', '.join(failed)}); "
            "the others are written. Run backfill-fanout again over the failed ranges (finished "
            "phases come back from the cache)"
        )
    return outcomes


def _in_process(ranges: list[tuple[date, date]], refresh: bool) -> list[dict[str, Any]]:
    """Every chunk as a `backfill` subflow of this run, one after another."""
    outcomes = []
    for first, last in ranges:
        summary = backfill(start=first, end=last, refresh=refresh)
        outcomes.append({"start": first.isoformat(), "end": last.isoformat(), "summary": summary})
    return outcomes


@flow(name="backfill-fanout", log_prints=True)
def backfill_fanout(
    start: date,
    end: date,
    chunk: Chunk = "month",
    deployment: str = "backfill/backfill",
    refresh: bool = False,
) -> dict[str, Any]:
    """Backfill [start, end] in chunks of a month or a season.

    NBA_PROPS_BACKFILL_PARALLEL_RUNS=1: chunk after chunk in this run (the `backfill` flow as a
    subflow). N > 1: each chunk a child run of `deployment` ("flow/deployment") on its work pool,
    at most N at once.
    """
    settings = get_settings()
    ranges = chunk_ranges(start, end, chunk)
    parallel = fans_out(settings)
    tag_current_flow_run(identity_tags())
    logger = get_run_logger()
    logger.info(
        "backfill %s..%s in %d %s chunk(s): %s",
        start,
        end,
        len(ranges),
        chunk,
        f"child runs of {deployment}, {settings.backfill_parallel_runs} at once"
        if parallel
        else "one after another in this run",
    )
    chunks = (
        _fan_out(settings, ranges, deployment, refresh)
        if parallel
        else _in_process(ranges, refresh)
    )
    return {
        "mode": "fan-out" if parallel else "in-process",
        "parallel_runs": settings.backfill_parallel_runs if parallel else 1,
        "chunks": chunks,
    }
