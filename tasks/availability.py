"""Availability task: which teammates' absences moved a player's published prediction."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from features.analytics import player_game_summary
from models.availability_effects import (
    AS_PUBLISHED,
    absences,
    availability_moves,
    counterfactual_rows,
    explain_line,
    largest_move,
)
from models.prediction import EXPORT_SYSTEM
from models.similarity import add_similarity
from resources import model_registry
from resources.injury_store import read_injury_reports
from resources.settings import get_settings
from resources.warehouse import Warehouse


@task(name="explain-availability", cache_policy=NO_CACHE)
def explain_availability(
    day: date, market: str, as_of: pd.Timestamp | None, player: str | None = None
) -> dict[str, Any]:
    """Re-predict a date's players of `market` without each absent teammate; the line of `player`
    (a name or NBA id) or, when None, of the player whose prediction the absences moved most.

    Returns {"line", "player_id", "model", "published_matches_stored", "moves" (the player's),
    "all_moves" (every explained player's)}; "line" None (with "why") when nothing moved: no
    feature-store rows, no report for the date, no teammate listed Out or Doubtful.
    """
    settings = get_settings()
    wh = Warehouse.from_settings(settings)
    d = pd.Timestamp(day)
    store = wh.read_dates("ml_feature_store", [day])
    store = store[store["market"] == market] if len(store) else store
    none: dict[str, Any] = {"line": None, "player_id": None, "moves": [], "all_moves": []}
    if store.empty:
        return none | {"why": f"no feature-store rows of {market} for {day}"}
    if player is not None:
        mine = store[
            (store["player_id"].astype(str) == player)
            | (store["player_name"].str.casefold() == player.casefold())
        ]
        if mine.empty:
            return none | {"why": f"no {market} row for player {player!r} on {day}"}
        store = store[store["team_abbr"].isin(mine["team_abbr"])]
    history = player_game_summary(wh.read_before("raw_player_boxscores", d))
    reports = read_injury_reports(wh, [day])
    who = absences(reports, history, as_of)
    rows = counterfactual_rows(add_similarity(store, history), history, reports, as_of)
    if rows.empty:
        return none | {"why": f"no teammate listed Out or Doubtful in a usable report for {day}"}
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    name = model_registry.model_name(settings.model_name_prefix, market)
    loaded = model_registry.load_by_alias(name, settings.champion_alias)
    means = model_registry.predict_with(loaded, rows)["predicted_mean"]
    moves = availability_moves(rows, means)
    if player is not None:
        chosen = str(mine["player_id"].iloc[0])
    else:
        top = largest_move(moves, market)
        if top is None:
            return none | {"why": "no prediction moved"}
        chosen = str(top["player_id"])
    published = _published_matches_stored(wh, day, market, rows, means)
    return {
        "line": explain_line(moves, chosen, market, who),
        "player_id": chosen,
        "model": f"{loaded.name} v{loaded.version}",
        "published_matches_stored": published,
        "moves": moves[moves["player_id"] == chosen].to_dict(orient="records"),
        "all_moves": moves.to_dict(orient="records"),
    }


def _published_matches_stored(
    wh: Warehouse, day: date, market: str, rows: pd.DataFrame, means: pd.Series
) -> bool:
    """Whether the re-predicted published means equal the stored ensemble predictions."""
    stored = wh.read_dates("player_prop_predictions", [day], system_id=EXPORT_SYSTEM)
    stored = stored[stored["market"] == market]
    mine = rows.assign(_mean=means.astype(float))[rows["scenario"] == AS_PUBLISHED]
    both = mine.merge(
        stored.assign(player_id=stored["player_id"].astype(str))[["player_id", "predicted_mean"]],
        on="player_id",
    )
    return bool(len(both)) and bool(
        np.allclose(both["_mean"], both["predicted_mean"].astype(float), atol=1e-6)
    )
