"""Column sets of the live feeds: the scoreboard a live source parses, and what live exports read."""

from __future__ import annotations

# One row per game of a live scoreboard (cdn.nba.com todaysScoreboard, parsed).
SCOREBOARD_COLUMNS: tuple[str, ...] = (
    "game_id",
    "game_date",
    "home_team",
    "away_team",
    "home_score",
    "away_score",
    "period",
    "game_clock",
    "game_status",
    "status_text",
    "tipoff_utc",
)

# The same, plus whether the replay simulated the game's progress (never presented as real).
LIVE_GAME_COLUMNS: tuple[str, ...] = (*SCOREBOARD_COLUMNS, "simulated")
