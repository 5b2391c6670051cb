"""`nba-props run` (the daily pipeline once) and `nba-props demo`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from flows.cli.environment import console_without_tracebacks, date_option, environment


def run(
    date_: Annotated[
        date | None, date_option("--date", help="Game date; default today US-Eastern.")
    ] = None,
    same_day: Annotated[
        bool, typer.Option("--same-day", help="Predict today's games only (no grading).")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Run every phase even if its inputs are unchanged.")
    ] = False,
) -> None:
    """Run the daily pipeline once, in this process (a failure is reported at once, not retried)."""
    environment()
    from flows.daily import daily_pipeline

    console_without_tracebacks()

    result = daily_pipeline.with_options(retries=0)(
        game_date=date_,
        same_day=same_day,
        refresh=no_cache,
    )
    typer.echo(json.dumps(result, indent=2, default=str))


def demo() -> None:
    """Import the bundled real data, train if no champion, run the demo date, print what happened."""
    settings = environment()
    from flows.demo import run_demo

    console_without_tracebacks()

    run_demo(settings, typer.echo)


def register(app: typer.Typer) -> None:
    """Add `run` and `demo` to the CLI."""
    app.command("run")(run)
    app.command("demo")(demo)
