"""The one-date daily pipeline on DuckDB and on the emulated cloud stack: shared setup pieces.

Used by tests/integration/test_pipeline_on_emulators.py and benchmarks/pipeline_emulators.py.
Both stacks start from the same inputs: one season of the bundled files is imported into a DuckDB
warehouse (rows before the first pipeline date, as `make demo` does), and every table is then
copied into a BigQuery dataset; one set of market models is fitted once and registered in both
registries (the local sqlite store and the MLflow server), so each stack loads `@champion` from
its own registry and the predictions can only differ through the backends.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from models.training import TrainedMarket, fit_markets, training_rows
from resources import bigquery_warehouse, model_registry, warehouse
from resources.settings import Settings, get_settings
from tests.integration.bigquery_emulator import PROJECT
from tests.integration.gcp_fixtures import REPO

# The bundled files the pipeline of 2024-04-10 needs: the 2023-24 season and its lines and odds.
SEASON_FILES: dict[str, tuple[str, ...]] = {
    "team_game_logs": ("nba_team_game_logs_2023-24.csv.gz",),
    "player_game_logs": ("nba_player_game_logs_regular_season_2023-24.csv.gz",),
    "props": ("oddsapi_player_props_2024-03-02_to_2024-05-25.csv.gz",),
    "game_odds": ("oddsapi_game_odds_2022-10-18_to_2026-01-05.csv.gz",),
    "injuries": ("official_injury_report_2024-02_to_2024-06.csv.gz",),
}
SETTINGS_URLS = (
    "NBA_PROPS_WAREHOUSE_URL",
    "NBA_PROPS_RAW_STORE_URL",
    "NBA_PROPS_EXPORTS_URL",
    "NBA_PROPS_MLFLOW_TRACKING_URI",
)
# The models are fitted on this window of the imported season ([start, end)).
TRAIN_WINDOW = (date(2024, 2, 1), date(2024, 3, 1))
# Columns written from the clock of the run, not from the inputs.
VOLATILE_COLUMNS = ("created_at", "predicted_at", "graded_at")
# Few rounds on one thread: the models only have to be the same on both stacks, not good.
FIT_ROUNDS = 10
FIT_PARAMS: dict[str, object] = {"num_threads": 1}


def season_data(root: Path) -> Path:
    """A data folder (links to the bundled files of SEASON_FILES) the import and the replay read."""
    for folder, names in SEASON_FILES.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            link = root / folder / name
            if not link.exists():
                link.symlink_to(REPO / "data" / folder / name)
    return root


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables; restore them on exit."""
    previous = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def local_stack(home: Path, data: Path) -> dict[str, str | None]:
    """Settings of one machine: DuckDB, local raw store and exports, sqlite MLflow under `home`."""
    return {
        "NBA_PROPS_HOME": str(home),
        "NBA_PROPS_DATA_DIR": str(data),
        **dict.fromkeys(SETTINGS_URLS),
    }


def cloud_stack(
    home: Path, data: Path, dataset: str, bucket: str, mlflow_url: str
) -> dict[str, str | None]:
    """Settings of production: BigQuery dataset, gs:// raw store and exports, the MLflow server."""
    return {
        "NBA_PROPS_HOME": str(home),
        "NBA_PROPS_DATA_DIR": str(data),
        "NBA_PROPS_WAREHOUSE_URL": f"bigquery://{PROJECT}/{dataset}",
        "NBA_PROPS_RAW_STORE_URL": f"gs://{bucket}/raw",
        "NBA_PROPS_EXPORTS_URL": f"gs://{bucket}/site",
        "NBA_PROPS_MLFLOW_TRACKING_URI": mlflow_url,
    }


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    """A DuckDB result as pandas with integer columns kept integer (nullable), not float."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}
    frame: pd.DataFrame = table.to_pandas(types_mapper=mapping.get)
    return frame


def copy_to_bigquery(duckdb_url: str, bigquery_url: str) -> dict[str, int]:
    """Every table of the DuckDB warehouse appended to the (empty) BigQuery dataset; rows per table."""
    target = bigquery_warehouse.Dataset.from_url(bigquery_url)
    client = bigquery_warehouse.client_for(target.project)
    client.create_dataset(f"{target.project}.{target.dataset}", exists_ok=True)
    with warehouse.get_engine(duckdb_url).connect() as conn:
        raw: Any = conn.connection.driver_connection
        tables = [row[0] for row in raw.execute("SHOW TABLES").fetchall()]
        frames = {t: _arrow_frame(raw.sql(f'SELECT * FROM "{t}"').to_arrow_table()) for t in tables}
    return {t: bigquery_warehouse.append(bigquery_url, t, f) for t, f in frames.items()}


def fit_champions(
    settings: Settings, start: date, end: date
) -> tuple[dict[str, TrainedMarket], pd.DataFrame]:
    """Market models fitted on the warehouse's games in [start, end) (few rounds); and their rows."""
    from resources.training_data import training_frame

    frame = training_frame(settings, start, end)
    params = {market: dict(FIT_PARAMS) for market in settings.markets}
    return fit_markets(frame, settings.markets, pd.Timestamp(end), params, FIT_ROUNDS), frame


def register_champions(
    trained: dict[str, TrainedMarket], frame: pd.DataFrame, start: date, end: date
) -> dict[str, str]:
    """Register the models in the registry the current settings name (first version = champion)."""
    settings = get_settings()
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    window = {"start": start.isoformat(), "end_exclusive": end.isoformat()}
    return {
        market: model_registry.register_market_model(
            model,
            model_registry.model_name(settings.model_name_prefix, market),
            training_rows(frame, market, pd.Timestamp(end)),
            window,
        )
        for market, model in trained.items()
    }


