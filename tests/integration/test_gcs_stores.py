"""Integration: the GCS raw store and export store on gcp-storage-emulator, via real credentials.

The stores build their client from prefect-gcp's `GcpCredentials()` (application-default
credentials = the service-account file in GOOGLE_APPLICATION_CREDENTIALS), whose token endpoint
is a local server: the credential path production uses runs, only the endpoints are local.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from resources.export_store import (
    CACHE_CONTROL,
    ExportReadError,
    GcsExportStore,
    open_export_store,
)
from resources.raw_store import GcsRawStore, open_raw_store, payload_key
from resources.sources.base import RawPayload
from tests.integration.gcp_fixtures import (
    TokenServer,
    run_gcs_emulator,
    run_token_server,
    write_service_account,
)

pytestmark = pytest.mark.integration
BUCKET = "nba-props-test"
DAY = date(2024, 4, 10)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("gcs") / "emulator.log"
    with run_gcs_emulator(BUCKET, log) as url:
        yield url


@pytest.fixture(scope="module")
def token_server() -> Iterator[TokenServer]:
    with run_token_server() as server:
        yield server


@pytest.fixture
def gcs(
    emulator: str, token_server: TokenServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Environment of a production process pointed at the emulator; returns the emulator URL."""
    key_file = write_service_account(tmp_path / "sa.json", token_server.url)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", emulator)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    return emulator


def _object(key: str) -> Any:
    """The stored object's metadata, read with a separate anonymous client."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud.storage import Client

    client = Client(project="inspect", credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    blob = client.bucket(BUCKET).get_blob(key)
    assert blob is not None, f"no object {key}"
    return blob


def _payload(content: bytes = b'{"resultSets": []}') -> RawPayload:
    return RawPayload(
        source="stats_nba",
        kind="boxscores",
        game_date=DAY,
        content=content,
        fetched_at=datetime(2024, 4, 11, 9, tzinfo=UTC),
    )


def test_raw_store_round_trip_through_service_account_token(
    gcs: str, token_server: TokenServer
) -> None:
    grants_before = len(token_server.grants)
    store = open_raw_store(f"gs://{BUCKET}/raw", None)
    assert isinstance(store, GcsRawStore)
    payload = _payload(b'{"resultSets": [1]}')

    stored = store.save(payload)

    assert stored.written
    assert stored.path == f"gs://{BUCKET}/raw/{payload_key(payload)}"
    assert store.read(stored.path) == payload.content
    assert _object(f"raw/{payload_key(payload)}").content_type == "application/json"
    assert len(token_server.grants) > grants_before  # the JWT-bearer grant ran


def test_raw_store_second_write_of_a_key_keeps_the_first_object(gcs: str) -> None:
    store = open_raw_store(f"gs://{BUCKET}/raw", None)
    payload = _payload(b'{"resultSets": [2]}')
    first = store.save(payload)
    before = _object(f"raw/{payload_key(payload)}")

    again = open_raw_store(f"gs://{BUCKET}/raw", None).save(payload)

    after = _object(f"raw/{payload_key(payload)}")
    assert first.written and not again.written
    assert again.path == first.path
    assert after.generation == before.generation
    assert after.download_as_bytes() == payload.content


def test_raw_store_concurrent_writers_store_one_object(gcs: str) -> None:
    payload = _payload(b'{"resultSets": [3]}')
    stores = [open_raw_store(f"gs://{BUCKET}/raw", None) for _ in range(6)]
    start = threading.Barrier(len(stores))
    results: list[bool] = []

    def save(store: Any) -> None:
        start.wait()
        results.append(store.save(payload).written)

    threads = [threading.Thread(target=save, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(results) == [False] * 5 + [True]


def test_exports_round_trip_as_json_with_short_cache(gcs: str) -> None:
    store = open_export_store(f"gs://{BUCKET}/site/", None)
    assert isinstance(store, GcsExportStore)
    doc = {"schema_version": "1.0", "game_date": DAY.isoformat(), "players": ["é", 1.5]}

    where = store.write(f"predictions/{DAY}.json", doc)

    assert where == f"gs://{BUCKET}/site/predictions/{DAY}.json"
    assert store.read(f"predictions/{DAY}.json") == doc
    blob = _object(f"site/predictions/{DAY}.json")
    assert blob.content_type == "application/json"
    assert blob.cache_control == CACHE_CONTROL == "public, max-age=60"

    store.write(f"predictions/{DAY}.json", {**doc, "players": []})
    assert store.read(f"predictions/{DAY}.json") == {**doc, "players": []}


def test_report_uploads_beside_exports_with_a_url_any_client_opens(
    gcs: str, tmp_path: Path
) -> None:
    report = tmp_path / "drift.html"
    report.write_text("<!DOCTYPE html><html><body>drift ok</body></html>", encoding="utf-8")

    url = open_export_store(f"gs://{BUCKET}/site", None).publish_report("drift", DAY, report)

    assert url == f"{gcs}/{BUCKET}/site/reports/drift/{DAY}.html"
    with urllib.request.urlopen(url, timeout=10) as response:  # no credentials at all
        assert response.read() == report.read_bytes()
        assert response.headers["Content-Type"].startswith("text/html")
    blob = _object(f"site/reports/drift/{DAY}.html")
    assert blob.content_type.startswith("text/html")  # the emulator drops "; charset=utf-8"
    assert blob.cache_control == CACHE_CONTROL


def test_missing_export_reads_as_none(gcs: str) -> None:
    assert open_export_store(f"gs://{BUCKET}/site", None).read("best_bets/1999-01-01.json") is None


def test_auth_failure_raises_instead_of_reading_as_absent(
    emulator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with run_token_server(deny=True) as denying:
        key_file = write_service_account(tmp_path / "revoked.json", denying.url)
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", emulator)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
        store = open_export_store(f"gs://{BUCKET}/site", None)
        with pytest.raises(ExportReadError, match="RefreshError"):
            store.read(f"predictions/{DAY}.json")
