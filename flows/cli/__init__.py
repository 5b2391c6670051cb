"""The `nba-props` command line: the root app, and every command module registered on it.

Each command module has a `register(app)` that adds its commands; list a new module below. Commands
import their heavy dependencies (Prefect, MLflow, the tasks) inside the function, so `--help` and
start-up stay fast.

Failures end in one red line on stderr, never a traceback: a usage error (a parameter that cannot
be used) exits 2; an expected failure (bad input, missing model, ...) exits 1 with its message; an
unexpected one exits 1 naming its type, with the traceback appended to {home}/logs/cli.log
(`--debug` or NBA_PROPS_DEBUG=1 lets it raise instead).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from flows.cli import imports, models, ops, pipeline, publish
from flows.cli.environment import DEBUG_ENV, debugging, set_debug

HELP = "NBA player-prop predictions: ingest, features, models, grading, exports."

app = typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback(help=HELP)
def root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help=f"Unexpected errors raise with their traceback (also {DEBUG_ENV}=1)."
        ),
    ] = False,
) -> None:
    """Options of every command."""
    set_debug(debug)


pipeline.register(app)
publish.register(app)
ops.register(app)
models.register(app)
imports.register(app)

# Path errors a user fixes (a wrong path, a folder given for a file, permissions).
_PATH_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError)
# module -> exception classes of the project that mean "fix the input or the set-up", not a bug.
_PROJECT_ERRORS = {
    "resources.sources.base": ("SourceError",),
    "resources.model_registry": ("ModelNotFound", "ModelSignatureMismatch"),
}


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Failures a user can fix (configuration, input, missing model): a message, not a traceback.

    Project classes are taken from modules already imported (an exception of a module never
    imported cannot have been raised), so the error path imports nothing heavy.
    """
    classes: list[type[BaseException]] = [ValueError, LookupError, *_PATH_ERRORS]
    for module_name, names in _PROJECT_ERRORS.items():
        module = sys.modules.get(module_name)
        if module is not None:
            classes.extend(getattr(module, name) for name in names)
    return tuple(classes)


def _is_expected(exc: BaseException) -> bool:
    """An expected failure; a KeyError or IndexError is code that looked up what was not there: a bug."""
    return isinstance(exc, _expected_errors()) and not isinstance(exc, KeyError | IndexError)


def _one_line(text: str) -> str:
    """`text` on one line (a multi-line message, e.g. pydantic's, joined with '; ')."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def _error(message: str, code: int) -> NoReturn:
    typer.secho(f"error: {_one_line(message)}", fg=typer.colors.RED, err=True)
    raise SystemExit(code)


def _home() -> Path:
    """The state directory (from the settings; from the environment when they cannot be read)."""
    from pydantic import ValidationError

    from resources.settings import get_settings

    try:
        return get_settings().home_dir
    except (ValidationError, OSError):
        return Path(os.environ.get("NBA_PROPS_HOME", "var")).resolve()


def _unexpected(exc: BaseException) -> NoReturn:
    """Append the traceback to {home}/logs/cli.log, then one line naming the type and the log."""
    from resources.logs import append_traceback, log_file

    command = " ".join(["nba-props", *sys.argv[1:]])
    try:
        where = f"traceback in {append_traceback(log_file(_home(), 'cli'), command, exc)}"
    except OSError as not_written:
        where = f"traceback not written: {not_written}"
    _error(f"{type(exc).__name__}: {exc} ({where})", 1)


def main() -> None:
    """Entry point of the `nba-props` console script and of `python -m flows.cli`."""
    set_debug(False)
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # a usage error (exit 2), or another error typer knows
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help is already printed
            raise SystemExit(exc.exit_code) from None
        ctx = getattr(exc, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        message = exc.format_message().replace("Value error, ", "")  # pydantic's prefix, via typer
        _error(message + hint, exc.exit_code)
    except typer.Abort:
        _error("aborted", 1)
    except Exception as exc:  # not SystemExit: the commands' typer.Exit comes back as `code`
        if debugging():
            raise
        if _is_expected(exc):
            _error(str(exc), 1)
        _unexpected(exc)
    raise SystemExit(code if isinstance(code, int) else 0)
