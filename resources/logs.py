"""Logging helpers: the run's logger, and the state directory's log files that keep tracebacks.

Light to import (Prefect is imported on first use): the CLI's error path uses `append_traceback`.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any


def run_logger(name: str = "nba_props") -> Any:
    """The run's logger (its lines show in the Prefect UI), or `logging.getLogger(name)`.

    Task functions are also called directly (`task.fn(...)`) by the CLI and tests, outside a run.
    """
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(name)


def log_file(home: Path, name: str) -> Path:
    """`{home}/logs/{name}.log`: where a command keeps the tracebacks it does not print."""
    return home / "logs" / f"{name}.log"


def append_traceback(log: Path, heading: str, exc: BaseException) -> Path:
    """Append a timestamped `heading` and the traceback of `exc` to `log` (folder created); its path."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"{datetime.now().astimezone().isoformat(timespec='seconds')} {heading}\n")
        fh.write("".join(traceback.format_exception(exc)))
    return log
