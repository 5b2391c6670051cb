"""`nba-props run` (the daily pipeline once) and `nba-props demo`."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from flows.cli.environment import checked, console_without_tracebacks, date_option, environment
from resources.parameters import check_markets


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
    replay_time: Annotated[
        str | None,
        typer.Option(
            "--replay-time",
            metavar="HH:MM",
            help="Replay source: answer as of this US-Eastern time on the date (morning run 10:00, "
            "pre-tip refresh 17:40; default NBA_PROPS_REPLAY_CLOCK_TIME). Live: ignored.",
        ),
    ] = None,
) -> None:
    """Run the daily pipeline once, in this process (a failure is reported at once, not retried)."""
    environment()
    if replay_time is not None:
        checked(lambda: time_of_day_option("--replay-time", replay_time))
    from flows.daily import daily_pipeline

    console_without_tracebacks()

    result = daily_pipeline.with_options(retries=0)(
        game_date=date_,
        same_day=same_day,
        refresh=no_cache,
        replay_time=replay_time,
    )
    typer.echo(json.dumps(result, indent=2, default=str))


def time_of_day_option(name: str, value: str) -> None:
    """ValueError naming the option unless `value` is an HH:MM time of day."""
    from resources.clock import time_of_day

    try:
        time_of_day(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def explain_availability(
    date_: Annotated[date, date_option("--date", help="Game date with predictions.")],
    player: Annotated[
        str | None,
        typer.Option(
            "--player", help="Player name or NBA id; default the largest move of the date."
        ),
    ] = None,
    market: Annotated[str, typer.Option("--market", help="Market explained.")] = "points",
    replay_time: Annotated[
        str | None,
        typer.Option(
            "--replay-time",
            metavar="HH:MM",
            help="Replay: the as-of time the date's run used (default NBA_PROPS_REPLAY_CLOCK_TIME).",
        ),
    ] = None,
) -> None:
    """Which teammates' absences (injury report Out / Doubtful) moved a player's prediction.

    Re-predicts the player with the champion as published and as if each absent teammate had been
    listed Available; prints the published mean, the total move and each teammate's move.
    """
    settings = environment()
    checked(lambda: check_markets("--market", market, settings.markets))
    if replay_time is not None:
        checked(lambda: time_of_day_option("--replay-time", replay_time))
    from resources.clock import run_as_of
    from tasks.availability import explain_availability as explain

    result = explain.fn(date_, market, run_as_of(settings, date_, replay_time), player)
    if result["line"] is None:
        typer.echo(f"{date_} {market}: {result['why']}")
        return
    typer.echo(result["line"])
    typer.echo(
        f"model {result['model']}; move = published mean - mean with the teammate listed Available"
    )


def demo() -> None:
    """Import the bundled real data, train if no champion, run the demo date, print what happened."""
    settings = environment()
    from flows.demo import run_demo

    console_without_tracebacks()

    run_demo(settings, typer.echo)


def register(app: typer.Typer) -> None:
    """Add `run`, `demo` and `explain-availability` to the CLI."""
    app.command("run")(run)
    app.command("demo")(demo)
    app.command("explain-availability")(explain_availability)
