"""The `nba-props` command line: every command registered with its help, the shared environment and
failure handling, `python -m flows.cli`, and the backtest table."""

from __future__ import annotations

import math
import os
import subprocess
import sys
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


def test_main_prints_expected_errors_and_raises_the_others(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(flows.cli, "_expected_errors", lambda: (ValueError,))

    def raises(error: Exception) -> None:
        raise error

    monkeypatch.setattr(flows.cli, "app", lambda **_: raises(ValueError("bad date")))
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1 and capsys.readouterr().err == "error: bad date\n"
    monkeypatch.setattr(flows.cli, "app", lambda **_: raises(RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        main()


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
