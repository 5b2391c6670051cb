"""What every command does first (settings, telemetry off, Prefect home), how it reads its
parameters (dates, markets: a usage error naming the parameter) and how it reports failure."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

from resources.parameters import DATE_FORMAT, parse_date
from resources.telemetry import (
    EPHEMERAL_API_STARTUP,
    drop_empty_prefect_api_url,
    turn_off_telemetry,
)

if TYPE_CHECKING:
    from resources.settings import Settings


DEBUG_ENV = "NBA_PROPS_DEBUG"
_debug = {"on": False}


def set_debug(on: bool) -> None:
    """`--debug`: unexpected errors raise with their traceback (also NBA_PROPS_DEBUG=1)."""
    _debug["on"] = on


def debugging() -> bool:
    """Whether `--debug` was given or NBA_PROPS_DEBUG is set."""
    return _debug["on"] or os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes")


class _WithoutTraceback(logging.Formatter):
    """A console formatter that prints a record's message without its traceback, saying where it is."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text or record.stack_info):
            return self.inner.format(record)
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        in_run = record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))
        where = "traceback in the run's log" if in_run else "traceback shown with --debug"
        try:
            return f"{self.inner.format(record)} ({where})"
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def console_without_tracebacks() -> None:
    """Prefect's console lines of a failed task or flow keep their traceback out of the terminal.

    Call after the flow is imported (Prefect has set up its logging). The run's log (the Prefect
    API, the UI) still gets the traceback; the command ends in its one `error:` line. Not with --debug.
    """
    if debugging():
        return
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler" and not isinstance(
            handler.formatter, _WithoutTraceback
        ):
            handler.setFormatter(_WithoutTraceback(handler.formatter))


def environment() -> Settings:
    """Settings, with telemetry off, an empty PREFECT_API_URL unset (the temporary API) and
    Prefect's home under the state directory."""
    from resources.settings import get_settings

    turn_off_telemetry()
    drop_empty_prefect_api_url()
    for key, value in EPHEMERAL_API_STARTUP.items():
        os.environ.setdefault(key, value)
    settings = get_settings()
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    return settings


def fail(message: str) -> NoReturn:
    """Print `error: message` in red on stderr and exit with code 1."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


T = TypeVar("T")


class ParameterError(typer.BadParameter):
    """A usage error (exit 2) whose message names the parameter, what was expected and what was found."""

    def format_message(self) -> str:
        return self.message


def checked(check: Callable[[], T]) -> T:
    """`check()`, its ValueError (resources/parameters.py) turned into a usage error."""
    try:
        return check()
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def cli_date(value: object) -> date:
    """Typer parser of a date option: a usage error naming the option when the text is no date."""
    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def date_option(*names: str, help: str) -> Any:
    """A `YYYY-MM-DD` option read into a date (`cli_date`)."""
    return typer.Option(*names, help=help, parser=cli_date, metavar=DATE_FORMAT)
