"""Google Cloud Storage objects through prefect-gcp credentials (the raw store and the exports).

The storage client comes from a prefect-gcp `GcpCredentials` (a named block, or application-default
credentials). Objects are addressed with `client.bucket(name).blob(key)`, which sends no request:
prefect-gcp's `GcsBucket.read_path`/`write_path` first GET the bucket, one more request per call
and a `storage.buckets.get` permission that object roles (`roles/storage.objectUser`) do not grant.
`STORAGE_EMULATOR_HOST` points the client at an emulator (tests); credentials are still used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any


@dataclass(frozen=True)
class GcsLocation:
    """gs://bucket/prefix split into its bucket and its key prefix (no slashes at either end)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> GcsLocation:
        if not url.startswith("gs://"):
            raise ValueError(f"not a gs:// URL: {url!r}")
        bucket, _, prefix = url.removeprefix("gs://").partition("/")
        if not bucket:
            raise ValueError(f"no bucket in {url!r}")
        return cls(bucket, prefix.strip("/"))

    def key(self, relative_path: str) -> str:
        """The object name of a path relative to the prefix."""
        relative = relative_path.lstrip("/")
        return str(PurePosixPath(self.prefix, relative)) if self.prefix else relative

    def url(self, relative_path: str) -> str:
        """gs://bucket/key of a path relative to the prefix."""
        return f"gs://{self.bucket}/{self.key(relative_path)}"


def gcp_credentials(credentials_block: str | None) -> Any:
    """The named prefect-gcp GcpCredentials block, or application-default credentials."""
    from prefect_gcp import GcpCredentials

    return GcpCredentials.load(credentials_block) if credentials_block else GcpCredentials()


def storage_bucket(location: GcsLocation, credentials_block: str | None) -> Any:
    """A google.cloud.storage Bucket handle (no request sent)."""
    client = gcp_credentials(credentials_block).get_cloud_storage_client()
    return client.bucket(location.bucket)
