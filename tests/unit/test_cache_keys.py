"""What a phase's cache key reads: every input that changes the phase's output is fingerprinted."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from features.availability import LINE_HISTORY_DAYS
from resources.cache_keys import features_inputs
from resources.settings import Settings


class RecordingWarehouse:
    """Answers `fingerprint` with what was asked, so a test sees which partitions a key covers."""

    def __init__(self) -> None:
        self.asked: dict[str, tuple[list[pd.Timestamp] | None, Any]] = {}

    def fingerprint(self, table: str, dates: Any = None, before: Any = None) -> str:
        self.asked[table] = (list(dates) if dates is not None else None, before)
        return f"{table}:{len(self.asked)}"


def test_features_key_covers_injury_reports_and_the_line_history(tmp_path: Path) -> None:
    wh = RecordingWarehouse()
    day = date(2024, 4, 10)
    features_inputs(Settings(home=tmp_path), wh, {"dates": [day], "as_of": None})  # type: ignore[arg-type]

    assert wh.asked["raw_injury_report"][0] == [pd.Timestamp(day)]
    line_dates = wh.asked["raw_prop_lines"][0]
    assert line_dates is not None
    # Market-implied availability compares today's lines with the LINE_HISTORY_DAYS before.
    assert min(line_dates) == pd.Timestamp(day) - pd.Timedelta(days=LINE_HISTORY_DAYS)
    assert max(line_dates) == pd.Timestamp(day)
    assert wh.asked["raw_player_boxscores"] == (None, pd.Timestamp(day))
