"""Training task: build training rows from the warehouse, tune, fit each market, register in MLflow."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from features.analytics import player_game_summary
from features.precompute import attach_actuals
from models.similarity import add_similarity
from models.training import NUM_ROUNDS, fit_markets, training_rows
from models.tuning import tune_market
from resources import model_registry, warehouse
from resources.settings import Settings
from tasks.features import compute_features


def training_dates(settings: Settings, start: date, end: date) -> list[date]:
    """Dates with games in [start, end) according to the warehouse schedule."""
    sched = warehouse.read_sql(
        settings.resolved_warehouse_url,
        "SELECT DISTINCT game_date FROM raw_schedule WHERE game_date >= :s AND game_date < :e ORDER BY 1",
        {"s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()},
    )
    return [pd.Timestamp(d).date() for d in sched["game_date"]]


def player_history(settings: Settings, end: date) -> pd.DataFrame:
    """player_game_summary of every box score strictly before `end`."""
    players = warehouse.read_table(
        settings.resolved_warehouse_url,
        "raw_player_boxscores",
        "game_date < :e",
        {"e": pd.Timestamp(end).to_pydatetime()},
    )
    return player_game_summary(players)


def training_frame(settings: Settings, start: date, end: date) -> pd.DataFrame:
    """Feature-store rows for every game date in [start, end) with `similarity_mean` and the actual outcome."""
    dates = training_dates(settings, start, end)
    if not dates:
        raise ValueError(
            f"no games in the warehouse between {start} and {end}; run `nba-props import` first"
        )
    tables = compute_features(settings, dates, as_of=None)
    assert tables is not None
    games = player_history(settings, end)
    store = tables.ml_feature_store
    store = store[store["market"].isin(settings.markets)]
    return attach_actuals(add_similarity(store, games), games)


def train_markets(
    settings: Settings,
    markets: list[str],
    start: date,
    end: date,
    only_if_missing: bool = False,
    trials: int = 0,
    num_rounds: int = NUM_ROUNDS,
) -> dict[str, dict[str, Any]]:
    """Tune (optional), fit and register every market; `only_if_missing` skips markets with a champion."""
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    todo = [
        m
        for m in markets
        if not only_if_missing
        or model_registry.version_with_alias(
            model_registry.model_name(settings.model_name_prefix, m), settings.champion_alias
        )
        is None
    ]
    if not todo:
        return {}
    frame = training_frame(settings, start, end)
    cutoff = pd.Timestamp(end)
    params: dict[str, dict[str, object]] = {}
    tuning: dict[str, dict[str, Any]] = {}
    for market in todo:
        if trials > 0:
            rows = training_rows(frame, market, cutoff)
            with model_registry.parent_run(f"tune-{market}", {"market": market}) as parent:
                result = tune_market(rows, trials, num_rounds, on_trial=model_registry.log_trial)
                model_registry.log_tuning_summary(result)
            params[market] = result.best_params
            tuning[market] = {"tuning_run": parent, "best_mae": result.best_value}
    trained = fit_markets(frame, todo, cutoff, params, num_rounds)
    results: dict[str, dict[str, Any]] = {}
    for market, model in trained.items():
        rows = training_rows(frame, market, cutoff)
        name = model_registry.model_name(settings.model_name_prefix, market)
        version = model_registry.register_market_model(
            model,
            name,
            rows,
            {
                "start": start.isoformat(),
                "end_exclusive": end.isoformat(),
                "rows": str(len(rows)),
                "first_date": str(pd.Timestamp(rows["game_date"].min()).date()),
                "last_date": str(pd.Timestamp(rows["game_date"].max()).date()),
            },
        )
        results[market] = {
            "model": name,
            "version": version,
            **model.metrics,
            **tuning.get(market, {}),
        }
    return results
