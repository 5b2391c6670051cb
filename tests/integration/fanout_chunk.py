"""A stand-in chunk flow for the backfill-fanout integration test (not deployed by prefect.yaml).

It takes the `backfill` flow's parameters, appends when it ran to the file named by
FANOUT_RECORD, holds its slot, and fails for the chunk starting on FANOUT_FAIL_START (how a real
chunk fails), so the test sees concurrency and failure reporting without running a real backfill.

The hold is a rendezvous, not a fixed sleep: a run keeps its slot until FANOUT_MEET runs have
begun (or MEET_TIMEOUT_SECONDS pass), then HOLD_SECONDS more. A fixed sleep made the test's
"two at once" depend on the worker starting the second run within it, which a busy 2-core
machine did not always do. Runs beyond the limit still cannot begin while two hold their slots.
"""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path

from prefect import flow

HOLD_SECONDS = 2.0
MEET_TIMEOUT_SECONDS = 90.0


def _meet(began_file: Path, runs: int) -> None:
    """Wait until `runs` lines are in `began_file` (runs that have begun), or the timeout."""
    deadline = time.time() + MEET_TIMEOUT_SECONDS
    while time.time() < deadline:
        if began_file.exists() and len(began_file.read_text().splitlines()) >= runs:
            return
        time.sleep(0.25)


@flow(name="backfill-chunk-stub")
def backfill_chunk_stub(start: date, end: date, refresh: bool = False) -> dict[str, str]:
    """Record [began, ended] of this run with its parameters; fail for FANOUT_FAIL_START."""
    began = time.time()
    began_file = Path(os.environ["FANOUT_RECORD"] + ".began")
    with began_file.open("a") as fh:
        fh.write(f"{start.isoformat()}\n")
    _meet(began_file, int(os.environ.get("FANOUT_MEET", "1")))
    time.sleep(HOLD_SECONDS)
    record = {"start": start.isoformat(), "end": end.isoformat(), "refresh": refresh}
    with Path(os.environ["FANOUT_RECORD"]).open("a") as fh:
        fh.write(json.dumps({**record, "began": began, "ended": time.time()}) + "\n")
    if start.isoformat() == os.environ.get("FANOUT_FAIL_START"):
        raise RuntimeError(f"chunk {start}..{end} failed on purpose")
    return {"start": start.isoformat(), "end": end.isoformat()}
