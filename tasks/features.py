"""Phase 3-5 tasks: read the warehouse, run the pure transforms and models, write partitions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_logger

from contracts.predictions import PlayerPropPredictions
from contracts.registry import TABLES
from contracts.validate import split_valid
from features.pipeline import (
    COVERAGE_COLUMNS,
    FeatureTables,
    build_feature_tables,
    coverage_counts,
)
from models.distribution import DEFAULT_ALPHA, p_over, p_under
from models.policy import recommend
from models.systems import baseline_ewma_mean
from resources import model_registry, warehouse
from resources.clock import now_utc
from resources.settings import Settings, get_settings

FEATURE_TABLES = (
    "upcoming_player_game_context",
    "player_daily_cache",
    "team_defense_summary",
    "player_composite_factors",
    "prop_line_consensus",
    "ml_feature_store",
)


def _dates_sql(dates: list[date]) -> tuple[str, dict[str, Any]]:
    names = {f"d{i}": pd.Timestamp(d).to_pydatetime() for i, d in enumerate(dates)}
    return "game_date IN (" + ", ".join(f":{n}" for n in names) + ")", names


def read_inputs(settings: Settings, dates: list[date]) -> dict[str, pd.DataFrame]:
    """Schedule and prop snapshots of the target dates; every box score before the last date."""
    url = settings.resolved_warehouse_url
    in_dates, params = _dates_sql(dates)
    last = {"last": pd.Timestamp(max(dates)).to_pydatetime()}
    return {
        "schedule": warehouse.read_table(url, "raw_schedule", in_dates, params),
        "players": warehouse.read_table(url, "raw_player_boxscores", "game_date < :last", last),
        "teams": warehouse.read_table(url, "raw_team_boxscores", "game_date < :last", last),
        "props": warehouse.read_table(url, "raw_prop_lines", in_dates, params),
        "odds": warehouse.read_table(url, "raw_game_odds", in_dates, params),
    }


def compute_features(
    settings: Settings, dates: list[date], as_of: pd.Timestamp | None
) -> FeatureTables | None:
    """Phases 3-4 for the dates (vectorised over all of them at once)."""
    inputs = read_inputs(settings, dates)
    if inputs["schedule"].empty:
        return None
    return build_feature_tables(
        inputs["schedule"],
        inputs["players"],
        inputs["teams"],
        inputs["props"],
        as_of,
        game_odds=inputs["odds"],
    )


def write_features(
    settings: Settings, dates: list[date], tables: FeatureTables | None
) -> dict[str, int]:
    """Replace each feature table's partitions for the dates (dates without games end up empty)."""
    url = settings.resolved_warehouse_url
    stamps = [pd.Timestamp(d) for d in dates]
    counts: dict[str, int] = {}
    for name in FEATURE_TABLES:
        frame = (
            getattr(tables, name)
            if tables is not None
            else pd.DataFrame({"game_date": pd.Series(dtype="datetime64[ns]")})
        )
        if "game_date" in frame:
            frame = frame.assign(game_date=pd.to_datetime(frame["game_date"]))
        if warehouse.table_exists(url, name) or len(frame):
            counts[name] = warehouse.replace_partition(url, name, frame, "game_date", stamps)
    return counts


COVERED_TABLES = tuple(COVERAGE_COLUMNS)
SUMMARY_TABLES = ("player_game_summary", "team_game_summary")


def coverage_frame(dates: list[date], tables: FeatureTables | None) -> pd.DataFrame:
    """Expected players (teams) against those with real values in every precompute table."""
    return coverage_counts([pd.Timestamp(d) for d in dates], tables)


def write_summaries(
    settings: Settings, dates: list[date], tables: FeatureTables | None
) -> dict[str, int]:
    """Write player/team game summaries (contract-checked) for game dates new to the table or recent.

    Recent = within `summary_refresh_days` before the first target date, so corrected box scores
    are picked up; older partitions already written are left alone. Broken rows go to quarantine.
    """
    counts: dict[str, int] = {}
    if tables is None:
        return counts
    url = settings.resolved_warehouse_url
    first = pd.Timestamp(min(dates)) - pd.Timedelta(days=settings.summary_refresh_days)
    for name in SUMMARY_TABLES:
        frame = getattr(tables, name)
        if frame.empty:
            continue
        have: set[pd.Timestamp] = set()
        if warehouse.table_exists(url, name):
            known = warehouse.read_sql(url, f"SELECT DISTINCT game_date FROM {name}")
            have = set(pd.to_datetime(known["game_date"]))
        frame_dates = pd.to_datetime(frame["game_date"])
        todo = sorted(d for d in frame_dates.unique() if d >= first or d not in have)
        if not todo:
            counts[name] = 0
            continue
        spec = TABLES[name]
        path = f"derived://{name}/{todo[0].date()}..{todo[-1].date()}"
        result = split_valid(
            frame[frame_dates.isin(todo)],
            spec.contract,
            table_name=name,
            source="phase3",
            payload_path=path,
            now=now_utc(settings),
            natural_key=list(spec.natural_key),
        )
        counts[name] = warehouse.replace_partition(url, name, result.good, "game_date", todo)
        warehouse.replace_partition(url, "quarantine", result.quarantine, "payload_path", [path])
        if len(result.quarantine):
            get_logger("nba_props.phases").warning(
                "%s: quarantined %s", name, result.counts_by_rule
            )
    return counts


