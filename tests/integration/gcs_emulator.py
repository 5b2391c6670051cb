"""Run gcp-storage-emulator with GCS's generation preconditions on uploads (tests only).

gcp-storage-emulator ignores `ifGenerationMatch`; real GCS answers 412 Precondition Failed when
the condition does not hold (`ifGenerationMatch=0`: "only if no live object has this name"). This
launcher wraps the emulator's upload handler with that rule so the raw store's immutable write is
exercised against a server that enforces it. The emulator serves one request at a time (a plain
`http.server.HTTPServer`), so the check and the create cannot interleave.

Usage: python -m tests.integration.gcs_emulator --port N --bucket NAME
"""

from __future__ import annotations

import argparse
from http import HTTPStatus
from typing import Any

from gcp_storage_emulator.exceptions import NotFound
from gcp_storage_emulator.handlers import objects

PRECONDITION_FAILED = {
    "error": {
        "code": 412,
        "message": "At least one of the pre-conditions you specified did not hold.",
        "errors": [
            {
                "domain": "global",
                "reason": "conditionNotMet",
                "message": "At least one of the pre-conditions you specified did not hold.",
                "locationType": "header",
                "location": "If-Match",
            }
        ],
    }
}


def _object_name(request: Any) -> str | None:
    """The object an upload request names (query `name`, else its JSON metadata)."""
    if "name" in request.query:
        return str(request.query["name"][0])
    data = request.data
    if isinstance(data, dict):
        meta = data.get("meta", data)
        if isinstance(meta, dict) and meta.get("name"):
            return str(meta["name"])
    return None


def _condition_holds(request: Any, storage: Any) -> bool:
    """GCS semantics of ifGenerationMatch: 0 = absent, N = the live generation is N."""
    wanted = request.query.get("ifGenerationMatch")
    name = _object_name(request)
    if not wanted or name is None:
        return True
    try:
        live = storage.get_file_obj(request.params["bucket_name"], name)["generation"]
    except NotFound:
        live = "0"
    return str(live) == str(wanted[0])


_emulator_insert = objects.insert


def insert_with_preconditions(request: Any, response: Any, storage: Any, *args: Any) -> Any:
    """The emulator's upload handler, answering 412 when ifGenerationMatch does not hold."""
    if not _condition_holds(request, storage):
        response.status = HTTPStatus.PRECONDITION_FAILED
        response.json(PRECONDITION_FAILED)
        return None
    return _emulator_insert(request, response, storage, *args)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bucket", required=True)
    args = parser.parse_args()
    objects.insert = insert_with_preconditions  # before server.py binds its route table
    from gcp_storage_emulator.server import create_server

    create_server(args.host, args.port, in_memory=True, default_bucket=args.bucket).run()


if __name__ == "__main__":
    main()