def run_daily(day: date) -> tuple[float, dict[str, Any]]:
    """The daily pipeline for `day` (no flow retry) under the current settings; seconds and summary."""
    from flows.daily import daily_pipeline

    started = time.perf_counter()
    summary = daily_pipeline.with_options(retries=0)(game_date=day, same_day=False)
    return time.perf_counter() - started, summary


def phase_seconds(seconds: float) -> dict[str, float]:
    """Seconds of each phase of the run that just ended (its status.json: the time each phase
    ended), the first counted from the run's start `seconds` before the export was written."""
    from resources.export_store import export_store

    status = export_store(get_settings()).read("status.json") or {}
    ended = {
        p["name"]: pd.Timestamp(p["updated_at"])
        for p in status.get("phases", [])
        if p["updated_at"]
    }
    if not ended:
        return {}
    last = pd.Timestamp(status["generated_at"])
    previous = last - pd.Timedelta(seconds=seconds)
    out = {}
    for name, at in ended.items():
        out[name] = round((at - previous).total_seconds(), 1)
        previous = at
    return out


def predictions(day: date) -> pd.DataFrame:
    """player_prop_predictions of `day` from the current warehouse, in key order."""
    wh = warehouse.Warehouse.from_settings(get_settings())
    frame = wh.read_dates("player_prop_predictions", [pd.Timestamp(day)])
    key = ["game_date", "player_id", "market", "system_id"]
    return frame.sort_values(key).reset_index(drop=True)


@dataclass(frozen=True)
class StackRun:
    """One stack's pipeline run: its settings, seconds, summary and the day's predictions."""

    env: dict[str, str | None]
    seconds: float
    summary: dict[str, Any]
    predictions: pd.DataFrame
    phases: dict[str, float] = field(default_factory=dict)


@dataclass
class StackRuns:
    """The pipeline of one date on both stacks, and the seconds of every preparation step."""

    local: StackRun
    cloud: StackRun
    steps: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    steps[name] = round(time.perf_counter() - started, 2)


def run_both_stacks(
    root: Path,
    cloud_env: Mapping[str, str | None],
    day: date,
    import_before: date,
    markets: Sequence[str] | None = None,
) -> StackRuns:
    """Prepare both stacks from the same inputs and models, then run `day` on DuckDB, then the cloud.

    `cloud_env` is `cloud_stack(...)` plus the emulator variables (BigQuery host, GCS host and
    credentials); `markets` narrows NBA_PROPS_MARKETS on both (default: the settings' five). The
    caller provides the Prefect API (test harness) and restores MLflow's URIs.
    """
    from resources.loading import import_dir

    data = season_data(root / "data")
    chosen = {"NBA_PROPS_MARKETS": json.dumps(list(markets)) if markets else None}
    local_env = {**local_stack(root / "local", data), **chosen}
    cloud = {**cloud_env, "NBA_PROPS_DATA_DIR": str(data), **chosen}
    steps: dict[str, float] = {}
    start, end = TRAIN_WINDOW
    try:
        with environment(local_env):
            settings = get_settings()
            with _timed(steps, "import_duckdb"):
                import_dir(settings, data, before=import_before)
            with _timed(steps, "copy_to_bigquery"):
                copy_to_bigquery(
                    settings.resolved_warehouse_url, str(cloud["NBA_PROPS_WAREHOUSE_URL"])
                )
            with _timed(steps, "fit"):
                trained, frame = fit_champions(settings, start, end)
            with _timed(steps, "register_local"):
                register_champions(trained, frame, start, end)
            seconds, summary = run_daily(day)
            local = StackRun(local_env, seconds, summary, predictions(day), phase_seconds(seconds))
            warehouse.dispose_engines()
        with environment(cloud):
            with _timed(steps, "register_server"):
                register_champions(trained, frame, start, end)
            seconds, summary = run_daily(day)
            remote = StackRun(cloud, seconds, summary, predictions(day), phase_seconds(seconds))
    finally:
        warehouse.dispose_engines()
    return StackRuns(local, remote, steps)


def _text(values: pd.Series) -> pd.Series:
    """Values as text, every kind of missing (None, NaN, NA) as one marker."""
    return values.astype(object).where(values.notna(), "<missing>").astype(str)


def differences(local: pd.DataFrame, cloud: pd.DataFrame, tolerance: float = 1e-9) -> list[str]:
    """Where two prediction frames (same key order) differ: floats beyond `tolerance`, else any."""
    if len(local) != len(cloud):
        return [f"rows: {len(local)} locally, {len(cloud)} on the cloud stack"]
    if sorted(local.columns) != sorted(cloud.columns):
        return [f"columns: {sorted(set(local.columns) ^ set(cloud.columns))}"]
    found = []
    for column in (c for c in local.columns if c not in VOLATILE_COLUMNS):
        mine, theirs = local[column], cloud[column]
        if pd.api.types.is_float_dtype(mine) or pd.api.types.is_float_dtype(theirs):
            a, b = mine.astype(float).to_numpy(), theirs.astype(float).to_numpy()
            same = np.isclose(a, b, rtol=0, atol=tolerance, equal_nan=True)
        elif column == "game_date":
            same = (pd.to_datetime(mine) == pd.to_datetime(theirs)).to_numpy()
        else:
            same = (_text(mine) == _text(theirs)).to_numpy()
        if not same.all():
            found.append(f"{column}: {int((~same).sum())} rows differ")
    return found
