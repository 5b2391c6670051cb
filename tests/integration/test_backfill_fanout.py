"""Integration: backfill-fanout against a real Prefect server and a process worker.

The chunk deployment is a stand-in flow (tests/integration/fanout_chunk.py) with the `backfill`
flow's parameters: it records when it ran and sleeps, so the test checks the fan-out itself
(one child run per chunk through `run_deployment` on the work pool, at most N at once through the
`backfill-fanout` global concurrency limit, a failed chunk named while the others complete)
without running real backfills. The warehouse URL names BigQuery (fan-out refuses a DuckDB file)
but nothing here connects to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resources.telemetry import TELEMETRY_OFF
from tests.integration.gcp_fixtures import REPO, free_port, wait_http

pytestmark = pytest.mark.integration
BIN = REPO / ".venv" / "bin"
POOL = "fanout-test"
PARALLEL = 2

DEPLOY_STUB = """
from prefect import flow
flow.from_source(
    source=".", entrypoint="tests/integration/fanout_chunk.py:backfill_chunk_stub"
).deploy(name="test", work_pool_name="fanout-test", print_next_steps=False)
"""
RUN_FANOUT_THEN_READ_RUNS = """
import json
from datetime import date
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from flows.backfill_fanout import backfill_fanout

state = backfill_fanout(
    start=date(2024, 1, 20), end=date(2024, 3, 10), chunk="month",
    deployment="backfill-chunk-stub/test", return_state=True,
)
print("FANOUT", json.dumps({"type": state.type.value, "message": state.message}))
with get_client(sync_client=True) as client:
    runs = client.read_flow_runs(
        flow_filter=FlowFilter(name=FlowFilterName(any_=["backfill-chunk-stub"]))
    )
    limit = client.read_global_concurrency_limit_by_name("backfill-fanout")
print("RUNS", json.dumps({
    "children": [
        {"tags": r.tags, "state": r.state.type.value, "parent": str(r.parent_task_run_id)}
        for r in runs
    ],
    "limit": limit.limit,
}))
"""


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A Prefect server on a free port; the environment of a process that talks to it."""
    port = free_port()
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "NBA_PROPS_HOME": str(tmp_path / "home"),
        "NBA_PROPS_WAREHOUSE_URL": "bigquery://fanout-test/unused",
        "NBA_PROPS_BACKFILL_PARALLEL_RUNS": str(PARALLEL),
        "FANOUT_RECORD": str(tmp_path / "chunks.jsonl"),
        "FANOUT_FAIL_START": "2024-02-01",
        "FANOUT_MEET": str(PARALLEL),
    }
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"{env['PREFECT_API_URL']}/health", timeout=120)
            yield env
        finally:
            server.terminate()
            server.wait(timeout=30)


def _run(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        list(args), env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _tagged(stdout: str, tag: str) -> Any:
    (line,) = [x for x in stdout.splitlines() if x.startswith(f"{tag} ")]
    return json.loads(line.removeprefix(f"{tag} "))


def test_chunks_run_as_child_deployment_runs_at_most_n_at_once(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    env = server_env
    _run(env, str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process")
    _run(env, sys.executable, "-c", DEPLOY_STUB)
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            stdout = _run(env, sys.executable, "-c", RUN_FANOUT_THEN_READ_RUNS, timeout=300)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    fanout, seen = _tagged(stdout, "FANOUT"), _tagged(stdout, "RUNS")

    assert fanout["type"] == "FAILED"
    assert "1 of 3 chunk runs did not complete (2024-02-01..2024-02-29)" in fanout["message"]
    records = [json.loads(x) for x in Path(env["FANOUT_RECORD"]).read_text().splitlines()]
    assert sorted((r["start"], r["end"], r["refresh"]) for r in records) == [
        ("2024-01-20", "2024-01-31", False),
        ("2024-02-01", "2024-02-29", False),
        ("2024-03-01", "2024-03-10", False),
    ]
    # Overlap at each run's start: how many runs were running at that moment.
    overlap = max(sum(o["began"] <= r["began"] < o["ended"] for o in records) for r in records)
    assert overlap == PARALLEL, records
    children = seen["children"]
    assert len(children) == 3
    assert all(c["parent"] != "None" for c in children)  # linked under the fan-out run
    assert sorted(c["state"] for c in children) == ["COMPLETED", "COMPLETED", "FAILED"]
    assert all(any(t.startswith("fanout:") for t in c["tags"]) for c in children)
    assert seen["limit"] == PARALLEL
