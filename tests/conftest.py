"""Shared fixtures: telemetry off, one Prefect test harness per session, a prepared state directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from resources.telemetry import EPHEMERAL_API_STARTUP, TELEMETRY_OFF

for key, value in {
    **TELEMETRY_OFF,
    **EPHEMERAL_API_STARTUP,
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # Pipeline runs report drift for one market (a few seconds of Evidently each); the report's
    # own tests (tests/unit/test_monitor.py) cover all five.
    "NBA_PROPS_DRIFT_MARKETS": '["points"]',
}.items():
    os.environ.setdefault(key, value)

REPO = Path(__file__).resolve().parent.parent
DEMO_DAY = date(2024, 4, 10)
FIRST_DAY = date(2024, 4, 9)
TRAIN_START = date(2023, 10, 24)
TRAIN_END = date(2024, 3, 1)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def state_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A state directory with the bundled data imported (before FIRST_DAY) and models registered."""
    from resources import warehouse
    from resources.loading import import_dir
    from resources.settings import get_settings
    from tasks.training import train_markets

    home = tmp_path_factory.mktemp("nba-props-home")
    previous = os.environ.get("NBA_PROPS_HOME")
    os.environ["NBA_PROPS_HOME"] = str(home)
    settings = get_settings()
    import_dir(settings, settings.data_dir, before=FIRST_DAY)
    train_markets.fn(settings.markets, TRAIN_START, TRAIN_END)
    warehouse.dispose_engines()
    yield home
    warehouse.dispose_engines()
    if previous is None:
        os.environ.pop("NBA_PROPS_HOME", None)
    else:
        os.environ["NBA_PROPS_HOME"] = previous
