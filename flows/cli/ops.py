"""Operations commands: backfill (with a progress bar), status, heal, doctor."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Annotated

import typer

from flows.cli.environment import (
    checked,
    console_without_tracebacks,
    date_option,
    environment,
    fail,
)
from resources.parameters import check_order, parse_season


def parse_season_option(value: str) -> str:
    """Typer parser of `--season`: a usage error unless it reads like 2023-24."""
    try:
        return parse_season(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def backfill(
    start: Annotated[date, date_option("--start", help="First date.")],
    end: Annotated[date, date_option("--end", help="Last date (inclusive).")],
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Run every phase even if its inputs are unchanged.")
    ] = False,
) -> None:
    """Every phase over a date range (ingest what is missing, features, predictions, grades)."""
    checked(lambda: check_order("--start", start, "--end", end))
    environment()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.backfill import add_progress_listener, remove_progress_listener
    from flows.backfill import backfill as backfill_flow

    console_without_tracebacks()

    with Progress(
        TextColumn("{task.description:10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ) as bar:
        bars: dict[str, object] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = bar.add_task(phase, total=max(total, 1))
            bar.update(bars[phase], completed=done if total else 1, total=max(total, 1))  # type: ignore[arg-type]

        add_progress_listener(on_progress)
        try:
            result = backfill_flow(start=start, end=end, refresh=no_cache)
        finally:
            remove_progress_listener(on_progress)
    typer.echo(json.dumps(result, indent=2, default=str))
    if not result.get("dates"):
        fail(f"backfill {start}..{end}: nothing to predict: {result.get('no_schedule')}")
    if result.get("no_schedule"):
        typer.secho(f"note: {result['no_schedule']}", fg=typer.colors.YELLOW, err=True)


def status(
    day: Annotated[date | None, date_option("--date", help="Game date to show.")] = None,
    season: Annotated[
        str | None,
        typer.Option(help="Season to summarise, e.g. 2023-24.", parser=parse_season_option),
    ] = None,
) -> None:
    """Expected outputs against actual rows per date and phase; rows, quarantine, coverage."""
    settings = environment()
    from flows.cli.status_lines import status_lines, view_lines, why_lines
    from resources.expected import season_bounds

    for line in status_lines(settings, day):
        typer.echo(line)
    if day is not None:
        lines = view_lines(settings, day, day, detail=True) + why_lines(settings, day)
    elif season is not None:
        first, last = season_bounds(season)
        lines = view_lines(settings, first, last, detail=False)
    else:
        lines = []
    for line in lines:
        typer.echo(line)


def heal(
    start: Annotated[
        date | None, date_option("--start", help="First date (default: lookback window).")
    ] = None,
    end: Annotated[
        date | None, date_option("--end", help="Last date (default: yesterday).")
    ] = None,
) -> None:
    """Re-run exactly the dates with missing or low-coverage outputs."""
    if start is not None and end is not None:
        checked(lambda: check_order("--start", start, "--end", end))
    environment()
    from flows.heal import heal as heal_flow

    console_without_tracebacks()

    result = heal_flow(start=start, end=end)
    typer.echo(json.dumps(result, indent=2, default=str))
    if result.get("remaining"):
        raise typer.Exit(code=1)


def doctor() -> None:
    """Check warehouse, stores, MLflow, secrets, alert channel and deployments; non-zero on failure."""
    settings = environment()
    from resources.doctor import run_checks

    checks = run_checks(settings, os.environ.get("PREFECT_API_URL") or None)
    for check in checks:
        mark = (
            typer.style("ok  ", fg=typer.colors.GREEN)
            if check.ok
            else typer.style("FAIL", fg=typer.colors.RED)
        )
        typer.echo(f"{mark} {check.name:13} {check.detail}")
    failed = [c for c in checks if not c.ok]
    if failed:
        typer.secho(
            f"doctor: {len(failed)} check(s) failed: "
            + "; ".join(f"{c.name}: {c.detail}" for c in failed),
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add `backfill`, `status`, `heal` and `doctor` to the CLI."""
    app.command("backfill")(backfill)
    app.command("status")(status)
    app.command("heal")(heal)
    app.command("doctor")(doctor)
