"""Training rows from the warehouse: feature-store rows of past game dates with their outcomes."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd

from features.analytics import player_game_summary
from features.precompute import attach_actuals
from models.similarity import add_similarity
from resources import warehouse
from resources.feature_store import feature_tables
from resources.input_gaps import require_training_games
from resources.loading import import_dir
from resources.settings import Settings
from resources.warehouse import Warehouse


def training_dates(wh: Warehouse, start: date, end: date) -> list[date]:
    """Dates with games in [start, end) according to the warehouse schedule."""
    last = pd.Timestamp(end) - pd.Timedelta(days=1)
    return [d.date() for d in wh.distinct_dates("raw_schedule", start, last)]


def player_history(settings: Settings, end: date) -> pd.DataFrame:
    """player_game_summary of every box score strictly before `end`."""
    return player_game_summary(
        Warehouse.from_settings(settings).read_before("raw_player_boxscores", end)
    )


def training_frame(settings: Settings, start: date, end: date) -> pd.DataFrame:
    """Feature-store rows for every game date in [start, end) with `similarity_mean` and the actual outcome."""
    wh = Warehouse.from_settings(settings)
    require_training_games(settings, start, end)
    dates = training_dates(wh, start, end)
    tables = feature_tables(wh, dates, as_of=None)
    assert tables is not None  # dates come from the schedule
    games = player_history(settings, end)
    store = tables.ml_feature_store
    store = store[store["market"].isin(settings.markets)]
    return attach_actuals(add_similarity(store, games), games)


def _fingerprint(directory: Path) -> str:
    """Names, sizes and modification times of the folder's data files."""
    files = sorted(p for p in directory.rglob("*.csv*") if p.is_file())
    return json.dumps(
        [[str(p.relative_to(directory)), p.stat().st_size, p.stat().st_mtime] for p in files]
    )


def data_settings(settings: Settings, data_dir: Path | None) -> Settings:
    """Settings whose warehouse holds `data_dir` imported (a separate state dir per folder), or the configured ones."""
    if data_dir is None:
        return settings
    resolved = data_dir.resolve()
    key = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    home = settings.home_dir / "backtests" / f"{resolved.name}-{key}"
    home.mkdir(parents=True, exist_ok=True)
    values = settings.model_dump()
    values.update(home=home, warehouse_url=None, raw_store_url=None, data_dir=resolved)
    scoped = Settings(**values)
    marker = home / "imported.json"
    fingerprint = _fingerprint(resolved)
    if not marker.exists() or marker.read_text() != fingerprint:
        import_dir(scoped, resolved)
        warehouse.dispose_engines()
        marker.write_text(fingerprint)
    return scoped
