"""Keep only the game types the platform models (regular season, play-in, playoffs)."""

from __future__ import annotations

import pandas as pd

from contracts.columns import SEASON_TYPES


def modelled_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop preseason, All-Star and NBA Cup final rows (not modelled; not errors)."""
    if "season_type" not in frame.columns:
        return frame
    return frame[frame["season_type"].isin(SEASON_TYPES) | frame["season_type"].isna()].reset_index(
        drop=True
    )
