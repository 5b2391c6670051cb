"""`nba-props import all|box-scores|team-logs|props|game-odds|injury-reports`: real data files into the warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.environment import ParameterError, date_option, environment, fail

if TYPE_CHECKING:
    from resources.settings import Settings


def _print_reports(kind: str, path: Path, reports: list[Any]) -> None:
    """One line per table a file loaded: rows loaded, quarantined by rule, duplicates collapsed;
    rows derived from another table (the schedule from box scores) say what they were derived from."""
    for r in reports:
        rules = ", ".join(f"{k}={v}" for k, v in sorted(r.by_rule.items())) or "none"
        typer.echo(
            f"{kind:10} {path.name:60} {r.table:22} loaded={r.rows_loaded:7d} quarantined={r.rows_quarantined:5d} ({rules})"
            + (f" exact duplicates collapsed={r.rows_collapsed}" if r.rows_collapsed else "")
            + (
                f" teams NOT YET SUBMITTED (no player, left out)={r.teams_not_submitted}"
                if getattr(r, "teams_not_submitted", 0)
                else ""
            )
            + (f" derived from {r.derived_from}" if getattr(r, "derived_from", "") else "")
        )


def _print_failure(kind: str, path: Path, line: str) -> None:
    """One red line for a file of a folder that was not imported (the folder's import goes on)."""
    typer.secho(f"{kind:10} {path.name:60} NOT IMPORTED: {line}", fg=typer.colors.RED)


def _print_unresolved(settings: Settings, top: int = 20) -> None:
    """Print the prop-line names no player id was found for (most frequent first)."""
    from resources.crosswalk_store import unresolved_prop_names

    names = unresolved_prop_names(settings)
    typer.echo(f"unresolved prop names: {len(names)} ({int(names['n_rows'].sum())} rows)")
    for r in names.head(top).itertuples():
        typer.echo(
            f"  {r.player_name} ({r.n_rows} rows, {r.n_dates} dates, {r.first_date:%Y-%m-%d}..{r.last_date:%Y-%m-%d})"
        )


def _print_unresolved_injuries(settings: Settings, top: int = 20) -> None:
    """Print the injury-report names no player id was found for (quarantined; most frequent first)."""
    from resources.injury_store import unresolved_injury_names

    names = unresolved_injury_names(settings)
    if names.empty:
        return
    typer.echo(
        f"unresolved injury-report names (quarantined): {len(names)} ({int(names['n_rows'].sum())} rows)"
    )
    for r in names.head(top).itertuples():
        typer.echo(
            f"  {r.player_name} {r.team_abbr} ({r.n_rows} rows, {r.first_date:%Y-%m-%d}..{r.last_date:%Y-%m-%d})"
        )


def import_all(
    directory: Annotated[Path, typer.Argument(help="Folder in the ../shared/data layout.")],
    before: Annotated[
        date | None, date_option("--before", help="Only rows before this date.")
    ] = None,
) -> None:
    """Import every file of a folder (team logs, box scores, props, game odds, injury reports).

    A file that cannot be imported is reported on its own line and the others are imported; the
    totals are printed, then the command exits 1 naming the files that failed.
    """
    if not directory.is_dir():
        found = "a file" if directory.exists() else "nothing"
        raise ParameterError(
            f"DIRECTORY: expected a folder in the ../shared/data layout, found {found} at {directory}"
        )
    settings = environment()
    from resources.loading import ImportDirError, import_dir

    failed: ImportDirError | None = None
    try:
        reports = import_dir(
            settings, directory, before, on_file=_print_reports, on_error=_print_failure
        )
    except ImportDirError as exc:
        failed, reports = exc, exc.reports
    typer.echo(
        f"total: loaded={sum(r.rows_loaded for r in reports)} quarantined={sum(r.rows_quarantined for r in reports)}"
        + (f" files not imported={len(failed.failures)}" if failed else "")
    )
    _print_unresolved(settings)
    _print_unresolved_injuries(settings)
    if failed is not None:
        fail(str(failed))


def _import_kind(kind: str, paths: list[Path]) -> None:
    """Import files of one kind, then refresh what depends on it."""
    settings = environment()
    from resources.loading import import_file, refresh_after_import

    for path in paths:
        if not path.is_file():
            found = "a folder" if path.exists() else "nothing"
            raise ParameterError(f"PATHS: expected a {kind} file, found {found} at {path}")
    for path in paths:
        try:
            _print_reports(kind, path, import_file(settings, kind, path))
        except ValueError as exc:
            fail(f"{path}: {exc}")
    if len(refresh_after_import(settings, {kind})):
        _print_unresolved(settings)
    if kind == "injury-reports":
        _print_unresolved_injuries(settings)


def import_box_scores(paths: list[Path]) -> None:
    """Import player box-score files (stats.nba.com leaguegamelog columns)."""
    _import_kind("box-scores", paths)


def import_team_logs(paths: list[Path]) -> None:
    """Import team game-log files (also gives the schedule)."""
    _import_kind("team-logs", paths)


def import_props(paths: list[Path]) -> None:
    """Import flattened Odds API player-prop files."""
    _import_kind("props", paths)


def import_game_odds(paths: list[Path]) -> None:
    """Import game-odds files."""
    _import_kind("game-odds", paths)


def import_injury_reports(paths: list[Path]) -> None:
    """Import official injury-report CSVs (names resolve against box scores: import those first)."""
    _import_kind("injury-reports", paths)


def register(app: typer.Typer) -> None:
    """Add the `import` command group to the CLI."""
    group = typer.Typer(
        help="Import real data files (layouts of ../shared/data) into the warehouse."
    )
    group.command("all")(import_all)
    group.command("box-scores")(import_box_scores)
    group.command("team-logs")(import_team_logs)
    group.command("props")(import_props)
    group.command("game-odds")(import_game_odds)
    group.command("injury-reports")(import_injury_reports)
    app.add_typer(group, name="import")
