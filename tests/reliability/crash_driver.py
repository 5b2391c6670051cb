"""Run the daily pipeline in this process and stop dead at a chosen point (a crash test helper).

Usage: python -m tests.reliability.crash_driver GAME_DATE MODE TABLE [keep-lock]
MODE 'write' sleeps inside the table's partition replace transaction, after the DELETE and before
the INSERT; it prints CRASH-POINT and waits for the test to SIGKILL it. The per-date run lock is
bypassed here: the test kills this process on purpose and re-runs at once, and a killed holder's
lease would otherwise block the re-run for the lease's 60 s (see resources/locks.py); 'keep-lock'
keeps it (the recovery benchmark measures that wait).
"""

from __future__ import annotations

import contextlib
import sys
import time
from datetime import date
from typing import Any

from resources import warehouse


def main() -> None:
    """Install the stop point, then run the pipeline (never returns when the point is reached)."""
    game_date, mode, target = date.fromisoformat(sys.argv[1]), sys.argv[2], sys.argv[3]
    original_insert = warehouse._insert_duckdb

    def stop() -> None:
        # Straight to the real stdout: the flow's log_prints would turn print() into a log record.
        out = sys.__stdout__
        assert out is not None
        out.write("CRASH-POINT\n")
        out.flush()
        time.sleep(600)

    def insert(conn: Any, table: str, df: Any) -> None:
        if mode == "write" and table == target:
            stop()
        original_insert(conn, table, df)

    warehouse._insert_duckdb = insert  # type: ignore[assignment]
    import flows.daily

    if sys.argv[4:] != ["keep-lock"]:
        flows.daily.run_lock = lambda names, timeout: contextlib.nullcontext()  # type: ignore[assignment,misc]

    flows.daily.daily_pipeline(game_date=game_date, same_day=False)
    print("FINISHED", file=sys.__stderr__)


if __name__ == "__main__":
    main()
