"""The NBA calendar: the US-Eastern time zone game dates are counted in, and season labels.

A season is labelled by its two years, "2024-25". Season `Y-(Y+1)` holds every game date from its
cut-over day in year Y up to the day before the next cut-over. The cut-over is 1 August: after the
last game of every season (the latest Finals game outside 2020 was 2021-07-20) and before the first
preseason game of the next (late September at the earliest). One year differs: the 2019-20 season
finished in the Orlando bubble on 2020-10-11 and the 2020-21 preseason began on 2020-12-11, so the
2020 cut-over is 1 November. A plain month rule would label the bubble games 2020-21.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

EASTERN = "America/New_York"

# (month, day) a new season starts on, and the years where it did not.
SEASON_CUTOVER: tuple[int, int] = (8, 1)
SEASON_CUTOVER_EXCEPTIONS: dict[int, tuple[int, int]] = {2020: (11, 1)}


def season_from_start_year(start_year: int) -> str:
    """Season label from its start year: 2024 -> "2024-25"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def season_start_year(day: date) -> int:
    """The year the season holding US-Eastern game date `day` started in."""
    cutover = SEASON_CUTOVER_EXCEPTIONS.get(day.year, SEASON_CUTOVER)
    return day.year if (day.month, day.day) >= cutover else day.year - 1


def season_label(day: date) -> str:
    """The season label of a US-Eastern game date: 2025-03-15 -> "2024-25"."""
    return season_from_start_year(season_start_year(day))


def season_labels(dates: pd.Series) -> pd.Series:
    """`season_label` of every (naive, US-Eastern) game date; missing dates give NaN."""
    days = pd.to_datetime(dates).dt.normalize()
    labels = {day: season_label(day) for day in days.dropna().unique()}
    return days.map(labels).astype(object)
