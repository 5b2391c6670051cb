"""Where the JSON exports go: a local folder or a gs://bucket/prefix, written atomically.

`open_export_store(settings)` picks the implementation from `NBA_PROPS_EXPORTS_URL` (the same
shape as the raw store). Reading distinguishes "not published yet" (None) from every other
failure (`ExportReadError`): an auth error or a 5xx must fail the run, not read as "nothing
published", or locked best-bet picks would be overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from resources.gcs import GcsLocation, gcp_credentials, storage_bucket
from resources.settings import Settings

JSON_CONTENT_TYPE = "application/json"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"
CACHE_CONTROL = "public, max-age=60"


class ExportReadError(RuntimeError):
    """A published export exists or may exist but could not be read (not the same as absent)."""


def gcs_bucket(url: str, credentials_block: str | None) -> Any:
    """A prefect-gcp GcsBucket for gs://bucket/prefix (imported lazily: production only)."""
    from prefect_gcp.cloud_storage import GcsBucket

    bucket, _, prefix = url.removeprefix("gs://").partition("/")
    credentials = gcp_credentials(credentials_block)
    return GcsBucket(bucket=bucket, bucket_folder=prefix.strip("/"), gcp_credentials=credentials)


def report_key(kind: str, day: date) -> str:
    """Where a monitoring report goes under the export root: reports/{kind}/{date}.html."""
    return f"reports/{kind}/{day.isoformat()}.html"


def dumps(payload: Mapping[str, Any]) -> bytes:
    """The UTF-8 JSON bytes of a document (NaN refused: builders turn it into null)."""
    return (
        json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8") + b"\n"
    )


class ExportStore(Protocol):
    """Writes and reads JSON documents at paths relative to the export root."""

    def write(self, relative_path: str, payload: Mapping[str, Any]) -> str: ...

    def read(self, relative_path: str) -> dict[str, Any] | None: ...

    def publish_report(self, kind: str, day: date, html_file: Path) -> str: ...


def _replace_file(path: Path, data: bytes) -> str:
    """Write `data` to a temp file beside `path`, fsync, then os.replace; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return str(path)


@dataclass(frozen=True)
class LocalExportStore:
    """A local folder: temp file in the same folder, fsync, then os.replace."""

    root: Path

    def write(self, relative_path: str, payload: Mapping[str, Any]) -> str:
        """Readers see the old or the new file, never half of one; returns the path written."""
        return _replace_file(self.root / relative_path, dumps(payload))

    def read(self, relative_path: str) -> dict[str, Any] | None:
        """The document, None when absent; unreadable or invalid JSON raises ExportReadError."""
        path = self.root / relative_path
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ExportReadError(f"cannot read published export {path}: {exc}") from exc

    def publish_report(self, kind: str, day: date, html_file: Path) -> str:
        """Copy a report beside the exports (atomically); returns its path."""
        return _replace_file(self.root / report_key(kind, day), html_file.read_bytes())


@dataclass(frozen=True)
class GcsExportStore:
    """gs://bucket/prefix (GCS replaces an object only when an upload completes).

    Objects are served to the site straight from the bucket, so each carries its content type
    and a short Cache-Control: a reader sees a new document at most `CACHE_CONTROL`'s max-age
    after it was written. Links returned for reports are the objects' public URLs: they open from
    any machine when the bucket grants `allUsers` the Storage Object Viewer role (see
    deployments/README.md), and ask for a Google sign-in otherwise.
    """

    url: str
    credentials_block: str | None = None

    @cached_property
    def location(self) -> GcsLocation:
        return GcsLocation.parse(self.url)

    @cached_property
    def bucket(self) -> Any:
        return storage_bucket(self.location, self.credentials_block)

    def _upload(self, relative_path: str, data: bytes, content_type: str) -> Any:
        blob = self.bucket.blob(self.location.key(relative_path))
        blob.cache_control = CACHE_CONTROL
        blob.upload_from_string(data, content_type=content_type)
        return blob

    def write(self, relative_path: str, payload: Mapping[str, Any]) -> str:
        """One object upload (application/json, short Cache-Control); returns its gs:// URL."""
        self._upload(relative_path, dumps(payload), JSON_CONTENT_TYPE)
        return self.location.url(relative_path)

    def publish_report(self, kind: str, day: date, html_file: Path) -> str:
        """Upload a report beside the exports; returns its https URL."""
        blob = self._upload(report_key(kind, day), html_file.read_bytes(), HTML_CONTENT_TYPE)
        return str(blob.public_url)

    def read(self, relative_path: str) -> dict[str, Any] | None:
        """The document, None only when the object does not exist; any other error raises."""
        from google.api_core.exceptions import NotFound

        try:
            data = self.bucket.blob(self.location.key(relative_path)).download_as_bytes()
        except NotFound:
            return None
        except Exception as exc:  # auth, 5xx, network: not "nothing published"
            raise ExportReadError(
                f"cannot read published export {self.location.url(relative_path)}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        try:
            return dict(json.loads(data))
        except ValueError as exc:
            raise ExportReadError(f"published export {relative_path} is not JSON: {exc}") from exc


def open_export_store(target: str | Path, credentials_block: str | None = None) -> ExportStore:
    """The store for a folder or a gs://bucket/prefix URL."""
    if str(target).startswith("gs://"):
        return GcsExportStore(str(target), credentials_block)
    return LocalExportStore(Path(target))


def export_store(settings: Settings) -> ExportStore:
    """The export store the settings point at."""
    return open_export_store(settings.resolved_exports, settings.gcp_credentials_block)


def write_json_atomic(
    url_or_dir: str | Path,
    relative_path: str,
    payload: Mapping[str, Any],
    gcp_credentials_block: str | None = None,
) -> str:
    """Write one document to a folder or gs:// URL atomically; returns where it went."""
    return open_export_store(url_or_dir, gcp_credentials_block).write(relative_path, payload)
