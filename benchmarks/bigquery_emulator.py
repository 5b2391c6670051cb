"""Jobs and seconds per partition write: BigQuery (on the local bqemulator) beside DuckDB.

Run from the repository root: `python benchmarks/bigquery_emulator.py [repeats] [--json OUT]`.
For 1,000 and 5,000 rows it replaces one `game_date` partition of `raw_player_boxscores`
`repeats` times (after a first write that creates the table) and prints the median seconds per
write and the BigQuery jobs each write submitted (counted on the client). The emulator is DuckDB
behind a REST API on this machine: its seconds say nothing about real BigQuery slot time, only
that the write path is a constant handful of jobs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from google.cloud import bigquery

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder  # noqa: E402
from resources import bigquery_warehouse, warehouse  # noqa: E402
from tests.integration.bigquery_emulator import PROJECT, running_emulator  # noqa: E402

TABLE = "raw_player_boxscores"
DAY = pd.Timestamp("2024-01-05")


def frame(rows: int, seed: int) -> pd.DataFrame:
    """Box-score-shaped rows of one date (ints, floats, strings, a bool, two timestamps)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "game_id": [f"002230{i // 20:04d}" for i in range(rows)],
            "player_id": np.arange(rows, dtype="int64"),
            "game_date": [DAY] * rows,
            "team_abbr": rng.choice(["BOS", "LAL", "MIA", "NYK"], rows),
            "player_name": [f"Player {i}" for i in range(rows)],
            "minutes": rng.uniform(0, 48, rows).round(1),
            "pts": rng.integers(0, 50, rows),
            "reb": rng.integers(0, 20, rows),
            "ast": rng.integers(0, 15, rows),
            "starter": rng.random(rows) < 0.4,
            "captured_at": pd.Timestamp("2024-01-06T04:00:00Z"),
        }
    )


def count_jobs() -> list[str]:
    """Wrap the client's job-submitting methods; the returned list grows with each job."""
    submitted: list[str] = []
    for name in ("query", "load_table_from_file"):
        original = getattr(bigquery.Client, name)

        def counted(self: Any, *args: Any, _n: str = name, _f: Any = original, **kw: Any) -> Any:
            submitted.append(_n)
            return _f(self, *args, **kw)

        setattr(bigquery.Client, name, counted)
    return submitted


def measure(url: str, rows: int, repeats: int, jobs: list[str]) -> tuple[float, float]:
    """Median seconds and mean jobs per partition write of `rows` rows."""
    warehouse.replace_partition(url, TABLE, frame(rows, 0), "game_date", [DAY])
    seconds: list[float] = []
    counts: list[int] = []
    for seed in range(1, repeats + 1):
        data = frame(rows, seed)
        before = len(jobs)
        start = time.perf_counter()
        warehouse.replace_partition(url, TABLE, data, "game_date", [DAY])
        seconds.append(time.perf_counter() - start)
        counts.append(len(jobs) - before)
    written = warehouse.read_sql(url, f"SELECT COUNT(*) AS n FROM {TABLE}")
    assert int(written["n"].iloc[0]) == rows, written
    return statistics.median(seconds), statistics.mean(counts)


def main() -> None:
    """Print one table row per backend and size; write the result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repeats", nargs="?", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    recorder = Recorder.start("bigquery_emulator")
    repeats = args.repeats
    jobs = count_jobs()
    writes: list[dict[str, Any]] = []
    print("| warehouse | rows | jobs / write | seconds / write (median) |")
    print("|---|---|---|---|")
    with running_emulator() as host:
        os.environ[bigquery_warehouse.EMULATOR_ENV] = host
        for rows in (1_000, 5_000):
            dataset = f"bench_{uuid.uuid4().hex[:8]}"
            bigquery_warehouse.client_for(PROJECT).create_dataset(f"{PROJECT}.{dataset}")
            secs, n = measure(f"bigquery://{PROJECT}/{dataset}", rows, repeats, jobs)
            print(f"| BigQuery (bqemulator) | {rows:,} | {n:g} | {secs:.2f} |")
            writes.append(
                {"warehouse": "BigQuery (bqemulator)", "rows": rows, "jobs_per_write": n,
                 "seconds_per_write_median": round(secs, 3)}
            )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (1_000, 5_000):
            url = f"duckdb:///{Path(tmp) / f'bench_{rows}.duckdb'}"
            secs, _ = measure(url, rows, repeats, jobs)
            print(f"| DuckDB (file) | {rows:,} | (in-process) | {secs:.3f} |")
            writes.append(
                {"warehouse": "DuckDB (file)", "rows": rows, "jobs_per_write": None,
                 "seconds_per_write_median": round(secs, 4)}
            )  # fmt: skip
        warehouse.dispose_engines()
    recorder.write(
        args.json,
        len(writes) * repeats,
        "timed partition writes",
        None,
        {"table": TABLE, "repeats": repeats, "writes": writes},
    )


if __name__ == "__main__":
    main()
