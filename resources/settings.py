"""The one settings class: every knob of the platform, read from NBA_PROPS_* environment variables."""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Platform settings. Environments differ only in these values, never in code."""

    model_config = SettingsConfigDict(env_prefix="NBA_PROPS_", extra="ignore")

    home: Path = Field(
        default=Path("var"),
        description="State directory: DuckDB file, raw store, exports, reports, MLflow and Prefect home.",
    )
    data_dir: Path = Field(
        default=REPO_ROOT / "data",
        description="Folder of real data files the replay source serves (layout of ../shared/data).",
    )
    warehouse_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the warehouse; default duckdb:///{home}/warehouse.duckdb. "
        "Production: bigquery://project/dataset.",
    )
    raw_store_url: str | None = Field(
        default=None,
        description="Where raw payloads are kept: a local folder (default {home}/raw) or gs://bucket/prefix.",
    )
    exports_url: str | None = Field(
        default=None,
        description="Where JSON exports go: a local folder (default {home}/exports) or gs://bucket/prefix.",
    )
    gcp_credentials_block: str | None = Field(
        default=None,
        description="Name of the prefect-gcp GcpCredentials block used for gs:// URLs.",
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking URI; default sqlite:///{home}/mlflow.db with artifacts under {home}/mlartifacts.",
    )
    source: str = Field(
        default="replay",
        description="Where payloads come from: 'replay' (bundled real data, as of a clock) or 'live' "
        "(stats.nba.com, cdn.nba.com, The Odds API).",
    )
    odds_api_key: str | None = Field(
        default=None,
        description="The Odds API key (or Prefect Secret block 'odds-api-key'); never logged.",
        repr=False,
    )
    clock: str | None = Field(
        default=None,
        description="Pin 'now' (ISO datetime, UTC if no zone) for replay and tests; default is the real clock.",
    )
    replay_clock_time: str = Field(
        default="18:00",
        description="US-Eastern time of day the replay source answers 'as of' on a game date when no clock is pinned.",
    )
    injury_report_backfill_from: date = Field(
        default=date(2021, 10, 19),
        description=(
            "`backfill` fetches the official injury report for game dates from here on (the league's "
            "PDF archive; earlier dates are not asked for)."
        ),
    )
    injury_report_backfill_time: str = Field(
        default="17:40",
        description=(
            "US-Eastern time of day `backfill` reads a date's injury report as of (the pre-tip "
            "refresh's view: after the 5 pm report); rows published after a game's tip-off never count."
        ),
    )
    demo_date: date = Field(
        default=date(2024, 4, 10),
        description="Game date `make demo` runs (inside the bundled prop-line window).",
    )
    markets: list[str] = Field(
        default=["points", "rebounds", "assists", "threes", "pra"],
        description="Markets predicted and graded.",
    )
    drift_markets: list[str] | None = Field(
        default=None,
        description="Markets the daily drift report covers (default: every market predicted). "
        "Each costs a few seconds of Evidently per run; the test suite sets one.",
    )
    model_name_prefix: str = Field(
        default="nba-props", description="Registered model name is '{prefix}-{market}'."
    )
    champion_alias: str = Field(default="champion", description="Alias the prediction flow loads.")
    train_seasons: list[str] = Field(
        default=["2021-22", "2022-23", "2023-24"],
        description="Seasons the first model trains on (rows strictly before the train cutoff).",
    )
    train_cutoff: date = Field(
        default=date(2024, 3, 1),
        description="Training uses games strictly before this date; evaluation windows start at or after it.",
    )
    min_expected_value: float = Field(
        default=0.03,
        description="Recommend OVER/UNDER only when expected profit per unit at the real price is at least this.",
    )
    promote_min_rows: int = Field(
        default=200,
        description="`nba-props promote`: real-line rows the comparison window needs before the champion may move.",
    )
    promote_mae_tolerance: float = Field(
        default=0.02,
        description="`nba-props promote`: the challenger's MAE may exceed the champion's by at most this.",
    )
    promote_brier_tolerance: float = Field(
        default=0.0,
        description="`nba-props promote`: the challenger's Brier may exceed the champion's by at most this.",
    )
    backtest_train_start: date = Field(
        default=date(2016, 10, 1),
        description="`nba-props backtest`: first game date of the training rows (every fold trains from here).",
    )
    coverage_threshold: float = Field(
        default=0.9, description="Share of expected players a precompute table must cover."
    )
    summary_refresh_days: int = Field(
        default=7,
        description="Phase 3 rewrites player/team game summaries of game dates this many days "
        "before the first target date (new dates are always written), to pick up corrections.",
    )
    coverage_fail: bool = Field(
        default=False,
        description="Fail the run (true) or warn and alert (false) below the coverage threshold.",
    )
    alert_block: str | None = Field(
        default=None,
        description="Name of a Prefect notification block (Slack, webhook, email) for alerts; none logs only.",
    )
    alert_min_interval_minutes: int = Field(
        default=60,
        description="The same alert signature is sent at most once per this many minutes.",
    )
    report_window_days: int = Field(
        default=28,
        description="Trailing calendar days (ending on the report date) the drift reference, coverage "
        "report and performance report cover.",
    )
    performance_rolling_dates: int = Field(
        default=7,
        description="Graded dates in the rolling MAE of the performance report.",
    )

    heal_lookback_days: int = Field(
        default=7,
        description="Days before today the scheduled `heal` run checks for missing or low-coverage outputs.",
    )
    cache_enabled: bool = Field(
        default=True,
        description="Reuse a phase's persisted result when its inputs' data version is unchanged "
        "(false: every phase always runs; same as `--no-cache` / the `refresh` flow parameter).",
    )
    result_storage_block: str | None = Field(
        default=None,
        description="Prefect block (`gcs-bucket/name`) where task results and cache records are "
        "persisted; default Prefect's local storage ({PREFECT_HOME}/storage, under the state "
        "directory for the CLI and `make serve`).",
    )
    backfill_parallel_runs: int = Field(
        default=1,
        ge=1,
        description="`backfill-fanout`: chunk runs at once. 1 (one machine) runs the chunks one "
        "after another in the fan-out's own process; N > 1 submits each chunk as a child run of "
        "the chunk deployment on its work pool, at most N in flight (needs a shared warehouse: "
        "BigQuery).",
    )
    daily_lock_timeout_seconds: float = Field(
        default=3600,
        description="How long a daily-pipeline run waits for the per-date concurrency slot held by another run.",
    )

    @cached_property
    def home_dir(self) -> Path:
        return self.home.resolve()

    @property
    def resolved_warehouse_url(self) -> str:
        return self.warehouse_url or f"duckdb:///{self.home_dir / 'warehouse.duckdb'}"

    @property
    def resolved_raw_store(self) -> str:
        return self.raw_store_url or str(self.home_dir / "raw")

    @property
    def resolved_exports(self) -> str:
        return self.exports_url or str(self.home_dir / "exports")

    @property
    def reports_dir(self) -> Path:
        return self.home_dir / "reports"

    @property
    def resolved_mlflow_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.home_dir / 'mlflow.db'}"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.home_dir / "mlartifacts"

    @property
    def prefect_home(self) -> Path:
        return self.home_dir / "prefect"


def get_settings() -> Settings:
    """Read settings from the environment now (not at import time)."""
    return Settings()
