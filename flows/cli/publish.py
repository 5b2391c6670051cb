"""Phase 6 commands: `nba-props report drift|coverage|performance --date D`, `live`, `grade`."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer


class ReportKind(StrEnum):
    """The monitoring reports."""

    drift = "drift"
    coverage = "coverage"
    performance = "performance"


def report(
    kind: Annotated[ReportKind, typer.Argument(help="drift, coverage or performance.")],
    date_: Annotated[str, typer.Option("--date", help="Game date (YYYY-MM-DD).")],
) -> None:
    """Build a monitoring report from the warehouse and print the path of its HTML."""
    from flows.cli import _environment, _fail
    from tasks.export import build_report

    settings = _environment()
    try:
        path, _ = build_report(settings, kind.value, date.fromisoformat(date_))
    except LookupError as exc:
        _fail(str(exc))
        return
    typer.echo(str(path))


def live(
    date_: Annotated[
        str | None,
        typer.Option("--date", help="Game date (YYYY-MM-DD); default the live date of the clock."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="ISO time the replay simulation is at (UTC without a zone)."),
    ] = None,
) -> None:
    """Write live/{date}.json and live-grading/{date}.json once (the live-export flow)."""
    from flows.cli import _environment
    from flows.live_export import live_export

    _environment()
    result = live_export(game_date=date.fromisoformat(date_) if date_ else None, at=at)
    typer.echo(json.dumps(result, indent=2, default=str))


def grade(
    date_: Annotated[str, typer.Option("--date", help="Game date to (re)grade (YYYY-MM-DD).")],
) -> None:
    """Regrade a date from the warehouse (after a stat correction) and rewrite results/{date}.json."""
    from flows.cli import _environment
    from resources.clock import now_utc
    from tasks.export import EXPORT_SYSTEM, store_grades, write_results_export

    settings = _environment()
    day = date.fromisoformat(date_)
    grades, _ = store_grades(settings, day)
    path = write_results_export(settings, day, now_utc(settings))
    record = grades.loc[grades["system_id"] == EXPORT_SYSTEM, "result"].value_counts()
    typer.echo(
        f"{day}: {len(grades)} grades; {EXPORT_SYSTEM} "
        + " ".join(f"{r}={int(record.get(r, 0))}" for r in ("win", "loss", "push", "void"))
    )
    typer.echo(path)


def register(app: typer.Typer) -> None:
    """Add the phase 6 commands to the `nba-props` app."""
    app.command("report")(report)
    app.command("live")(live)
    app.command("grade")(grade)
