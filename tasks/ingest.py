"""Phase 1-2 task: fetch payloads for a date, keep them raw, load the good rows, quarantine the bad."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from resources.logs import run_logger
from resources.raw_loader import ingest_kind_for_date
from resources.settings import get_settings
from resources.sources.base import SourceError, TransientSourceError


@task(
    name="ingest",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[5, 30, 120],
    retry_condition_fn=lambda task, task_run, state: _is_transient(state),
)
def ingest(
    kinds: list[str], game_date: date, run_date: date | None = None
) -> dict[str, dict[str, object]]:
    """Ingest the given kinds for one date; transient source errors retry, permanent ones do not."""
    settings = get_settings()
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


def _is_transient(state: object) -> bool:
    """Retry only errors that may pass (429, 5xx, timeouts); a 404 for an unplayed game never retries."""
    try:
        state.result()  # type: ignore[attr-defined]
    except TransientSourceError:
        return True
    except SourceError:
        return False
    except Exception:
        return False
    return False
