"""Integration fixtures: a local BigQuery emulator for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.bigquery_emulator import running_emulator


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
