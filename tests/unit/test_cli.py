"""The `nba-props` command line: every command registered with its help, the shared environment and
failure handling, `python -m flows.cli`, and the backtest table."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

import flows.cli
from flows.cli import app, main
from flows.cli.environment import environment, fail
from flows.cli.models import backtest_lines
from resources.telemetry import TELEMETRY_OFF
from tests.conftest import REPO

COMMANDS = {
    "run": "Run the daily pipeline once",
    "demo": "Import the bundled real data",
    "explain-availability": "Which teammates' absences",
    "report": "Build a monitoring report",
    "live": "Write live/{date}.json",
    "grade": "Regrade a date from the warehouse",
    "backfill": "Every phase over a date range",
    "status": "Expected outputs against actual rows",
    "heal": "Re-run exactly the dates",
    "doctor": "Check warehouse, stores, MLflow",
    "train": "Tune, train, log and register",
    "backtest": "Walk-forward backtest on real lines",
    "promote": "Challenger vs champion",
    "import": "Import real data files",
}
IMPORT_COMMANDS = {
    "all": "Import every file of a folder",
    "box-scores": "Import player box-score files",
    "team-logs": "Import team game-log files",
    "props": "Import flattened Odds API player-prop files",
    "game-odds": "Import game-odds files",
    "injury-reports": "Import official injury-report CSVs",
}


def test_the_commands_are_registered_in_their_help_order() -> None:
    root = get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    assert list(root.list_commands(None)) == list(COMMANDS)  # type: ignore[arg-type]
    group = root.commands["import"]
    assert isinstance(group, typer.core.TyperGroup)
    assert list(group.list_commands(None)) == list(IMPORT_COMMANDS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "first_line"),
    [([name], help_text) for name, help_text in COMMANDS.items()]
    + [(["import", name], help_text) for name, help_text in IMPORT_COMMANDS.items()],
)
def test_every_command_has_help(args: list[str], first_line: str) -> None:
    result = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert first_line in result.output


def test_python_m_flows_cli_runs_without_loading_mlflow() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flows.cli", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: python -m flows.cli" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "typer" in imported and not {"mlflow", "prefect", "lightgbm"} & imported


def test_environment_turns_telemetry_off_and_puts_prefect_under_the_state_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in (*TELEMETRY_OFF, "PREFECT_HOME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path / "state"))
    settings = environment()
    assert settings.home_dir.is_dir()
    assert os.environ["PREFECT_HOME"] == str(tmp_path / "state" / "prefect")
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert os.environ["DO_NOT_TRACK"] == "1"  # a value already set is kept


def test_fail_prints_the_error_and_exits_1() -> None:
    one = typer.Typer()

    @one.command()
    def broken() -> None:
        fail("the folder is missing")

    result = CliRunner().invoke(one, [])
    assert result.exit_code == 1
    assert result.output == "error: the folder is missing\n"


def test_main_prints_expected_errors_in_one_line_without_a_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NBA_PROPS_DEBUG", raising=False)

    def raises(error: Exception) -> None:
        raise error

    for error in (ValueError("bad date"), LookupError("no rows"), FileNotFoundError("x.csv")):
        monkeypatch.setattr(flows.cli, "app", lambda error=error, **_: raises(error))
        with pytest.raises(SystemExit) as exit_:
            main()
        assert exit_.value.code == 1 and capsys.readouterr().err == f"error: {error}\n"
    monkeypatch.setattr(flows.cli, "app", lambda **_: raises(ValueError("1 error\n  field\n")))
    with pytest.raises(SystemExit):
        main()
    assert capsys.readouterr().err == "error: 1 error; field\n"  # pydantic's lines, joined
    assert not (tmp_path / "home" / "logs").exists()


def test_main_does_not_look_up_expected_errors_on_a_normal_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_run() -> tuple[type[BaseException], ...]:
        raise AssertionError("imports mlflow")

    monkeypatch.setattr(flows.cli, "_expected_errors", must_not_run)
    monkeypatch.setattr(sys, "argv", ["nba-props", "--help"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0


def test_backtest_lines() -> None:
    points = {
        "n": 120,
        "mae": 4.8123,
        "model_mae": math.nan,
        "market_mae": 4.9,
        "baseline_mae": 5.2,
        "last10_mae": 5.4,
        "bias": -0.31,
        "brier": 0.2461,
        "brier_raw": 0.2502,
        "market_brier": 0.2489,
        "bets": 14,
        "hit_rate": 0.5714,
        "hit_rate_ci95": [0.3, 0.8],
        "roi": 0.0912,
        "roi_ci95": [None, 0.4],
    }
    result = {
        "window": ["2024-03-01", "2024-05-31"],
        "train_start": "2021-10-01",
        "markets": {"points": points, "rebounds": {"n": 0}, "all": points},
    }
    lines = backtest_lines(result)
    assert lines[0].startswith(
        "walk-forward backtest 2024-03-01..2024-05-31 (train from 2021-10-01)"
    )
    assert len(lines) == 4  # title, legend, header, points (no rows for empty markets or "all")
    assert lines[3] == (
        "points       120  4.812 n/a  4.900  5.200  5.400  -0.31 0.2461 0.2502 0.2489    14  0.571 "
        "[0.300,0.800]  +0.091 [n/a,+0.400]"
    )


# ------------------------------------------------- every failure through main(): one line, no traceback

FILES = REPO / "tests" / "fixtures" / "files"
CORPUS = REPO / "tests" / "fixtures" / "bad_input"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty state directory for the command (the CLI reads it from the environment)."""
    from resources import warehouse

    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("NBA_PROPS_DEBUG", raising=False)
    yield tmp_path / "home"
    warehouse.dispose_engines()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`nba-props argv...` through the console script's main() in this process: (code, out, err)."""
    saved, sys.argv = sys.argv, ["nba-props", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def error_line(out: str, err: str) -> str:
    """The one line of stderr (no traceback anywhere)."""
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    return lines[0]


def test_import_says_the_schedule_was_derived_from_box_scores(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FILES / "player_logs_slim_playoffs_trimmed.csv"
    code, out, err = cli(capsys, "import", "box-scores", str(path))
    assert code == 0, err
    [boxes] = [line for line in out.splitlines() if " raw_player_boxscores " in line]
    [schedule] = [line for line in out.splitlines() if " raw_schedule " in line]
    assert "derived" not in boxes
    assert schedule.endswith("derived from player box scores (MATCHUP)")


def test_import_all_reports_each_failure_as_it_happens_then_the_totals(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    for folder, name, source in (
        ("team_game_logs", "a_good.csv", CORPUS / "team-logs" / "good.csv"),
        ("player_game_logs", "a_good.csv", CORPUS / "box-scores" / "good.csv"),
        ("player_game_logs", "b_html.csv", CORPUS / "box-scores" / "html.csv"),
    ):
        (data / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, data / folder / name)
    code, out, err = cli(capsys, "import", "all", str(data))
    assert code == 1
    line = error_line(out, err)
    assert "1 file(s)" in line and str(data / "player_game_logs" / "b_html.csv") in line
    lines = out.splitlines()
    [failed] = [i for i, text in enumerate(lines) if "NOT IMPORTED" in text]
    [total] = [i for i, text in enumerate(lines) if text.startswith("total: ")]
    assert lines[failed].startswith("box-scores b_html.csv") and "HTML page" in lines[failed]
    assert failed < total and lines[total].endswith("files not imported=1")
    assert "loaded=0 " not in lines[total]  # the good files' rows are counted


def test_an_unexpected_error_is_one_line_with_its_traceback_in_the_cli_log(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import status_lines

    def broken(*_: object) -> list[str]:
        raise KeyError("coverage_min")  # a lookup in code, not the user's input: a bug

    monkeypatch.setattr(status_lines, "status_lines", broken)
    code, out, err = cli(capsys, "status")
    log = home / "logs" / "cli.log"
    assert code == 1
    assert error_line(out, err) == f"error: KeyError: 'coverage_min' (traceback in {log})"
    text = log.read_text()
    assert "nba-props status" in text and "Traceback (most recent call last)" in text
    assert "in broken" in text
    # Developers get the traceback itself: --debug, or NBA_PROPS_DEBUG=1.
    with pytest.raises(KeyError):
        cli(capsys, "--debug", "status")
    monkeypatch.setenv("NBA_PROPS_DEBUG", "1")
    with pytest.raises(KeyError):
        cli(capsys, "status")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["run", "--date", "2024-13-01"],
            "'--date': expected a date YYYY-MM-DD, found '2024-13-01' (month must be in 1..12)",
        ),
        (
            ["grade", "--date", "yesterday"],
            "'--date': expected a date YYYY-MM-DD, found 'yesterday'",
        ),
        (
            ["backfill", "--start", "2024-03-05", "--end", "2024-03-01"],
            "--start/--end: expected --start on or before --end, found --start 2024-03-05 and --end 2024-03-01",
        ),
        (
            ["heal", "--start", "2024-03-05", "--end", "2024-03-01"],
            "expected --start on or before --end",
        ),
        (
            ["backtest", "--start", "2024-03-05", "--end", "2024-03-01"],
            "expected --start on or before --end",
        ),
        (
            ["backtest", "--train-start", "2024-04-01"],
            "expected --train-start before --start, found --train-start 2024-04-01 and --start 2024-03-01",
        ),
        (
            ["train", "--start", "2024-03-01", "--end", "2024-03-01"],
            "expected --start before --end",
        ),
        (
            ["train", "--market", "steals"],
            "--market: expected 'all' or one of points, rebounds, assists, threes, pra, found 'steals'",
        ),
        (["backtest", "--market", "steals"], "found 'steals'"),
        (
            ["backtest", "--availability", "sometimes"],
            "'--availability': 'sometimes' is not one of 'none', 'report', 'market', 'both'",
        ),
        (
            ["report", "bogus", "--date", "2024-04-10"],
            "'kind': 'bogus' is not one of 'drift', 'coverage', 'performance'",
        ),
        (
            ["status", "--season", "2023"],
            "'--season': expected a season like 2023-24, found '2023'",
        ),
        (
            ["live", "--at", "noon"],
            "--at: expected an ISO time like 2024-04-10T23:30:00, found 'noon'",
        ),
        (
            ["import", "box-scores", "/no/such.csv"],
            "PATHS: expected a box-scores file, found nothing at /no/such.csv",
        ),
        (
            ["import", "all", "/no/such/dir"],
            "DIRECTORY: expected a folder in the ../shared/data layout, found nothing at /no/such/dir",
        ),
        (
            ["import", "all", str(FILES), "--before", "2024-02-30"],
            "'--before': expected a date YYYY-MM-DD, found '2024-02-30'",
        ),
        (
            ["backtest", "--data", "/no/such/dir"],
            "--data: expected a folder (../shared/data layout), found nothing at /no/such/dir",
        ),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_parameter_that_cannot_be_used_is_a_one_line_usage_error(
    argv: list[str], said: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, *argv)
    assert code == 2
    line = error_line(out, err)
    assert said in line and line.endswith(
        f"(see `nba-props {' '.join(argv[:2] if argv[0] == 'import' else argv[:1])} --help`)"
    )
    assert not (home / "warehouse.duckdb").exists()  # refused before anything was opened


def test_flows_refuse_bad_parameters_at_their_start() -> None:
    from datetime import date

    from flows.backfill import backfill
    from flows.daily import daily_pipeline
    from flows.heal import heal
    from flows.live_export import live_export

    with pytest.raises(
        ValueError, match=r"^game_date: expected a date YYYY-MM-DD, found '2024-13-01'"
    ):
        daily_pipeline.fn(game_date="2024-13-01")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError,
        match=r"^start/end: expected start on or before end, found start 2024-03-05 and end 2024-03-01$",
    ):
        backfill.fn(start=date(2024, 3, 5), end=date(2024, 3, 1))
    with pytest.raises(ValueError, match=r"^start: expected a date"):
        backfill.fn(start="March 5", end=date(2024, 3, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^start/end: expected start on or before end"):
        heal.fn(start=date(2024, 3, 5), end=date(2024, 3, 1))
    with pytest.raises(ValueError, match=r"^at: expected an ISO time .*, found 'noon'$"):
        live_export.fn(at="noon")


def test_train_over_a_window_without_games_names_the_tables_and_the_fix(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "train", "--start", "2020-01-01", "--end", "2020-02-01")
    assert code == 1
    assert error_line(out, err) == (
        "error: no games to train on from 2020-01-01 to before 2020-02-01: raw_schedule and "
        "raw_player_boxscores hold no games in 2020-01-01..2020-01-31: fill them with "
        "`nba-props import all DIR` (`nba-props import box-scores FILE`)"
    )


def test_backfill_without_games_says_which_dates_lack_a_schedule(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's side: the flow's summary (run_phases) says which dates have no schedule."""
    from datetime import date

    import flows.backfill
    from resources.input_gaps import unscheduled_note

    def no_games(start: date, end: date, refresh: bool) -> dict[str, object]:
        dates = flows.backfill.calendar_dates(start, end)
        return {"ingest": {}, "dates": 0, "no_schedule": unscheduled_note(dates, [], "replay")}

    monkeypatch.setattr(flows.backfill, "backfill", no_games)
    code, out, err = cli(capsys, "backfill", "--start", "2019-07-01", "--end", "2019-07-02")
    assert code == 1
    assert error_line(out, err) == (
        "error: backfill 2019-07-01..2019-07-02: nothing to predict: raw_schedule has no games on "
        "2019-07-01, 2019-07-02 of 2 date(s) (none there, and the 'replay' source gave none): if "
        "games were played, import them with `nba-props import all DIR` or `nba-props import "
        "team-logs FILE`, or `nba-props import box-scores FILE` (the schedule is derived from "
        "MATCHUP where no team logs cover a game)"
    )
    assert '"dates": 0' in out


def test_status_of_an_empty_date_says_why_each_phase_is_empty(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "status", "--date", "2024-04-21")
    assert code == 0 and err == ""
    assert out.splitlines()[-1].startswith(
        "why nothing on 2024-04-21: raw_schedule has no games on 2024-04-21"
    )
    cli(capsys, "import", "box-scores", str(FILES / "player_logs_slim_playoffs_trimmed.csv"))
    code, out, err = cli(capsys, "status", "--date", "2024-04-20")
    assert code == 0 and "Traceback" not in out + err
    why = out[out.index("why phases are empty on 2024-04-20:") :].splitlines()
    assert why[1].split()[:2] == ["context", "upcoming_player_game_context"]
    assert why[1].endswith(
        "fill it with `nba-props run --date 2024-04-20` or `nba-props backfill --start 2024-04-20 --end 2024-04-20`"
    )
    assert why[2].endswith("ml_feature_store has no rows: it is built from context, which has none")
    assert len(why) == 5  # header, context, features, predictions, grades (schedule, box scores ok)


def test_a_report_without_input_names_the_table_and_the_fix(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "report", "drift", "--date", "2024-04-10")
    assert code == 1 and out == ""
    assert error_line(out, err) == (
        "error: ml_feature_store has no rows for 2024-04-10: build them with `nba-props run "
        "--date 2024-04-10` or `nba-props backfill --start 2024-04-10 --end 2024-04-10`"
    )


def test_prefect_console_lines_keep_the_traceback_out_of_the_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io
    import logging

    from flows.cli.environment import console_without_tracebacks, set_debug

    class PrefectConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
        """Stands in for Prefect's console handler (matched by class name)."""

    terminal, run_log = io.StringIO(), io.StringIO()
    console = PrefectConsoleHandler(terminal)
    console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    api = logging.StreamHandler(run_log)  # runs first and caches the formatted traceback
    logger = logging.getLogger("prefect.task_runs.test_cli")
    monkeypatch.setattr(logging.getLogger(), "handlers", [console])
    monkeypatch.setattr(logger, "handlers", [api])
    monkeypatch.setattr(logging.getLogger("prefect.task_runs"), "handlers", [])  # Prefect's API's
    monkeypatch.delenv("NBA_PROPS_DEBUG", raising=False)
    set_debug(False)
    console_without_tracebacks()
    console_without_tracebacks()  # wrapped once
    try:
        raise ValueError("no champion for points")
    except ValueError:
        logger.exception("Task run failed with exception: ValueError('no champion for points')")
    logger.warning("Finished")
    assert terminal.getvalue().splitlines() == [
        "ERROR Task run failed with exception: ValueError('no champion for points') "
        "(traceback in the run's log)",
        "WARNING Finished",
    ]
    assert "Traceback (most recent call last)" in run_log.getvalue()


def test_an_invalid_setting_is_one_line_naming_it(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_PROPS_COVERAGE_THRESHOLD", "most")
    code, out, err = cli(capsys, "status")
    assert code != 0
    assert "coverage_threshold" in error_line(out, err).lower()
