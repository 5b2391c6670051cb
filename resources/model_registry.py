"""MLflow registry helpers: log and register a market model, move aliases, load the champion."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.pyfunc import PyFuncModel

from models.plots import calibration_plot
from models.pyfunc import INPUT_COLUMNS, PropMarketModel
from models.training import TrainedMarket
from models.tuning import TuningResult
from resources.telemetry import turn_off_telemetry

EXPERIMENT = "nba-props"
logger = logging.getLogger(__name__)


class ModelNotFound(RuntimeError):
    """No registered version holds the alias the caller asked for."""


class ModelSignatureMismatch(RuntimeError):
    """The registered model expects other inputs than the feature store provides."""


@dataclass(frozen=True)
class LoadedModel:
    """A registered model loaded by alias, with its name and version for lineage."""

    name: str
    version: str
    model: PyFuncModel


def is_tracking_server(tracking_uri: str) -> bool:
    """True for an MLflow tracking server (http/https), False for a local store (sqlite, file)."""
    return tracking_uri.lower().startswith(("http://", "https://"))


def configure(tracking_uri: str, artifacts_dir: Path) -> None:
    """Point MLflow at the tracking store and create the experiment if it does not exist.

    On a tracking server the experiment's artifact root is the server's (its
    `--artifacts-destination` behind `mlflow-artifacts:/`, or its `--default-artifact-root`), so
    every container reads the same artifacts; `artifacts_dir` is not used. On a local store
    (sqlite) the artifact root is `artifacts_dir`.
    """
    turn_off_telemetry()
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        try:
            if is_tracking_server(tracking_uri):
                mlflow.create_experiment(EXPERIMENT)
            else:
                artifacts_dir.mkdir(parents=True, exist_ok=True)
                mlflow.create_experiment(
                    EXPERIMENT, artifact_location=artifacts_dir.resolve().as_uri()
                )
        except MlflowException as exc:  # another process created it first
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
    experiment = mlflow.set_experiment(EXPERIMENT)
    if is_tracking_server(tracking_uri) and experiment.artifact_location.startswith("file:"):
        logger.warning(
            "experiment %r on %s keeps artifacts on one machine's disk (%s): other hosts cannot "
            "load its models; create it on the server without an artifact location",
            EXPERIMENT,
            tracking_uri,
            experiment.artifact_location,
        )


def pinned_requirements() -> list[str]:
    """Exact versions of the frameworks the model needs (no slow environment inference)."""
    from importlib.metadata import version

    return [
        f"{pkg}=={version(pkg)}"
        for pkg in ("mlflow", "lightgbm", "pandas", "numpy", "scipy", "scikit-learn")
    ]


def model_name(prefix: str, market: str) -> str:
    return f"{prefix}-{market}"


def version_with_alias(name: str, alias: str) -> str | None:
    """The version holding `alias`, or None."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def register_market_model(
    trained: TrainedMarket,
    name: str,
    example: pd.DataFrame,
    data_window: dict[str, str],
    make_champion_if_none: bool = True,
) -> str:
    """Log the model with signature and input example, register it, alias it `challenger`.

    The first version of a name also becomes `champion` (there is nothing to compare it with).
    """
    sample = example[list(INPUT_COLUMNS)].astype(float).head(20).reset_index(drop=True)
    signature = infer_signature(sample, trained.model.predict_frame(sample))
    with mlflow.start_run(run_name=f"train-{name}") as run:
        mlflow.log_params({k: str(v) for k, v in trained.params.items()})
        mlflow.log_params({f"data_{k}": v for k, v in data_window.items()})
        mlflow.log_metrics(trained.metrics)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "feature_importance.json"
            path.write_text(json.dumps(trained.feature_importance, indent=2, sort_keys=True))
            mlflow.log_artifact(str(path))
            plot = Path(tmp) / "calibration.png"
            calibration_plot(trained.holdout, plot, f"{name}: holdout calibration")
            mlflow.log_artifact(str(plot))
        info = mlflow.pyfunc.log_model(
            name="model",
            pip_requirements=pinned_requirements(),
            python_model=trained.model,
            signature=signature,
            input_example=sample.head(5),
            registered_model_name=name,
        )
        mlflow.set_tag("market", trained.model.market)
    version = str(info.registered_model_version)
    client = MlflowClient()
    client.set_registered_model_alias(name, "challenger", version)
    if make_champion_if_none and version_with_alias(name, "champion") is None:
        client.set_registered_model_alias(name, "champion", version)
    _ = run
    return version


@contextmanager
def parent_run(run_name: str, tags: dict[str, str]) -> Iterator[str]:
    """An MLflow run the tuning trials nest under; yields its run id."""
    with mlflow.start_run(run_name=run_name, tags=tags) as run:
        yield run.info.run_id


def log_trial(number: int, params: dict[str, object], mae: float) -> None:
    """One optuna trial as a nested child run of the active run."""
    with mlflow.start_run(run_name=f"trial-{number}", nested=True):
        mlflow.log_params({k: str(v) for k, v in params.items()})
        mlflow.log_metric("walk_forward_mae", mae)


def log_tuning_summary(result: TuningResult) -> None:
    """Best parameters and value on the active (parent) tuning run."""
    mlflow.log_params({f"best_{k}": str(v) for k, v in result.best_params.items()})
    mlflow.log_metric("best_walk_forward_mae", result.best_value)
    mlflow.log_metric("trials", float(len(result.trials)))


def load_by_alias(name: str, alias: str) -> LoadedModel:
    """Load `models:/{name}@{alias}`; fail loudly if absent or if its inputs differ from ours."""
    version = version_with_alias(name, alias)
    if version is None:
        raise ModelNotFound(
            f"no version of registered model {name!r} has alias {alias!r}; run `nba-props train`"
        )
    model = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    schema = model.metadata.get_input_schema()
    expected = list(INPUT_COLUMNS)
    got = schema.input_names() if schema is not None else []
    if got != expected:
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        raise ModelSignatureMismatch(
            f"{name}@{alias} (v{version}) expects other inputs than the feature store: "
            f"missing {missing}, unexpected {extra}"
        )
    return LoadedModel(name, version, model)


def predict_with(loaded: LoadedModel, features: pd.DataFrame) -> pd.DataFrame:
    """Run a loaded model on feature rows (inputs cast to the float signature)."""
    frame = features[list(INPUT_COLUMNS)].astype(float).reset_index(drop=True)
    out = loaded.model.predict(frame)
    return pd.DataFrame(out).set_axis(features.index)


__all__ = ["PropMarketModel", "configure", "load_by_alias", "register_market_model"]
