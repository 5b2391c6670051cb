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
}


def _environment() -> Any:
    """Settings, with telemetry off and Prefect's home under the state directory."""
    from tasks.settings import get_settings

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
    from tasks.importing import import_dir

    if not directory.is_dir():
        _fail(f"{directory} is not a folder")
    cutoff = date.fromisoformat(before) if before else None
    reports = import_dir(settings, directory, cutoff, on_file=_print_reports)
    typer.echo(
        f"total: loaded={sum(r.rows_loaded for r in reports)} quarantined={sum(r.rows_quarantined for r in reports)}"
    )


def _import_kind(kind: str, paths: list[Path]) -> None:
    settings = _environment()
    from tasks.importing import import_file

    for path in paths:
        if not path.exists():
            _fail(f"{path} does not exist")
        try:
            _print_reports(kind, path, import_file(settings, kind, path))
        except ValueError as exc:
            _fail(f"{path}: {exc}")


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
def train(
    market: Annotated[str, typer.Option(help="A market or 'all'.")] = "all",
    start: Annotated[str, typer.Option(help="First training date.")] = "2022-10-01",
    end: Annotated[
        str | None,
        typer.Option(
            help="Train on games strictly before this date (default: settings.train_cutoff)."
        ),
    ] = None,
    if_missing: Annotated[
        bool, typer.Option(help="Skip markets that already have a champion.")
    ] = False,
) -> None:
    """Train, log and register market models (new versions get the alias 'challenger')."""
    settings = _environment()
    from tasks.training import train_markets

    markets = settings.markets if market == "all" else [market]
    cutoff = date.fromisoformat(end) if end else settings.train_cutoff
    results = train_markets(
        settings, markets, date.fromisoformat(start), cutoff, only_if_missing=if_missing
    )
    for m, r in results.items():
        typer.echo(
            f"{m:9} {r['model']} v{r['version']}: holdout MAE blend {r['holdout_mae_blend']:.3f} "
            f"(lgbm {r['holdout_mae_lgbm']:.3f}, baseline {r['holdout_mae_baseline']:.3f}), n_train={int(r['n_train'])}"
        )
    if not results:
        typer.echo("every market already has a champion; nothing trained")


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


@app.command()
def status(
    date_: Annotated[str | None, typer.Option("--date", help="Game date to show.")] = None,
) -> None:
    """Rows per table for a date, quarantine counts, unresolved prop names, model aliases."""
    settings = _environment()
    from tasks.status import status_lines

    day = date.fromisoformat(date_) if date_ else None
    for line in status_lines(settings, day):
        typer.echo(line)


@app.command()
def backfill(
    start: Annotated[str, typer.Option(help="First date.")],
    end: Annotated[str, typer.Option(help="Last date (inclusive).")],
) -> None:
    """Phases 3-5 over a date range, vectorised (dates without games are skipped)."""
    _environment()
    from flows.backfill import backfill as backfill_flow

    result = backfill_flow(start=date.fromisoformat(start), end=date.fromisoformat(end))
    typer.echo(json.dumps(result, indent=2, default=str))


# Each area keeps its commands in flows/commands_<area>.py with a `register(app)` function;
# list the module here (one line per area).
AREA_COMMANDS: tuple[str, ...] = ("flows.commands_models",)
for _module in AREA_COMMANDS:
    importlib.import_module(_module).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
