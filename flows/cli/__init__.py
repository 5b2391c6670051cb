"""The `nba-props` command line: demo, run, import, train, status, serve helpers."""

from __future__ import annotations

import importlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="NBA player-prop predictions: ingest, features, models, grading, exports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(
    help="Import real data files (layouts of ../shared/data) into the warehouse."
)
app.add_typer(import_app, name="import")

TELEMETRY_OFF = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "true",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "NO_GCE_CHECK": "true",
    # On a busy 2-core machine the ephemeral Prefect API can take longer than the default 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _environment() -> Any:
    """Settings, with telemetry off and Prefect's home under the state directory."""
    from resources.settings import get_settings

    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    settings = get_settings()
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    return settings


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _print_reports(kind: str, path: Path, reports: list[Any]) -> None:
    for r in reports:
        rules = ", ".join(f"{k}={v}" for k, v in sorted(r.by_rule.items())) or "none"
        typer.echo(
            f"{kind:10} {path.name:60} {r.table:22} loaded={r.rows_loaded:7d} quarantined={r.rows_quarantined:5d} ({rules})"
            + (f" exact duplicates collapsed={r.rows_collapsed}" if r.rows_collapsed else "")
        )


def _print_unresolved(settings: Any, top: int = 20) -> None:
    """Print the prop-line names no player id was found for (most frequent first)."""
    from resources.crosswalk_store import unresolved_prop_names

    names = unresolved_prop_names(settings)
    typer.echo(f"unresolved prop names: {len(names)} ({int(names['n_rows'].sum())} rows)")
    for r in names.head(top).itertuples():
        typer.echo(
            f"  {r.player_name} ({r.n_rows} rows, {r.n_dates} dates, {r.first_date:%Y-%m-%d}..{r.last_date:%Y-%m-%d})"
        )


@import_app.command("all")
def import_all(
    directory: Annotated[Path, typer.Argument(help="Folder in the ../shared/data layout.")],
    before: Annotated[
        str | None, typer.Option(help="Only rows before this date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Import every file of a folder (team logs, box scores, props, game odds)."""
    settings = _environment()
    from resources.loading import import_dir

    if not directory.is_dir():
        _fail(f"{directory} is not a folder")
    cutoff = date.fromisoformat(before) if before else None
    reports = import_dir(settings, directory, cutoff, on_file=_print_reports)
    typer.echo(
        f"total: loaded={sum(r.rows_loaded for r in reports)} quarantined={sum(r.rows_quarantined for r in reports)}"
    )
    _print_unresolved(settings)


def _import_kind(kind: str, paths: list[Path]) -> None:
    settings = _environment()
    from resources.loading import import_file, refresh_after_import

    for path in paths:
        if not path.exists():
            _fail(f"{path} does not exist")
        try:
            _print_reports(kind, path, import_file(settings, kind, path))
        except ValueError as exc:
            _fail(f"{path}: {exc}")
    if len(refresh_after_import(settings, {kind})):
        _print_unresolved(settings)


@import_app.command("box-scores")
def import_box_scores(paths: list[Path]) -> None:
    """Import player box-score files (stats.nba.com leaguegamelog columns)."""
    _import_kind("box-scores", paths)


@import_app.command("team-logs")
def import_team_logs(paths: list[Path]) -> None:
    """Import team game-log files (also gives the schedule)."""
    _import_kind("team-logs", paths)


@import_app.command("props")
def import_props(paths: list[Path]) -> None:
    """Import flattened Odds API player-prop files."""
    _import_kind("props", paths)


@import_app.command("game-odds")
def import_game_odds(paths: list[Path]) -> None:
    """Import game-odds files."""
    _import_kind("game-odds", paths)


@app.command()
def run(
    date_: Annotated[
        str | None, typer.Option("--date", help="Game date (YYYY-MM-DD); default today US-Eastern.")
    ] = None,
    same_day: Annotated[
        bool, typer.Option("--same-day", help="Predict today's games only (no grading).")
    ] = False,
) -> None:
    """Run the daily pipeline once, in this process."""
    _environment()
    from flows.daily import daily_pipeline

    result = daily_pipeline(
        game_date=date.fromisoformat(date_) if date_ else None, same_day=same_day
    )
    typer.echo(json.dumps(result, indent=2, default=str))


@app.command()
def demo() -> None:
    """Import the bundled real data, train if no champion, run the demo date, print what happened."""
    settings = _environment()
    from flows.demo import run_demo

    run_demo(settings, typer.echo)


# Each area keeps its commands in flows/commands_<area>.py with a `register(app)` function;
# list the module here (one line per area).
AREA_COMMANDS: tuple[str, ...] = (
    "flows.cli.publish",
    "flows.cli.ops",
    "flows.cli.models",
)
for _module in AREA_COMMANDS:
    importlib.import_module(_module).register(app)


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Failures a user can fix (configuration, input, missing model): a message, not a traceback."""
    from resources.model_registry import ModelNotFound, ModelSignatureMismatch
    from resources.sources.base import SourceError

    return (ModelNotFound, ModelSignatureMismatch, SourceError, FileNotFoundError, ValueError)


def main() -> None:
    """Entry point of the `nba-props` console script."""
    try:
        app(standalone_mode=True)
    except _expected_errors() as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
