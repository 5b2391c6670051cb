"""The backtest command's JSON, the notebook, and train (tuned) + promote on a copy of the registry."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO

REQUIRED_KEYS = {
    "n",
    "mae",
    "market_mae",
    "baseline_mae",
    "brier",
    "market_brier",
    "bets",
    "hit_rate",
    "roi",
}


@pytest.fixture()
def home_copy(state_home: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the prepared warehouse and registry: aliases can move without touching other tests."""
    from resources import warehouse

    warehouse.dispose_engines()
    for name in ("warehouse.duckdb", "mlflow.db"):
        shutil.copy2(state_home / name, tmp_path / name)
    previous = os.environ["NBA_PROPS_HOME"]
    os.environ["NBA_PROPS_HOME"] = str(tmp_path)
    yield tmp_path
    warehouse.dispose_engines()
    os.environ["NBA_PROPS_HOME"] = previous


def test_backtest_command_writes_the_json_keys(home_copy: Path) -> None:
    from flows.cli import app

    out = home_copy / "bt.json"
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--market",
            "threes",
            "--start",
            "2024-03-01",
            "--end",
            "2024-03-20",
            "--train-start",
            "2024-01-02",
            "--num-rounds",
            "40",
            "--trials",
            "1",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert set(data) >= REQUIRED_KEYS
    assert data["n"] > 200 and data["folds"][0]["train_last_date"] < "2024-03-01"
    assert "threes" in result.output
    # Tuned inside the fold; the line-free model's MAE is reported beside the published one.
    assert data["optuna_trials_per_fold"] == 1
    assert "learning_rate" in data["folds"][0]["lgbm_params"]["threes"]
    assert data["markets"]["threes"]["model_mae"] > 0


def test_train_with_trials_then_promote_explains_itself(home_copy: Path) -> None:
    from mlflow import MlflowClient

    from flows.cli import app

    trained = CliRunner().invoke(
        app,
        [
            "train",
            "--market",
            "threes",
            "--start",
            "2023-11-15",
            "--end",
            "2024-03-01",
            "--trials",
            "2",
            "--num-rounds",
            "20",
        ],
    )
    assert trained.exit_code == 0, trained.output
    assert "(challenger)" in trained.output and "tuned walk-forward MAE" in trained.output
    client = MlflowClient()
    experiment = client.get_experiment_by_name("nba-props")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId")]
    assert len(trials) == 2 and all("walk_forward_mae" in r.data.metrics for r in trials)
    promoted = CliRunner().invoke(app, ["promote", "--market", "threes"])
    assert promoted.exit_code == 0, promoted.output
    assert "challenger" in promoted.output and "n=" in promoted.output
    assert ("PROMOTED" in promoted.output) or ("kept champion" in promoted.output)
    assert "Brier" in promoted.output


def test_notebook_runs_top_to_bottom(state_home: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    from resources import warehouse

    warehouse.dispose_engines()  # the kernel is another process: release the DuckDB file lock

    nb = nbformat.read(REPO / "notebooks" / "model_evaluation.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(
        o.get("output_type") in ("display_data", "execute_result")
        and "image/png" in o.get("data", {})
        for o in outputs
    )
