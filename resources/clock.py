"""'Now' for a run: the real clock, or a pinned one (replay and tests), and the replay's as-of time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from features.calendar import EASTERN
from resources.settings import Settings


def now_utc(settings: Settings) -> pd.Timestamp:
    """The pinned clock (NBA_PROPS_CLOCK) or the real time, in UTC."""
    if settings.clock:
        ts = pd.Timestamp(settings.clock)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return pd.Timestamp(datetime.now().astimezone()).tz_convert("UTC")


def today_eastern(settings: Settings) -> date:
    """Today's US-Eastern game date."""
    return now_utc(settings).tz_convert(EASTERN).date()


def time_of_day(text: str) -> tuple[int, int]:
    """Hours and minutes of an 'HH:MM' text (24-hour); ValueError saying what was found."""
    hours, sep, minutes = str(text).strip().partition(":")
    digits = sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
    if digits and int(hours) < 24 and int(minutes) < 60:
        return int(hours), int(minutes)
    raise ValueError(f"expected a time of day HH:MM (24-hour, US-Eastern), found {text!r}")


def replay_as_of(
    settings: Settings, game_date: date, time_of_day_text: str | None = None
) -> pd.Timestamp:
    """What the replay source treats as 'now' for a run on `game_date`.

    A pinned clock wins; otherwise `time_of_day_text` ('HH:MM' US-Eastern, a run's own replay time:
    10:00 for the morning run, 17:40 for the pre-tip refresh), else the configured
    `replay_clock_time` (18:00: before the usual evening tip-offs, after the 5 pm injury report and
    the day's lines) on the game date.
    """
    if settings.clock:
        return now_utc(settings)
    hours, minutes = time_of_day(time_of_day_text or settings.replay_clock_time)
    local = pd.Timestamp(game_date) + timedelta(hours=hours, minutes=minutes)
    return local.tz_localize(EASTERN).tz_convert("UTC")


def run_as_of(
    settings: Settings, game_date: date, time_of_day_text: str | None = None
) -> pd.Timestamp | None:
    """The as-of time of a daily run's features: the replay clock, None with the live source
    (the warehouse holds only what was fetched so far: everything published before tip-off)."""
    if settings.source != "replay":
        return None
    return replay_as_of(settings, game_date, time_of_day_text)
