"""Retry storms: the ingest task retries transient source errors with backoff and a cap, never 404s."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from resources.sources.base import SourceError, TransientSourceError
from tasks import ingest as ingest_module

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _counting(monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[str]:
    calls: list[str] = []

    def fail(settings: Any, kind: str, game_date: date, run_date: date | None = None) -> Any:
        calls.append(kind)
        raise error

    monkeypatch.setattr(ingest_module, "ingest_kind_for_date", fail)
    return calls


def test_backoff_and_cap_are_configured() -> None:
    task = ingest_module.ingest
    assert task.retries == 3
    assert task.retry_delay_seconds == [5, 30, 120]  # backoff, capped at three retries


def test_permanent_404_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    error = SourceError("stats_nba", "HTTP 404 Not Found: game not played yet")
    calls = _counting(monkeypatch, error)
    fast = ingest_module.ingest.with_options(retry_delay_seconds=[0, 0, 0])
    with pytest.raises(SourceError):
        fast(["player_boxscores"], date(2024, 4, 10))
    assert len(calls) == 1


def test_transient_5xx_is_retried_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    error = TransientSourceError("stats_nba", "HTTP 503 Service Unavailable")
    calls = _counting(monkeypatch, error)
    fast = ingest_module.ingest.with_options(retry_delay_seconds=[0, 0, 0])
    with pytest.raises(TransientSourceError):
        fast(["player_boxscores"], date(2024, 4, 10))
    assert len(calls) == 4  # the first try and three retries, then it stops
