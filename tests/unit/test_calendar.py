"""The NBA calendar: season labels on frozen dates (the 2020 bubble included) and the Eastern zone."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from features.calendar import (
    EASTERN,
    season_from_start_year,
    season_label,
    season_labels,
)

FROZEN = [
    (date(2019, 10, 22), "2019-20"),  # opening night
    (date(2020, 3, 11), "2019-20"),  # the last game before the pause
    (date(2020, 7, 30), "2019-20"),  # the bubble restarts
    (date(2020, 8, 15), "2019-20"),  # bubble seeding games: a plain August rule says 2020-21
    (date(2020, 10, 11), "2019-20"),  # Finals game 6, the last game of 2019-20
    (date(2020, 12, 11), "2020-21"),  # first preseason game of 2020-21
    (date(2020, 12, 22), "2020-21"),  # opening night of 2020-21
    (date(2021, 7, 20), "2020-21"),  # Finals game 6, the latest finish outside the bubble
    (date(2022, 9, 30), "2022-23"),  # preseason in Japan, the earliest start
    (date(2024, 10, 4), "2024-25"),  # preseason
    (date(2025, 3, 15), "2024-25"),
    (date(2025, 6, 20), "2024-25"),  # Finals
    (date(2025, 10, 21), "2025-26"),  # opening night
    (date(2000, 1, 1), "1999-00"),  # the century wraps to "00"
]


@pytest.mark.parametrize(("day", "label"), FROZEN)
def test_season_label_on_frozen_dates(day: date, label: str) -> None:
    assert season_label(day) == label


def test_season_label_takes_timestamps() -> None:
    assert season_label(pd.Timestamp("2020-10-11 21:00")) == "2019-20"


def test_cutover_days() -> None:
    assert (season_label(date(2023, 7, 31)), season_label(date(2023, 8, 1))) == (
        "2022-23",
        "2023-24",
    )
    assert (season_label(date(2020, 10, 31)), season_label(date(2020, 11, 1))) == (
        "2019-20",
        "2020-21",
    )


def test_season_labels_match_season_label_on_every_day() -> None:
    days = [date(2018, 1, 1) + timedelta(days=i) for i in range(365 * 8)]
    index = pd.RangeIndex(100, 100 + len(days))
    labels = season_labels(pd.Series(pd.to_datetime(days), index=index))
    assert labels.index.equals(index)
    assert labels.tolist() == [season_label(d) for d in days]


def test_season_labels_ignore_time_of_day_and_keep_missing_dates_missing() -> None:
    dates = pd.Series(pd.to_datetime(["2020-08-15 19:30", None, "2024-10-04 00:00"]))
    labels = season_labels(dates)
    assert labels.dtype == object
    assert labels[0] == "2019-20" and pd.isna(labels[1]) and labels[2] == "2024-25"
    assert season_labels(pd.Series([], dtype="datetime64[ns]")).dtype == object


def test_season_from_start_year() -> None:
    assert season_from_start_year(2024) == "2024-25"
    assert season_from_start_year(1999) == "1999-00"


def test_a_late_game_counts_for_its_eastern_date() -> None:
    # 22:30 EDT tip-off on 2024-04-10 is 02:30 UTC on 2024-04-11; winter time is UTC-5.
    tip = pd.Timestamp("2024-04-11 02:30", tz="UTC").tz_convert(EASTERN)
    assert (tip.date(), tip.hour) == (date(2024, 4, 10), 22)
    assert pd.Timestamp("2024-01-10 12:00", tz=EASTERN).utcoffset() == timedelta(hours=-5)
