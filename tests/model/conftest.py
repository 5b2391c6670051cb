"""A feature frame with actuals and similarity built once from the prepared state directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

FRAME_START = date(2023, 12, 1)
FRAME_END = date(2024, 4, 9)  # exclusive: the prepared warehouse holds games before 2024-04-09
CUTOFF = pd.Timestamp("2024-03-01")


@pytest.fixture(scope="session")
def model_frame(state_home: Path) -> Iterator[pd.DataFrame]:
    """Feature-store rows of 2023-12-01 .. 2024-04-08 (bundled real data) with actual and similarity_mean."""
    from resources import warehouse
    from resources.settings import get_settings
    from resources.training_data import training_frame

    os.environ["NBA_PROPS_HOME"] = str(state_home)
    frame = training_frame(get_settings(), FRAME_START, FRAME_END)
    warehouse.dispose_engines()
    yield frame
