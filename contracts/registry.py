"""The table registry: every warehouse table, its contract, natural key and date column."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from contracts.analytics import PlayerGameSummary, TeamGameSummary, UpcomingPlayerGameContext
from contracts.predictions import PlayerPropPredictions, PredictionGrades
from contracts.raw import (
    Quarantine,
    RawGameOdds,
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
        TableSpec("quarantine", Quarantine, ("payload_path", "row_number", "field", "rule"), None),
        TableSpec("player_game_summary", PlayerGameSummary, ("game_id", "player_id"), "game_date"),
        TableSpec("team_game_summary", TeamGameSummary, ("game_id", "team_abbr"), "game_date"),
        TableSpec(
            "upcoming_player_game_context",
            UpcomingPlayerGameContext,
            ("game_date", "player_id"),
            "game_date",
        ),
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
    )
}
