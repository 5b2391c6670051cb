"""Replay's simulation of games in progress from their final box scores (pure, `now` is an argument).

A game lasts GAME_DURATION of wall time from tip-off. At fraction f of it, every counting stat is
floor(final * f) (so stats never go down as time passes) and pra is the sum of the scaled parts;
at f = 1 the box is exactly the final one. Status: 1 before tip-off, 2 in progress, 3 final.
The game clock runs linearly over four 12-minute quarters.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from contracts.live_scores import LIVE_GAME_COLUMNS as LIVE_GAME_COLUMN_SET

GAME_DURATION = pd.Timedelta(hours=2, minutes=15)
QUARTER_MINUTES = 12.0
LIVE_GAME_COLUMNS: list[str] = list(LIVE_GAME_COLUMN_SET)
LIVE_BOX_COLUMNS: list[str] = [
    "game_id",
    "player_id",
    "player_name",
    "team_abbr",
    "minutes",
    "points",
    "rebounds",
    "assists",
    "threes",
    "pra",
    "played",
]
_SCALED = ["minutes", "points", "rebounds", "assists", "threes"]


def elapsed_fraction(tipoff_utc: pd.Series, now: pd.Timestamp) -> pd.Series:
    """clamp((now - tipoff) / GAME_DURATION, 0, 1) per game."""
    elapsed = (now - tipoff_utc).dt.total_seconds() / GAME_DURATION.total_seconds()
    return elapsed.clip(lower=0.0, upper=1.0).astype(float)


def _clock(fraction: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Period (0 before tip) and remaining 'M:SS' in the period for each elapsed fraction."""
    played = fraction * 4 * QUARTER_MINUTES
    period = np.minimum(np.floor(played / QUARTER_MINUTES) + 1, 4).astype(int)
    remaining_s = np.round((period * QUARTER_MINUTES - played) * 60).astype(int)
    clock = [f"{s // 60}:{s % 60:02d}" for s in remaining_s]
    period_s = pd.Series(period, index=fraction.index).where(fraction > 0, 0).astype(int)
    clock_s = pd.Series(clock, index=fraction.index).where(fraction > 0, "")
    return period_s, clock_s


def _tipoffs(
    final_box: pd.DataFrame, tipoff_utc: pd.Timestamp | Mapping[str, pd.Timestamp]
) -> pd.Series:
    """Tip-off (UTC) per game id of the box."""
    games = pd.Index(final_box["game_id"].astype(str).unique())
    if isinstance(tipoff_utc, Mapping):
        values = [tipoff_utc[g] for g in games]
    else:
        values = [tipoff_utc] * len(games)
    return pd.Series(pd.to_datetime(values, utc=True), index=games)


def simulate_live_box(
    final_box: pd.DataFrame,
    tipoff_utc: pd.Timestamp | Mapping[str, pd.Timestamp],
    now: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Live games and live player box at `now`, scaled from final player box scores (PlayerGameSummary rows).

    `tipoff_utc` is one tip-off for a single game or a mapping game_id -> tip-off.
    """
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    box = final_box.assign(
        game_id=final_box["game_id"].astype(str), player_id=final_box["player_id"].astype(str)
    )
    tips = _tipoffs(box, tipoff_utc)
    fraction_by_game = elapsed_fraction(tips, now)
    fraction = box["game_id"].map(fraction_by_game).astype(float)

    live = box[["game_id", "player_id", "player_name", "team_abbr"]].copy()
    for col in _SCALED:
        live[col] = np.floor(box[col].astype(float) * fraction)
    live["pra"] = live["points"] + live["rebounds"] + live["assists"]
    live["played"] = (live[["minutes", "points", "rebounds", "assists"]].fillna(0) > 0).any(axis=1)
    home_flag = box["is_home"].astype(bool)
    home_score = live["points"].where(home_flag, 0.0).groupby(live["game_id"]).sum()
    away_score = live["points"].where(~home_flag, 0.0).groupby(live["game_id"]).sum()
    live = (
        live[LIVE_BOX_COLUMNS]
        .sort_values(["game_id", "team_abbr", "player_id"])
        .reset_index(drop=True)
    )
    teams = (
        box.assign(home=box["team_abbr"].where(home_flag, box["opponent_abbr"]))
        .assign(away=box["opponent_abbr"].where(home_flag, box["team_abbr"]))
        .groupby("game_id")
        .agg(
            game_date=("game_date", "first"),
            home_team=("home", "first"),
            away_team=("away", "first"),
        )
    )

    games = teams.reset_index()
    frac = games["game_id"].map(fraction_by_game).astype(float)
    tip = games["game_id"].map(tips)
    status = np.select([now < tip, frac >= 1.0], [1, 3], default=2)
    period, clock = _clock(frac)
    games["home_score"] = games["game_id"].map(home_score).fillna(0).astype(int)
    games["away_score"] = games["game_id"].map(away_score).fillna(0).astype(int)
    games["period"] = period.where(status != 3, 4)
    games["game_clock"] = clock.where(status != 3, "0:00")
    games["game_status"] = status
    games["status_text"] = np.select(
        [status == 1, status == 3],
        ["Scheduled", "Final"],
        default="Q" + period.astype(str) + " " + clock,
    )
    games["tipoff_utc"] = tip
    games["simulated"] = True
    games["game_date"] = pd.to_datetime(games["game_date"]).dt.normalize()
    return games[LIVE_GAME_COLUMNS].sort_values("game_id").reset_index(drop=True), live