@task(name="build-features", cache_policy=NO_CACHE)
def build_features(dates: list[date], as_of: pd.Timestamp | None = None) -> dict[str, int]:
    """Build and write phases 3-4 for the dates; returns rows written per table."""
    settings = get_settings()
    tables = compute_features(settings, dates, as_of)
    counts = write_summaries(settings, dates, tables)
    counts.update(write_features(settings, dates, tables))
    coverage = coverage_frame(dates, tables)
    warehouse.replace_partition(
        settings.resolved_warehouse_url,
        "coverage",
        coverage,
        "game_date",
        [pd.Timestamp(d) for d in dates],
    )
    logger = get_run_logger()
    low = coverage[coverage["ratio"] < settings.coverage_threshold] if len(coverage) else coverage
    if len(low):
        message = "; ".join(
            f"{r.table_name} {pd.Timestamp(str(r.game_date)).date()} {r.actual}/{r.expected}"
            for r in low.itertuples()
        )
        if settings.coverage_fail:
            raise RuntimeError(f"coverage below {settings.coverage_threshold:.0%}: {message}")
        logger.warning("coverage below %.0f%%: %s", 100 * settings.coverage_threshold, message)
    logger.info("features for %s..%s: %s", min(dates), max(dates), counts)
    return counts


def predict_frame(settings: Settings, store: pd.DataFrame) -> pd.DataFrame:
    """Predictions of every system for feature-store rows (all markets present in `store`)."""
    from features.analytics import player_game_summary
    from models.similarity import add_similarity

    frames: list[pd.DataFrame] = []
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    # The similarity system needs each player's history (games strictly before the rows' dates).
    history = warehouse.read_table(
        settings.resolved_warehouse_url,
        "raw_player_boxscores",
        "game_date < :last",
        {"last": pd.Timestamp(store["game_date"].max()).to_pydatetime()},
    )
    store = add_similarity(store, player_game_summary(history))
    for market, rows in store.groupby("market", sort=True):
        rows = rows.reset_index(drop=True)
        base = rows[
            [
                "game_date",
                "game_id",
                "player_id",
                "player_name",
                "team_abbr",
                "opponent_abbr",
                "market",
                "line",
                "over_price",
                "under_price",
            ]
        ].copy()
        base["line_source"] = rows["line"].notna().map({True: "consensus", False: None})
        base["p_over_market"] = rows["p_over_devig"]
        # System 1: the EWMA baseline with its default dispersion (no registry needed).
        mean = baseline_ewma_mean(rows)
        alpha = DEFAULT_ALPHA[str(market)]
        has_line = rows["line"].notna().to_numpy()
        line = rows["line"].fillna(0.0).to_numpy(dtype=float)
        frames.append(
            base.assign(
                system_id="baseline_ewma",
                model_name="baseline_ewma",
                model_version="v1",
                predicted_mean=mean,
                p_over=pd.Series(p_over(mean, line, alpha)).where(has_line),
                p_under=pd.Series(p_under(mean, line, alpha)).where(has_line),
            )
        )
        # Systems 2-4: the registered champion's members (LightGBM, similarity; default dispersion)
        # and its ensemble (stacked mean, market-aware calibrated P(over)).
        name = model_registry.model_name(settings.model_name_prefix, str(market))
        loaded = model_registry.load_by_alias(name, settings.champion_alias)
        out = model_registry.predict_with(loaded, rows)
        for system_id in ("lgbm", "similarity"):
            member = out[f"{system_id}_mean"].to_numpy(dtype=float)
            frames.append(
                base.assign(
                    system_id=system_id,
                    model_name=loaded.name,
                    model_version=loaded.version,
                    predicted_mean=member,
                    p_over=pd.Series(p_over(member, line, alpha)).where(has_line),
                    p_under=pd.Series(p_under(member, line, alpha)).where(has_line),
                )
            )
        frames.append(
            base.assign(
                system_id="ensemble",
                model_name=loaded.name,
                model_version=loaded.version,
                predicted_mean=out["predicted_mean"].to_numpy(),
                p_over=out["p_over"].to_numpy(),
                p_under=out["p_under"].to_numpy(),
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(PlayerPropPredictions.to_schema().columns))
    predictions = recommend(pd.concat(frames, ignore_index=True), settings.min_expected_value)
    return PlayerPropPredictions.validate(predictions)


@task(name="predict", cache_policy=NO_CACHE)
def predict(game_date: date) -> dict[str, Any]:
    """Predict every market for a date with every system; replace the date's predictions."""
    settings = get_settings()
    url = settings.resolved_warehouse_url
    store = warehouse.read_table(
        url, "ml_feature_store", "game_date = :d", {"d": pd.Timestamp(game_date).to_pydatetime()}
    )
    store = store[store["market"].isin(settings.markets)] if len(store) else store
    predictions = predict_frame(settings, store) if len(store) else pd.DataFrame()
    warehouse.replace_partition(
        url, "player_prop_predictions", predictions, "game_date", [pd.Timestamp(game_date)]
    )
    counts = (
        predictions[predictions["system_id"] == "ensemble"]["recommendation"]
        .value_counts()
        .to_dict()
        if len(predictions)
        else {}
    )
    versions = (
        predictions[predictions["system_id"] == "ensemble"]
        .groupby("model_name")["model_version"]
        .first()
        .to_dict()
        if len(predictions)
        else {}
    )
    get_run_logger().info(
        "predictions for %s: %d rows, ensemble calls %s", game_date, len(predictions), counts
    )
    return {"rows": len(predictions), "recommendations": counts, "model_versions": versions}
