"""The `nba-props` command line: the root app, and every command module registered on it.

Each command module has a `register(app)` that adds its commands; list a new module below. Commands
import their heavy dependencies (Prefect, MLflow, the tasks) inside the function, so `--help` and
start-up stay fast.
"""

from __future__ import annotations

import typer

from flows.cli import imports, models, ops, pipeline, publish

app = typer.Typer(
    help="NBA player-prop predictions: ingest, features, models, grading, exports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
pipeline.register(app)
publish.register(app)
ops.register(app)
models.register(app)
imports.register(app)


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Failures a user can fix (configuration, input, missing model): a message, not a traceback."""
    from resources.model_registry import ModelNotFound, ModelSignatureMismatch
    from resources.sources.base import SourceError

    return (ModelNotFound, ModelSignatureMismatch, SourceError, FileNotFoundError, ValueError)


def main() -> None:
    """Entry point of the `nba-props` console script and of `python -m flows.cli`."""
    try:
        app(standalone_mode=True)
    except Exception as exc:  # not SystemExit: every run ends in one, and mlflow is slow to import
        if not isinstance(exc, _expected_errors()):
            raise
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None
