"""Phase 6 task: grade finished dates and write their per-system daily performance."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import task

from contracts.analytics import PlayerGameSummary
from contracts.predictions import PredictionGrades
from features.analytics import player_game_summary
from models.grading import daily_performance, grade_predictions
from models.prediction import EXPORT_SYSTEM
from resources.clock import now_utc
from resources.logs import run_logger
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse

# The prediction columns grading and the daily performance read (not the model and team names).
PREDICTION_COLUMNS = (
    "game_date",
    "game_id",
    "player_id",
    "player_name",
    "market",
    "system_id",
    "recommendation",
    "line",
    "over_price",
    "under_price",
    "predicted_mean",
    "p_over",
)


def _grade_dates(
    settings: Settings, predictions: pd.DataFrame, box: pd.DataFrame, schedule: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grades and per-system performance of the dates' predictions, all dates at once."""
    if predictions.empty:
        return pd.DataFrame(columns=list(PredictionGrades.to_schema().columns)), pd.DataFrame()
    played = set(box["game_id"]) if len(box) else set()
    finished = schedule[schedule["game_id"].isin(played)] if len(schedule) else schedule
    summary = (
        player_game_summary(box)
        if len(box)
        else pd.DataFrame(columns=list(PlayerGameSummary.to_schema().columns))
    )
    grades = grade_predictions(predictions, summary, finished, now_utc(settings))
    return grades, daily_performance(grades, predictions, summary)


@task(
    name="grade",
    persist_result=True,
    **TASK_RETRY_OPTIONS,
)
def grade(dates: list[date]) -> dict[str, Any]:
    """Grade the dates' calls; replace their prediction_grades and system_daily_performance.

    Re-running after a box-score correction replaces the dates' grades with the corrected ones.
    """
    if not dates:
        return {"grades": 0, "dates": 0, "record": {}}
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    predictions = wh.read_dates("player_prop_predictions", dates, columns=PREDICTION_COLUMNS)
    box = wh.read_dates("raw_player_boxscores", dates)
    schedule = wh.read_dates("raw_schedule", dates)
    all_grades, all_perf = _grade_dates(settings, predictions, box, schedule)
    wh.replace_dates("prediction_grades", all_grades, dates)
    wh.replace_dates("system_daily_performance", all_perf, dates)
    record = (
        all_grades.loc[all_grades["system_id"] == EXPORT_SYSTEM, "result"].value_counts().to_dict()
        if len(all_grades)
        else {}
    )
    run_logger().info(
        "graded %d date(s) %s..%s: %d grades, %s record %s",
        len(dates),
        min(dates),
        max(dates),
        len(all_grades),
        EXPORT_SYSTEM,
        record,
    )
    return {"grades": len(all_grades), "dates": len(dates), "record": record}
