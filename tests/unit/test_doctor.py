"""`doctor` checks: a configured service that does not answer fails; only what is not configured is skipped."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from resources.doctor import check_deployments, check_writable, run_checks
from resources.settings import Settings


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Unhealthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b"starting")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def unhealthy_server() -> Iterator[str]:
    """A server whose /health answers 503 (a Prefect API that is up but not ready)."""
    server = HTTPServer(("127.0.0.1", 0), _Unhealthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_deployments_are_skipped_only_when_no_server_is_configured() -> None:
    assert check_deployments(None).startswith("skipped: PREFECT_API_URL not set")
    assert check_deployments("").startswith("skipped: PREFECT_API_URL not set")


def test_a_configured_server_that_is_down_fails_the_doctor(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    checks = {c.name: c for c in run_checks(Settings(home=tmp_path), api_url=url)}
    failed = checks["deployments"]
    assert not failed.ok
    assert url in failed.detail and "not reachable" in failed.detail
    assert "ConnectError" in failed.detail and "skipped" not in failed.detail


def test_a_configured_server_that_answers_an_error_fails_the_doctor(
    unhealthy_server: str,
) -> None:
    with pytest.raises(ConnectionError, match="not reachable: HTTPStatusError.*503"):
        check_deployments(unhealthy_server)


def test_gcs_probe_deletes_the_key_it_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    """GcsBucket keeps its folder as "prefix/": the probe must delete the key write_path used."""
    import prefect_gcp
    from prefect_gcp import cloud_storage

    written: list[str] = []
    deleted: list[str] = []

    def upload(data: bytes, bucket: str, blob: str, gcp_credentials: Any) -> None:
        written.append(f"{bucket}:{blob}")

    class Blob:
        def __init__(self, name: str) -> None:
            self.name = name

        def delete(self) -> None:
            deleted.append(f"nba-props-exports:{self.name}")

    class Bucket:
        def blob(self, name: str) -> Blob:
            return Blob(name)

    # Credentials without a lookup of application-default credentials (none on a test machine).
    credentials = prefect_gcp.GcpCredentials.model_construct()
    monkeypatch.setattr(prefect_gcp, "GcpCredentials", lambda: credentials)
    monkeypatch.setattr(cloud_storage, "_upload_blob_from_string_sync", upload)
    monkeypatch.setattr(cloud_storage.GcsBucket, "get_bucket", lambda self: Bucket())
    assert (
        check_writable("gs://nba-props-exports/prod/v1", None) == "gs://nba-props-exports/prod/v1"
    )
    assert len(written) == 1 and written[0].startswith("nba-props-exports:prod/v1/.doctor-probe-")
    assert deleted == written


def test_local_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    assert check_writable(str(tmp_path / "exports"), None) == str(tmp_path / "exports")
    assert list((tmp_path / "exports").iterdir()) == []
