"""Retry classes: transient failures retry (with backoff, capped), permanent ones fail at once."""

from __future__ import annotations

import httpx
import pytest
from prefect import flow, task

from contracts.validate import ContractViolation
from resources.model_registry import ModelNotFound
from resources.retry import TASK_RETRIES, is_transient
from resources.sources.base import SourceError, TransientSourceError
from resources.sources.http import HttpStatusError


def _wrapped(inner: BaseException) -> RuntimeError:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise RuntimeError("phase failed") from exc
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        TransientSourceError("stats_nba", "HTTP 503 after 4 attempts"),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError("connection refused"),
        OSError('IO Error: Could not set lock on file "warehouse.duckdb"'),
        _wrapped(OSError("Could not set lock on file")),  # a lock error wrapped by the caller
        ConnectionRefusedError(111, "Connection refused"),
        RuntimeError("API request to http://mlflow:5000/api failed: Max retries exceeded"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transient_errors_retry(error: BaseException) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        ContractViolation("ml_feature_store", []),
        ModelNotFound("no version of 'nba-props-points' has alias 'champion'"),
        HttpStatusError("stats_nba", "HTTP 404", url="u", status_code=404),
        SourceError("odds_api", "error body instead of data"),
        ValueError("end 2024-01-01 is before start 2024-02-01"),
        KeyError("MATCHUP"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_permanent_errors_fail_at_once(error: BaseException) -> None:
    assert not is_transient(error)


def _attempts(error: BaseException) -> int:
    from resources.retry import TASK_RETRY_OPTIONS

    calls: list[int] = []

    @task(**{**TASK_RETRY_OPTIONS, "retry_delay_seconds": 0, "retry_jitter_factor": None})
    def flaky() -> None:
        calls.append(1)
        raise error

    @flow
    def run() -> None:
        flaky()

    with pytest.raises(type(error)):
        run()
    return len(calls)


@pytest.mark.usefixtures("prefect_harness")
def test_a_phase_task_retries_transient_errors_up_to_the_cap_and_permanent_ones_never() -> None:
    assert _attempts(TransientSourceError("odds_api", "HTTP 429")) == TASK_RETRIES + 1
    assert _attempts(ModelNotFound("no champion")) == 1
