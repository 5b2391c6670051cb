"""Training task: training rows from the warehouse, optional tuning, fit each market, register."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from models.training import NUM_ROUNDS, fit_markets, training_rows
from models.tuning import tune_market
from resources import model_registry
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import get_settings
from resources.training_data import training_frame


@task(name="train", cache_policy=NO_CACHE, **TASK_RETRY_OPTIONS)
def train_markets(
    markets: list[str],
    start: date,
    end: date,
    only_if_missing: bool = False,
    trials: int = 0,
    num_rounds: int = NUM_ROUNDS,
) -> dict[str, dict[str, Any]]:
    """Tune (optional), fit and register every market; `only_if_missing` skips markets with a champion.

    New versions get alias `challenger` (the first of a model also `champion`).
    """
    settings = get_settings()
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
