"""A stand-in chunk flow for the backfill-fanout integration test (not deployed by prefect.yaml).

It takes the `backfill` flow's parameters, appends when it ran to the file named by
FANOUT_RECORD, holds its slot for a few seconds, and fails for the chunk starting on
FANOUT_FAIL_START (how a real chunk fails), so the test sees concurrency and failure reporting
without running a real backfill.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path

from prefect import flow

HOLD_SECONDS = 6.0


@flow(name="backfill-chunk-stub")
def backfill_chunk_stub(start: date, end: date, refresh: bool = False) -> dict[str, str]:
    """Record [began, ended] of this run with its parameters; fail for FANOUT_FAIL_START."""
    began = time.time()
    time.sleep(HOLD_SECONDS)
    record = {"start": start.isoformat(), "end": end.isoformat(), "refresh": refresh}
    with Path(os.environ["FANOUT_RECORD"]).open("a") as fh:
        fh.write(json.dumps({**record, "began": began, "ended": time.time()}) + "\n")
    if start.isoformat() == os.environ.get("FANOUT_FAIL_START"):
        raise RuntimeError(f"chunk {start}..{end} failed on purpose")
    return {"start": start.isoformat(), "end": end.isoformat()}
