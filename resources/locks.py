"""Per-date run locks: a Prefect global concurrency limit of one slot, created on first use.

DuckDB already refuses a second *process* on the warehouse file (its file lock), but two flow runs
in one process (or on BigQuery) would interleave their partition replaces; this slot serialises
them. A killed holder's lease expires after `LEASE_SECONDS`, so a re-run is not blocked for long.
`set_limit` sizes a limit of several slots (the backfill fan-out's children in flight).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

LEASE_SECONDS = 60.0


def ensure_limit(name: str, limit: int = 1) -> None:
    """Create the global concurrency limit `name` when it does not exist yet (races are fine)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=limit)
            )
        except ObjectAlreadyExists:
            return


def set_limit(name: str, limit: int) -> None:
    """Create the global concurrency limit `name` with `limit` slots, or set an existing one's."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=limit))
            return
        except ObjectNotFound:
            pass
        try:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=limit)
            )
        except ObjectAlreadyExists:  # created meanwhile by another run: set its limit
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=limit))


@contextmanager
def run_lock(names: list[str], timeout_seconds: float) -> Iterator[None]:
    """Hold the single slot of every name at once (waiting up to `timeout_seconds`)."""
    from prefect.concurrency.sync import concurrency

    for name in names:
        ensure_limit(name)
    with concurrency(
        sorted(names),
        occupy=1,
        timeout_seconds=timeout_seconds,
        lease_duration=LEASE_SECONDS,
        strict=True,
        raise_on_lease_renewal_failure=False,
    ):
        yield
