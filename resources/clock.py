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


def replay_as_of(settings: Settings, game_date: date) -> pd.Timestamp:
    """What the replay source treats as 'now' for a run on `game_date`.

    A pinned clock wins; otherwise the configured US-Eastern time of day on the game date (before
    the usual evening tip-offs, after the day's lines are posted).
    """
    if settings.clock:
        return now_utc(settings)
    hours, minutes = (int(x) for x in settings.replay_clock_time.split(":"))
    local = pd.Timestamp(game_date) + timedelta(hours=hours, minutes=minutes)
    return local.tz_localize(EASTERN).tz_convert("UTC")
