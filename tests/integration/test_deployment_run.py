"""Integration: a real Prefect server, prefect.yaml deployed, a process worker, a deployment run."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from resources import warehouse
from resources.run_tags import code_version
from resources.telemetry import TELEMETRY_OFF
from tests.conftest import DEMO_DAY, REPO

pytestmark = pytest.mark.integration
BIN = Path(REPO) / ".venv" / "bin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"Prefect server at {url} did not become healthy in {timeout}s")


@pytest.fixture
def prefect_server(state_home: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "NBA_PROPS_HOME": str(state_home),
        "NBA_PROPS_REPO_DIR": str(REPO),
        "NBA_PROPS_CODE_VERSION": code_version(),
        **TELEMETRY_OFF,
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(env["PREFECT_API_URL"])
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "prefect"), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_deployment_run_same_day_completes(prefect_server: dict[str, str], tmp_path: Path) -> None:
    env = prefect_server
    warehouse.dispose_engines()  # the flow run's process needs the DuckDB file lock
    created = _run(env, "work-pool", "create", "local-process", "--type", "process", "--overwrite")
    assert created.returncode == 0, created.stderr
    template = str(Path(REPO) / "deployments" / "cloud-run-v2-job-template.json")
    cloud = _run(env, "work-pool", "create", "cloud-run", "--type", "cloud-run-v2", "--base-job-template", template, "--overwrite")  # fmt: skip
    assert cloud.returncode == 0, cloud.stderr
    deployed = _run(env, "--no-prompt", "deploy", "--all")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(BIN / "prefect"), "worker", "start", "--pool", "local-process"],
        env=env,
        cwd=REPO,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        run = _run(
            env,
            "deployment",
            "run",
            "daily-pipeline/daily",
            "--param",
            "same_day=true",
            "--param",
            f"game_date={DEMO_DAY.isoformat()}",
            "--watch",
            "--watch-timeout",
            "400",
            timeout=450,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output + (tmp_path / "worker.log").read_text()[-4000:]
        assert "Completed" in output
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        worker_log.close()
