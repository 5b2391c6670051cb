"""Why a result would be empty: which raw table lacks which dates, and the command that fills it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from resources.settings import Settings
from resources.warehouse import Warehouse

# The command that fills each raw table a result is built from.
FILLED_BY = {
    "raw_schedule": "`nba-props import team-logs FILE`, or `nba-props import box-scores FILE` "
    "(the schedule is derived from MATCHUP where no team logs cover a game)",
    "raw_player_boxscores": "`nba-props import box-scores FILE`",
    "raw_prop_lines": "`nba-props import props FILE`",
}


class EmptyInputError(ValueError):
    """A command's input holds nothing to work on; the message names the table, dates and the fix."""


def describe_dates(dates: Collection[pd.Timestamp]) -> str:
    """'2024-03-02', '2024-03-02, 2024-03-05, 2024-03-09' or '31 dates, 2024-03-01..2024-05-31'."""
    days = sorted(pd.Timestamp(d).date() for d in dates)
    if len(days) <= 3:
        return ", ".join(d.isoformat() for d in days)
    return f"{len(days)} dates, {days[0].isoformat()}..{days[-1].isoformat()}"


@dataclass(frozen=True)
class WindowInputs:
    """The dates of [start, end] that hold games, box scores and real lines (of `markets`)."""

    start: date
    end: date
    markets: tuple[str, ...]
    schedule: frozenset[pd.Timestamp]
    box_scores: frozenset[pd.Timestamp]
    lines: frozenset[pd.Timestamp]

    @property
    def joinable(self) -> frozenset[pd.Timestamp]:
        """Dates with all three: only those can give a scored player-game."""
        return self.schedule & self.box_scores & self.lines

    @property
    def window(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def game_gaps(self) -> list[str]:
        """One sentence per missing game table (schedule, box scores): its dates and the command that fills it."""
        if not self.schedule and not self.box_scores:
            return [
                f"raw_schedule and raw_player_boxscores hold no games in {self.window}: "
                f"fill them with `nba-props import all DIR` ({FILLED_BY['raw_player_boxscores']})"
            ]
        out: list[str] = []
        unscheduled = self.box_scores - self.schedule
        if unscheduled:
            out.append(
                f"raw_schedule lacks the games of {describe_dates(unscheduled)} that have box "
                f"scores: fill it with {FILLED_BY['raw_schedule']}"
            )
        unplayed = self.schedule - self.box_scores
        if unplayed:
            out.append(
                f"raw_player_boxscores has no rows for {describe_dates(unplayed)} (scheduled): "
                f"fill it with {FILLED_BY['raw_player_boxscores']}"
            )
        return out

    def gaps(self) -> list[str]:
        """One sentence per missing input: the table, the dates it lacks, the command that fills it."""
        out = self.game_gaps()
        game_days = self.schedule | self.box_scores
        if game_days and not self.lines & game_days:
            out.append(
                f"raw_prop_lines has no {'/'.join(self.markets)} lines on the game dates of "
                f"{self.window}: fill it with {FILLED_BY['raw_prop_lines']}"
            )
        return out

    def explain(self, what: str) -> str:
        """Why `what` is empty, in one line."""
        gaps = self.gaps()
        if gaps:
            return f"{what}: " + "; ".join(gaps)
        return (
            f"{what}: {describe_dates(self.joinable)} have games, box scores and "
            f"{'/'.join(self.markets)} lines, but no line joined a player's game with history "
            "before it (unresolved prop names are listed by `nba-props import props FILE`; "
            "or start training earlier with --train-start)"
        )


def _dates(wh: Warehouse, table: str, start: date, end: date) -> frozenset[pd.Timestamp]:
    return frozenset(wh.distinct_dates(table, pd.Timestamp(start), pd.Timestamp(end)))


def window_inputs(
    settings: Settings, start: date, end: date, markets: Sequence[str]
) -> WindowInputs:
    """Read which dates of [start, end] each raw table a backtest needs holds."""
    wh = Warehouse.from_settings(settings)
    lines: frozenset[pd.Timestamp] = frozenset()
    if markets and wh.exists("raw_prop_lines"):
        found = wh.query(
            "SELECT DISTINCT game_date, market FROM raw_prop_lines "
            "WHERE game_date >= :start AND game_date <= :end",
            {"start": pd.Timestamp(start), "end": pd.Timestamp(end)},
        )
        found = found[found["market"].isin(list(markets))]
        lines = frozenset(pd.to_datetime(found["game_date"]).dt.normalize())
    return WindowInputs(
        start=start,
        end=end,
        markets=tuple(markets),
        schedule=_dates(wh, "raw_schedule", start, end),
        box_scores=_dates(wh, "raw_player_boxscores", start, end),
        lines=lines,
    )


def require_joinable_dates(
    settings: Settings, start: date, end: date, markets: Sequence[str], what: str
) -> WindowInputs:
    """The window's inputs, or EmptyInputError when no date has games, box scores and lines."""
    inputs = window_inputs(settings, start, end, markets)
    if not inputs.joinable:
        raise EmptyInputError(inputs.explain(what))
    return inputs


def require_games(settings: Settings, start: date, end: date, what: str) -> WindowInputs:
    """The window's game tables, or EmptyInputError when no date of [start, end] has both a
    schedule and box scores (what training needs: games with their outcomes)."""
    inputs = window_inputs(settings, start, end, ())
    if not inputs.schedule & inputs.box_scores:
        raise EmptyInputError(f"{what}: " + "; ".join(inputs.game_gaps()))
    return inputs


def require_training_games(settings: Settings, start: date, end_exclusive: date) -> WindowInputs:
    """`require_games` of a training window: games from `start` strictly before `end_exclusive`."""
    return require_games(
        settings,
        start,
        end_exclusive - timedelta(days=1),
        f"no games to train on from {start} to before {end_exclusive}",
    )


def unscheduled_note(
    dates: Sequence[date], with_games: Collection[date], source: str
) -> str | None:
    """A sentence naming the dates without games in raw_schedule and how to fill them; None if none.

    Off days and the off-season have no games either: the sentence says what is known, not a fault.
    """
    missing = [pd.Timestamp(d) for d in dates if d not in set(with_games)]
    if not missing:
        return None
    return (
        f"raw_schedule has no games on {describe_dates(missing)} of {len(dates)} date(s) "
        f"(none there, and the {source!r} source gave none): if games were played, import them "
        f"with `nba-props import all DIR` or {FILLED_BY['raw_schedule']}"
    )
