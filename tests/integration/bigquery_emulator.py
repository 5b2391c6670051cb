"""A local BigQuery (bqemulator) for tests and benchmarks, started offline as a subprocess.

Run as a script it starts the emulator offline: DuckDB's spatial extension is not downloaded at
start-up (GEOGRAPHY is unused here), the best-effort Avro extension install is switched off, and
uploads whose media part is typed `*/*` (what google-cloud-bigquery sends for a load job from a
file) are accepted. The emulator also needs numpy, which the project already installs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

PROJECT = "test-project"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_emulator(log_path: Path | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Start the emulator on free ports; yield its `host:port`; stop it on exit."""
    rest_port, grpc_port = _free_port(), _free_port()
    env = {**os.environ, "BQEMU_LOG_LEVEL": "warning", "BQEMU_ENABLE_FORMAT_EXTENSIONS": "false"}
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, __file__, str(rest_port), str(grpc_port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    host = f"127.0.0.1:{rest_port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"bqemulator exited with {process.returncode} ({log_path})")
            try:
                httpx.get(f"http://{host}/bigquery/v2/projects/{PROJECT}/datasets", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"bqemulator not up after {timeout}s") from None
                time.sleep(0.2)
        yield host
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _serve(rest_port: int, grpc_port: int) -> None:
    from bqemulator.api.routes import upload
    from bqemulator.config import Settings
    from bqemulator.server import run_forever
    from bqemulator.storage.engine import DuckDBEngine

    DuckDBEngine._load_spatial = lambda self: None  # type: ignore[method-assign]
    permitted = upload._PERMITTED_MEDIA_CONTENT_TYPES
    upload._PERMITTED_MEDIA_CONTENT_TYPES = (*permitted, "*/*")  # type: ignore[assignment]
    run_forever(Settings(rest_port=rest_port, grpc_port=grpc_port, default_project_id=PROJECT))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
