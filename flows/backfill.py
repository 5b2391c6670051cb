"""The backfill flow: phases 3-5 over a date range, each phase once for the whole range."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger

from tasks import warehouse
from tasks.phases import build_features, predict
from tasks.settings import get_settings


@flow(name="backfill", log_prints=True)
def backfill(start: date, end: date) -> dict[str, Any]:
    """Features for every game date in [start, end] in one vectorised pass, then predictions per date."""
    settings = get_settings()
    sched = warehouse.read_sql(
        settings.resolved_warehouse_url,
        "SELECT DISTINCT game_date FROM raw_schedule WHERE game_date BETWEEN :s AND :e ORDER BY 1",
        {"s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()},
    )
    dates = [pd.Timestamp(d).date() for d in sched["game_date"]]
    logger = get_run_logger()
    if not dates:
        logger.info("no games between %s and %s: nothing to do", start, end)
        return {"dates": 0}
    counts = build_features(dates)
    predictions = {d.isoformat(): predict(d)["rows"] for d in dates}
    return {"dates": len(dates), "features": counts, "predictions": predictions}
