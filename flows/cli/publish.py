"""Phase 6 commands: `nba-props report drift|coverage|performance --date D`, `live`, `grade`."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from flows.cli.environment import (
    checked,
    console_without_tracebacks,
    date_option,
    environment,
    fail,
)
from resources.parameters import check_time


class ReportKind(StrEnum):
    """The monitoring reports."""

    drift = "drift"
    coverage = "coverage"
    performance = "performance"


def report(
    kind: Annotated[ReportKind, typer.Argument(help="drift, coverage or performance.")],
    day: Annotated[date, date_option("--date", help="Game date.")],
) -> None:
    """Build a monitoring report from the warehouse and print the path of its HTML."""
    environment()
    from tasks.monitor import build_report

    try:
        path, _ = build_report.fn(kind.value, day)
    except LookupError as exc:
        fail(str(exc))
    typer.echo(str(path))


def live(
    day: Annotated[
        date | None, date_option("--date", help="Game date; default the live date of the clock.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="ISO time the replay simulation is at (UTC without a zone)."),
    ] = None,
) -> None:
    """Write live/{date}.json and live-grading/{date}.json once (the live-export flow)."""
    if at is not None:
        checked(lambda: check_time("--at", at))
    environment()
    from flows.live_export import live_export

    console_without_tracebacks()

    result = live_export(game_date=day, at=at)
    typer.echo(json.dumps(result, indent=2, default=str))


def grade(
    day: Annotated[date, date_option("--date", help="Game date to (re)grade.")],
) -> None:
    """Regrade a date from the warehouse (after a stat correction) and rewrite results/{date}.json."""
    environment()
    from models.prediction import EXPORT_SYSTEM
    from tasks.export import export_results
    from tasks.grade import grade as grade_dates

    result = grade_dates.fn([day])
    path = export_results.fn(day)
    record = result["record"]
    typer.echo(
        f"{day}: {result['grades']} grades; {EXPORT_SYSTEM} "
        + " ".join(f"{r}={int(record.get(r, 0))}" for r in ("win", "loss", "push", "void"))
    )
    typer.echo(path)


def register(app: typer.Typer) -> None:
    """Add `report`, `live` and `grade` to the CLI."""
    app.command("report")(report)
    app.command("live")(live)
    app.command("grade")(grade)
