"""The backtest command's JSON, the notebook, and train (tuned) + promote on a copy of the registry."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
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
    # The new version says what it is before anyone compares it.
    name = "nba-props-threes"
    version = client.get_model_version_by_alias(name, "challenger")
    tags = version.tags
    assert (tags["training.start"], tags["training.end_exclusive"]) == ("2023-11-15", "2024-03-01")
    assert tags["feature_version"] and "+" in tags["code_version"]
    # Bundled threes lines start 2024-03-02: the holdout (Feb 2024) has none to compare with.
    assert tags["holdout.n"] == "0" and "holdout.line_mae" not in tags
    pra = client.get_model_version("nba-props-pra", "1").tags  # PRA lines cover 2023-24
    assert int(pra["holdout.n"]) > 100 and float(pra["holdout.line_mae"]) > 0
    assert 0 < float(pra["holdout.brier"]) < 0.3 and 0 < float(pra["holdout.market_brier"]) < 0.3
    assert tags["backtest.status"].startswith("pending") and tags["gate.verdict"] == "not run"
    assert "trained on games 2023-11-15 .. before 2024-03-01" in version.description
    assert "Backtest: pending" in version.description

    promoted = CliRunner().invoke(app, ["promote", "--market", "threes"])
    assert promoted.exit_code == 0, promoted.output
    assert "challenger" in promoted.output and "n=" in promoted.output
    assert ("PROMOTED" in promoted.output) or ("kept champion" in promoted.output)
    assert "Brier" in promoted.output
    assert f"verdict written to {name} v{version.version}" in promoted.output

    # The gate's verdict and the backtest numbers are on the challenger version.
    judged = client.get_model_version(name, version.version)
    tags = judged.tags
    assert tags["gate.verdict"] in ("pass", "fail") and tags["gate.reasons"]
    assert tags["gate.champion_version"] == "1" and tags["gate.rule"].startswith("n >= ")
    assert tags["backtest.status"] == "done" and int(tags["backtest.n"]) > 0
    assert {"backtest.mae", "backtest.line_mae", "backtest.brier", "backtest.market_brier"} <= set(
        tags
    )
    assert tags["backtest.n"] == tags["gate.challenger_n"]
    assert f"Promotion gate {tags['gate.verdict'].upper()}" in judged.description
    assert "Backtest on real lines after training" in judged.description
    from resources import model_registry

    # MLflow gives the version as an int or a str depending on the store: compare as text.
    champion = str(client.get_model_version_by_alias(name, "champion").version)
    if tags["gate.verdict"] == "pass":
        assert "PROMOTED" in promoted.output and champion == str(version.version)
        assert model_registry.champion_set_by(name, champion) == "gate"
    else:
        assert champion == "1"
        assert model_registry.champion_set_by(name, "1") == "first registration"


def test_champion_moved_by_hand_is_what_the_next_run_loads(home_copy: Path) -> None:
    """The UI's alias move, done through the same API call: the next predict loads that version
    and the run's identity tags say the alias was moved by hand and the gate never judged it."""
    from mlflow import MlflowClient

    from resources import model_registry
    from resources.run_tags import identity_tags
    from resources.settings import get_settings
    from tasks.features import build_features
    from tasks.predict import predict

    settings = get_settings()  # this test's copy of the registry
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    name = "nba-props-points"
    client = MlflowClient()
    first = client.get_model_version(name, "1")
    assert model_registry.champion_set_by(name, "1") == "first registration"
    second = str(client.create_model_version(name, first.source, first.run_id).version)
    client.set_registered_model_alias(name, "champion", second)

    day = date(2024, 4, 7)
    build_features.fn([day])
    result = predict.fn([day])
    versions = result["model_versions"]
    assert versions[name] == second
    assert all(v == "1" for n, v in versions.items() if n != name)
    tags = identity_tags(versions)
    assert f"model:{name}:v{second}" in tags
    assert f"champion-by-hand:{name}:v{second}:gate-not-run" in tags
    assert [t for t in tags if t.startswith("champion-by-hand:")] == [
        f"champion-by-hand:{name}:v{second}:gate-not-run"
    ]
    # Moved back by hand to the version nba-props made champion: no longer flagged.
    client.set_registered_model_alias(name, "champion", "1")
    assert model_registry.champion_set_by(name, "1") == "first registration"
    assert not [t for t in identity_tags({name: "1"}) if t.startswith("champion-by-hand:")]


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
