"""Phases 3-4 task: game summaries, context, precompute tables, feature store and coverage."""

from __future__ import annotations

from datetime import date

import pandas as pd
from prefect import task

from features.pipeline import coverage_counts, low_coverage_message
from resources.feature_store import feature_tables, write_feature_tables, write_game_summaries
from resources.logs import run_logger
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import get_settings
from resources.warehouse import Warehouse


@task(
    name="build-features",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def build_features(dates: list[date], as_of: pd.Timestamp | None = None) -> dict[str, int]:
    """Build and write phases 3-4 and the coverage rows for the dates; rows written per table.

    Low coverage fails the task only with `coverage_fail`; otherwise the monitor-coverage task
    reports and alerts on it (once, from there).
    """
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    tables = feature_tables(wh, dates, as_of)
    counts = write_game_summaries(settings, wh, dates, tables)
    counts.update(write_feature_tables(wh, dates, tables))
    coverage = coverage_counts([pd.Timestamp(d) for d in dates], tables)
    wh.replace_dates("coverage", coverage, dates)
    message = low_coverage_message(coverage, settings.coverage_threshold)
    if message and settings.coverage_fail:
        raise RuntimeError(f"coverage below {settings.coverage_threshold:.0%}: {message}")
    run_logger().info("features for %s..%s: %s", min(dates), max(dates), counts)
    return counts
