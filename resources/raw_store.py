"""The raw store: every payload kept verbatim, immutable, content-addressed, partitioned by date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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


# Sources whose payloads the store may hold (the folder under the root names the source).
SOURCES = ("replay", "stats_nba", "odds_api", "cdn_nba", "nba_injury_report")


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

    def fetched(self, kind: str, day: date) -> bool:
        """True when some source's payload of this kind and date is already kept."""
        return any(
            any((self.root / source / kind / day.isoformat()).glob("*")) for source in SOURCES
        )


class GcsRawStore:
    """Raw store in a GCS bucket (production), objects created with `if_generation_match=0`.

    The precondition makes the write atomic and race-free: GCS creates the object only if no
    live object has that name. A second writer of the same content-addressed key (a concurrent
    run, or a retry whose first attempt did land) gets 412 Precondition Failed, which means
    "already stored"; the stored object is never replaced.
    """

    def __init__(self, url: str, credentials_block: str | None) -> None:
        from resources.gcs import GcsLocation, storage_bucket

        self.location = GcsLocation.parse(url)
        self.bucket = storage_bucket(self.location, credentials_block)
        self.url = url

    def save(self, payload: RawPayload) -> StoredPayload:
        from google.api_core.exceptions import PreconditionFailed

        key = payload_key(payload)
        blob = self.bucket.blob(self.location.key(key))
        try:
            blob.upload_from_string(
                payload.content, content_type=payload.content_type, if_generation_match=0
            )
        except PreconditionFailed:
            return StoredPayload(self.location.url(key), written=False)
        return StoredPayload(self.location.url(key), written=True)

    def fetched(self, kind: str, day: date) -> bool:
        """True when some source's payload of this kind and date is already kept."""
        return any(
            any(
                self.bucket.list_blobs(
                    prefix=self.location.key(f"{source}/{kind}/{day.isoformat()}/"), max_results=1
                )
            )
            for source in SOURCES
        )

    def read(self, path: str) -> bytes:
        """The bytes of a payload by its gs:// URL (as `save` returned) or its relative key."""
        prefix = f"gs://{self.location.bucket}/"
        key = path.removeprefix(prefix) if path.startswith(prefix) else self.location.key(path)
        return bytes(self.bucket.blob(key).download_as_bytes())


def open_raw_store(url: str, credentials_block: str | None = None) -> LocalRawStore | GcsRawStore:
    """The raw store named by a settings URL: a local folder or gs://bucket/prefix."""
    if url.startswith("gs://"):
        return GcsRawStore(url, credentials_block)
    return LocalRawStore(Path(url))
