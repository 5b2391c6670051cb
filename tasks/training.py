"""Training task: build training rows from the warehouse, fit each market, register in MLflow."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from features.analytics import player_game_summary
from features.precompute import attach_actuals
from models import registry
from models.training import fit_market_model, training_rows
from tasks import warehouse
from tasks.phases import compute_features
from tasks.settings import Settings


def training_dates(settings: Settings, start: date, end: date) -> list[date]:
    """Dates with games in [start, end) according to the warehouse schedule."""
    sched = warehouse.read_sql(
        settings.resolved_warehouse_url,
        "SELECT DISTINCT game_date FROM raw_schedule WHERE game_date >= :s AND game_date < :e ORDER BY 1",
        {"s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()},
    )
    return [pd.Timestamp(d).date() for d in sched["game_date"]]


def training_frame(settings: Settings, start: date, end: date) -> pd.DataFrame:
    """Feature-store rows for every game date in [start, end) with the actual outcome attached."""
    dates = training_dates(settings, start, end)
    if not dates:
        raise ValueError(
            f"no games in the warehouse between {start} and {end}; run `nba-props import` first"
        )
    tables = compute_features(settings, dates, as_of=None)
    assert tables is not None
    players = warehouse.read_table(
        settings.resolved_warehouse_url,
        "raw_player_boxscores",
        "game_date >= :s AND game_date < :e",
        {"s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()},
    )
    return attach_actuals(tables.ml_feature_store, player_game_summary(players))


def train_markets(
    settings: Settings, markets: list[str], start: date, end: date, only_if_missing: bool = False
) -> dict[str, dict[str, Any]]:
    """Fit and register every market; `only_if_missing` skips markets that already have a champion."""
    registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    todo = [
        m
        for m in markets
        if not only_if_missing
        or registry.version_with_alias(
            registry.model_name(settings.model_name_prefix, m), settings.champion_alias
        )
        is None
    ]
    if not todo:
        return {}
    frame = training_frame(settings, start, end)
    results: dict[str, dict[str, Any]] = {}
    for market in todo:
        rows = training_rows(frame, market, pd.Timestamp(end))
        trained = fit_market_model(rows, market)
        name = registry.model_name(settings.model_name_prefix, market)
        version = registry.register_market_model(
            trained,
            name,
            rows,
            {"start": start.isoformat(), "end_exclusive": end.isoformat(), "rows": str(len(rows))},
        )
        results[market] = {"model": name, "version": version, **trained.metrics}
    return results
