"""MLflow registry helpers: log and register a market model, move aliases, load the champion.

Every registered version carries tags and a markdown description (training window, feature and
code version, holdout and backtest numbers against the line and the market, the promotion gate's
verdict), so that moving the `champion` alias in the MLflow UI is an informed click. When
nba-props itself sets `champion` (first registration, or a passed gate) it records the version on
the registered model (CHAMPION_VERSION_TAG); a champion the record does not name was moved by
hand (`champion_set_by`).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.pyfunc import PyFuncModel

from features.precompute import FEATURE_VERSION
from models.plots import calibration_plot
from models.promotion import holdout_line_numbers, registration_tags, version_description
from models.pyfunc import INPUT_COLUMNS, PropMarketModel
from models.training import TrainedMarket
from models.tuning import TuningResult
from resources.run_tags import code_version
from resources.telemetry import turn_off_telemetry

EXPERIMENT = "nba-props"
# Registered-model tags: the last version nba-props itself made champion, and how.
CHAMPION_VERSION_TAG = "nba_props.champion_version"
CHAMPION_SET_BY_TAG = "nba_props.champion_set_by"  # "gate" or "first registration"
BY_HAND = "hand"
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


def _feature_version(example: pd.DataFrame) -> str:
    """The feature version of the training rows (the constant when the rows do not say)."""
    if "feature_version" in example and example["feature_version"].notna().any():
        return ",".join(sorted(example["feature_version"].dropna().astype(str).unique()))
    return FEATURE_VERSION


def version_tags(name: str, version: str) -> dict[str, str]:
    """The tags of a registered version."""
    return dict(MlflowClient().get_model_version(name, version).tags)


def tag_version(name: str, version: str, tags: dict[str, str]) -> dict[str, str]:
    """Set tags on a version and rebuild its description from all its tags; the tags after."""
    client = MlflowClient()
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
    merged = version_tags(name, version)
    client.update_model_version(name, version, version_description(name, version, merged))
    return merged


def set_champion(name: str, version: str, how: str, alias: str = "champion") -> None:
    """Move `alias` to the version and record that nba-props did it, and how (gate, first registration)."""
    client = MlflowClient()
    client.set_registered_model_alias(name, alias, version)
    client.set_registered_model_tag(name, CHAMPION_VERSION_TAG, version)
    client.set_registered_model_tag(name, CHAMPION_SET_BY_TAG, how)


def champion_set_by(name: str, version: str) -> str | None:
    """How `version` became champion: "gate" / "first registration" when nba-props set it last,
    BY_HAND when another version is on record (the alias was moved in the UI or the API), None
    when nothing is recorded (a registry older than the record)."""
    tags = MlflowClient().get_registered_model(name).tags
    recorded = tags.get(CHAMPION_VERSION_TAG)
    if recorded is None:
        return None
    return tags.get(CHAMPION_SET_BY_TAG, "nba-props") if recorded == str(version) else BY_HAND


def training_window(name: str, version: str) -> tuple[date, date] | None:
    """[start, end) of the games a version was trained on: its tags, else its run's data params."""
    client = MlflowClient()
    mv = client.get_model_version(name, version)
    start, end = mv.tags.get("training.start"), mv.tags.get("training.end_exclusive")
    if not (start and end) and mv.run_id:
        params = client.get_run(mv.run_id).data.params
        start, end = params.get("data_start"), params.get("data_end_exclusive")
    return (date.fromisoformat(start), date.fromisoformat(end)) if start and end else None


def register_market_model(
    trained: TrainedMarket,
    name: str,
    example: pd.DataFrame,
    data_window: dict[str, str],
    make_champion_if_none: bool = True,
) -> str:
    """Log the model with signature and input example, register it with tags and a description,
    alias it `challenger`.

    The first version of a name also becomes `champion` (there is nothing to compare it with).
    The holdout numbers against the line and the market go to the version's tags at once; the
    backtest on later real lines is added by `nba-props promote`.
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
    tags = registration_tags(
        trained.model.market,
        data_window,
        holdout_line_numbers(trained.holdout),
        _feature_version(example),
        code_version(),
    )
    tag_version(name, version, tags | {"training.run_id": run.info.run_id})
    MlflowClient().set_registered_model_alias(name, "challenger", version)
    if make_champion_if_none and version_with_alias(name, "champion") is None:
        set_champion(name, version, "first registration")
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


def champion_by_hand_tags(model_versions: dict[str, str]) -> list[str]:
    """Run tags for the loaded versions whose `champion` alias was moved by hand, with their gate verdict.

    `champion-by-hand:{name}:v{version}:gate-{pass|fail|not-run}`; none when nba-props set the
    alias itself or the registry holds no record. The registry must be configured.
    """
    tags = []
    for name, version in sorted(model_versions.items()):
        if champion_set_by(name, version) == BY_HAND:
            verdict = version_tags(name, version).get("gate.verdict", "not run")
            tags.append(f"champion-by-hand:{name}:v{version}:gate-{verdict.replace(' ', '-')}")
    return tags
