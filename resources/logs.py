"""The one logger helper: Prefect's run logger inside a run, a standard logger outside one."""

from __future__ import annotations

import logging
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import MissingContextError


def run_logger(name: str = "nba_props") -> Any:
    """The run's logger (its lines show in the Prefect UI), or `logging.getLogger(name)`.

    Task functions are also called directly (`task.fn(...)`) by the CLI and tests, outside a run.
    """
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(name)
