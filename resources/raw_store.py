"""The raw store: every payload kept verbatim, immutable, content-addressed, partitioned by date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from resources.sources.base import RawPayload


@dataclass(frozen=True)
class StoredPayload:
    """Where a payload was kept and whether this call wrote it (False: identical content existed)."""

    path: str
    written: bool


def payload_key(payload: RawPayload) -> str:
    """Relative key: {source}/{kind}/{date}/{sha256}.json."""
    suffix = "json" if "json" in payload.content_type else "bin"
    return f"{payload.source}/{payload.kind}/{payload.game_date.isoformat()}/{payload.content_hash}.{suffix}"


class LocalRawStore:
    """Raw store in a local folder. Writes go to a temp file then rename, so a crash leaves no half file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, payload: RawPayload) -> StoredPayload:
        path = self.root / payload_key(payload)
        if path.exists():
            return StoredPayload(str(path), written=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(payload.content)
        tmp.replace(path)
        return StoredPayload(str(path), written=True)

    def read(self, path: str) -> bytes:
        return Path(path).read_bytes()


class GcsRawStore:
    """Raw store in a GCS bucket through a prefect-gcp GcsBucket block (production)."""

    def __init__(self, url: str, credentials_block: str | None) -> None:
        from prefect_gcp import GcpCredentials
        from prefect_gcp.cloud_storage import GcsBucket

        bucket, _, prefix = url.removeprefix("gs://").partition("/")
        credentials = (
            GcpCredentials.load(credentials_block) if credentials_block else GcpCredentials()
        )
        self.bucket = GcsBucket(bucket=bucket, gcp_credentials=credentials, bucket_folder=prefix)
        self.url = url

    def save(self, payload: RawPayload) -> StoredPayload:
        key = payload_key(payload)
        blob = self.bucket.get_bucket().blob(self.bucket._join_bucket_folder(key))
        if blob.exists():
            return StoredPayload(f"{self.url.rstrip('/')}/{key}", written=False)
        self.bucket.write_path(key, payload.content)
        return StoredPayload(f"{self.url.rstrip('/')}/{key}", written=True)

    def read(self, path: str) -> bytes:
        return bytes(self.bucket.read_path(path.removeprefix(self.url.rstrip("/") + "/")))


def open_raw_store(url: str, credentials_block: str | None = None) -> LocalRawStore | GcsRawStore:
    """The raw store named by a settings URL: a local folder or gs://bucket/prefix."""
    if url.startswith("gs://"):
        return GcsRawStore(url, credentials_block)
    return LocalRawStore(Path(url))
