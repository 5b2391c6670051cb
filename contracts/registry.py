"""The table registry: every warehouse table, its contract, natural key and date column."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from contracts.analytics import PlayerGameSummary, TeamGameSummary, UpcomingPlayerGameContext
from contracts.crosswalk import PlayerRegistry, PropNameResolution
from contracts.operations import Coverage, PhaseCache
from contracts.precompute import (
    MlFeatureStore,
    PlayerCompositeFactors,
    PlayerDailyCache,
    PropLineConsensus,
    TeamDefenseSummary,
)
from contracts.predictions import PlayerPropPredictions, PredictionGrades, SystemDailyPerformance
from contracts.raw import (
    Quarantine,
    RawGameOdds,
    RawInjuryReport,
    RawPlayerBoxscores,
    RawPropLines,
    RawSchedule,
    RawTeamBoxscores,
)


@dataclass(frozen=True)
class TableSpec:
    """A warehouse table: its contract, natural key and the date column it is partitioned by."""

    name: str
    contract: type[pa.DataFrameModel]
    natural_key: tuple[str, ...]
    date_column: str | None


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("raw_schedule", RawSchedule, ("game_id",), "game_date"),
        TableSpec(
            "raw_player_boxscores", RawPlayerBoxscores, ("game_id", "player_id"), "game_date"
        ),
        TableSpec("raw_team_boxscores", RawTeamBoxscores, ("game_id", "team_abbr"), "game_date"),
        TableSpec(
            "raw_prop_lines",
            RawPropLines,
            ("event_id", "bookmaker", "market", "player_name", "line", "captured_at"),
            "game_date",
        ),
        TableSpec(
            "raw_game_odds",
            RawGameOdds,
            ("event_id", "bookmaker", "market", "side", "captured_at"),
            "game_date",
        ),
        TableSpec(
            "raw_injury_report",
            RawInjuryReport,
            ("report_time", "game_date", "team_abbr", "player_name"),
            "game_date",
        ),
        TableSpec("quarantine", Quarantine, ("payload_path", "row_number", "field", "rule"), None),
        TableSpec("player_registry", PlayerRegistry, ("player_id", "team_abbr"), None),
        TableSpec(
            "prop_name_resolution", PropNameResolution, ("game_date", "player_name"), "game_date"
        ),
        TableSpec("player_game_summary", PlayerGameSummary, ("game_id", "player_id"), "game_date"),
        TableSpec("team_game_summary", TeamGameSummary, ("game_id", "team_abbr"), "game_date"),
        TableSpec(
            "upcoming_player_game_context",
            UpcomingPlayerGameContext,
            ("game_date", "player_id"),
            "game_date",
        ),
        TableSpec("player_daily_cache", PlayerDailyCache, ("game_date", "player_id"), "game_date"),
        TableSpec(
            "team_defense_summary", TeamDefenseSummary, ("game_date", "team_abbr"), "game_date"
        ),
        TableSpec(
            "player_composite_factors",
            PlayerCompositeFactors,
            ("game_date", "player_id"),
            "game_date",
        ),
        TableSpec(
            "prop_line_consensus",
            PropLineConsensus,
            ("game_date", "player_id", "market"),
            "game_date",
        ),
        TableSpec(
            "ml_feature_store", MlFeatureStore, ("game_date", "player_id", "market"), "game_date"
        ),
        TableSpec("coverage", Coverage, ("game_date", "table_name"), "game_date"),
        TableSpec("phase_cache", PhaseCache, ("phase", "dates_key"), None),
        TableSpec(
            "player_prop_predictions",
            PlayerPropPredictions,
            ("game_date", "player_id", "market", "system_id"),
            "game_date",
        ),
        TableSpec(
            "prediction_grades",
            PredictionGrades,
            ("game_date", "player_id", "market", "system_id"),
            "game_date",
        ),
        TableSpec(
            "system_daily_performance",
            SystemDailyPerformance,
            ("game_date", "system_id", "market"),
            "game_date",
        ),
    )
}
