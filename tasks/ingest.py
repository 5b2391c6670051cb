"""Phase 1-2 task: fetch payloads for a date, keep them raw, load the good rows, quarantine the bad."""

from __future__ import annotations

from datetime import date

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from resources.logs import run_logger
from resources.raw_loader import ingest_kind_for_date
from resources.retry import TASK_RETRY_JITTER, retry_on_transient
from resources.settings import get_settings


@task(
    name="ingest",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    retry_jitter_factor=TASK_RETRY_JITTER,
    retry_condition_fn=retry_on_transient,
)
def ingest(
    kinds: list[str],
    game_date: date,
    run_date: date | None = None,
    clock: pd.Timestamp | None = None,
) -> dict[str, dict[str, object]]:
    """Ingest the given kinds for one date; transient source errors retry, permanent ones do not.

    `clock` pins the run's 'now' (the replay source answers as of it: a morning or a pre-tip run).
    """
    settings = get_settings()
    if clock is not None:
        settings = settings.model_copy(update={"clock": pd.Timestamp(clock).isoformat()})
    logger = run_logger()
    out: dict[str, dict[str, object]] = {}
    for kind in kinds:
        report = ingest_kind_for_date(settings, kind, game_date, run_date)
        logger.info(
            "%s %s: %d rows loaded, %d quarantined %s",
            kind,
            game_date,
            report.rows_loaded,
            report.rows_quarantined,
            report.by_rule or "",
        )
        out[kind] = {
            "rows_loaded": report.rows_loaded,
            "rows_quarantined": report.rows_quarantined,
            "by_rule": report.by_rule,
        }
    return out
