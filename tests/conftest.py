"""Shared fixtures: telemetry off, one Prefect test harness per session, a prepared state directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

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
if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")):
    # One OpenMP team per core: two workers each training LightGBM on every core would spin-wait
    # against each other (set before lightgbm or numpy load; servers started by tests inherit it).
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))

REPO = Path(__file__).resolve().parent.parent
DEMO_DAY = date(2024, 4, 10)
FIRST_DAY = date(2024, 4, 9)
TRAIN_START = date(2023, 10, 24)
TRAIN_END = date(2024, 3, 1)


# `make test` runs the suite on two pytest-xdist workers. A worker builds its own session fixtures,
# so the scheduler below hands out whole modules (module fixtures built once, tests in file order),
# except that the modules using the BigQuery emulator and the MLflow server on Postgres go to one
# worker together. Work goes out in collection order: the heavy flow, integration and reliability
# modules first, the many short unit modules fill in at the end. Each worker that runs a module
# needing the prepared state directory builds one (both workers, in parallel).
SERVICE_MODULES = (
    "tests/integration/test_bigquery_warehouse.py",
    "tests/integration/test_mlflow_server.py",
    "tests/integration/test_pipeline_on_emulators.py",
)


def xdist_scope_of(nodeid: str) -> str:
    """The unit of work a test belongs to: the shared-services group, else its module."""
    module = nodeid.split("::")[0]
    return "services" if module in SERVICE_MODULES else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Whole modules (and the services group) per worker, in collection order."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope_of(nodeid)

    config.option.loadscopereorder = False  # keep collection order: heavy modules first
    return ModuleScheduling(config, log)


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
