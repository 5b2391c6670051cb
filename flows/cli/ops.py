"""Operations commands: backfill (with a progress bar), status, heal, doctor."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Annotated

import typer

from flows.cli.environment import environment


def backfill(
    start: Annotated[str, typer.Option(help="First date (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last date (inclusive).")],
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Run every phase even if its inputs are unchanged.")
    ] = False,
) -> None:
    """Every phase over a date range (ingest what is missing, features, predictions, grades)."""
    environment()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.backfill import add_progress_listener, remove_progress_listener
    from flows.backfill import backfill as backfill_flow

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
            result = backfill_flow(
                start=date.fromisoformat(start), end=date.fromisoformat(end), refresh=no_cache
            )
        finally:
            remove_progress_listener(on_progress)
    typer.echo(json.dumps(result, indent=2, default=str))


def status(
    date_: Annotated[str | None, typer.Option("--date", help="Game date to show.")] = None,
    season: Annotated[str | None, typer.Option(help="Season to summarise, e.g. 2023-24.")] = None,
) -> None:
    """Expected outputs against actual rows per date and phase; rows, quarantine, coverage."""
    settings = environment()
    from flows.cli.status_lines import status_lines, view_lines
    from resources.expected import season_bounds

    day = date.fromisoformat(date_) if date_ else None
    for line in status_lines(settings, day):
        typer.echo(line)
    if day is not None:
        lines = view_lines(settings, day, day, detail=True)
    elif season is not None:
        first, last = season_bounds(season)
        lines = view_lines(settings, first, last, detail=False)
    else:
        lines = []
    for line in lines:
        typer.echo(line)


def heal(
    start: Annotated[
        str | None, typer.Option(help="First date (default: lookback window).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last date (default: yesterday).")] = None,
) -> None:
    """Re-run exactly the dates with missing or low-coverage outputs."""
    environment()
    from flows.heal import heal as heal_flow

    result = heal_flow(
        start=date.fromisoformat(start) if start else None,
        end=date.fromisoformat(end) if end else None,
    )
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
