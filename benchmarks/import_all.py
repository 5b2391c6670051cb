"""Time `nba-props import all DIR` into a fresh state directory; then the prop-line join rate per file.

Run from the repository root:
    .venv/bin/python benchmarks/import_all.py [/work/shared/data] [--json results/import_all.json]
Player-dates = distinct (prop name, US-Eastern game date) per file. Each is exactly one of:
joined (resolved to a player id with a box-score row that date), did not play (resolved, box scores
of that date exist, none for him: a void bet), no box score that date (resolved; no box score of any
game that date is in the data, e.g. play-in games), unresolved (no player id found).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.record import Recorder, records  # noqa: E402

# One line per table a file loaded (flows/cli/imports.py `_print_reports`).
REPORT_LINE = re.compile(
    r"^(?P<kind>\S+)\s+(?P<file>\S+)\s+(?P<table>\S+)\s+loaded=\s*(?P<loaded>\d+) "
    r"quarantined=\s*(?P<quarantined>\d+) \((?P<rules>[^)]*)\)"
    r"(?: exact duplicates collapsed=(?P<collapsed>\d+))?"
)
TOTAL_LINE = re.compile(r"^total: loaded=(?P<loaded>\d+) quarantined=(?P<quarantined>\d+)")
README_RATES = {
    "oddsapi_player_threes_2024-25.csv.gz": 92.9,
    "oddsapi_player_props_2024-03-02_to_2024-05-25.csv.gz": 91.9,
    "oddsapi_player_pra_2023-24.csv.gz": 93.4,
    "oddsapi_player_pra_2024-25.csv.gz": 96.6,
}


def run_import(data: Path, home: Path) -> tuple[float, float, str]:
    """Run the CLI import into `home`; return wall seconds, CPU seconds and its output."""
    env = {**os.environ, "NBA_PROPS_HOME": str(home)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "nba-props"), "import", "all", str(data)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or ["no output"]
        raise SystemExit(f"nba-props import all exited {done.returncode}: {last[0]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def input_rows(data: Path) -> int:
    """Rows in every file the import reads."""
    total = 0
    for folder in ("team_game_logs", "player_game_logs", "props", "game_odds", "injuries"):
        for path in sorted((data / folder).glob("*.csv*")):
            total += len(pd.read_csv(path, usecols=[0]))
    return total


def join_rates(warehouse: Path) -> pd.DataFrame:
    """Per prop file: player-dates and their split into joined / did not play / no box / unresolved."""
    con = duckdb.connect(str(warehouse), read_only=True)
    frame = con.sql(
        """
        SELECT DISTINCT replace(p.source, 'file:', '') AS file, p.game_date, p.player_name,
               r.resolution, r.played
        FROM raw_prop_lines p
        JOIN prop_name_resolution r USING (game_date, player_name)
        """
    ).df()
    con.close()
    unresolved = frame["resolution"] == "unresolved"
    frame["outcome"] = "no box score that date"
    frame.loc[frame["played"].eq(True), "outcome"] = "joined"
    frame.loc[frame["played"].eq(False), "outcome"] = "did not play"
    frame.loc[unresolved, "outcome"] = "unresolved"
    table = frame.pivot_table(
        index="file", columns="outcome", values="player_name", aggfunc="size", fill_value=0
    )
    table["player_dates"] = table.sum(axis=1)
    table["joined_pct"] = 100 * table.get("joined", 0) / table["player_dates"]
    table["readme_pct"] = [README_RATES.get(str(f), float("nan")) for f in table.index]
    rates: pd.DataFrame = table.reset_index()
    return rates


def file_reports(output: str) -> list[dict[str, Any]]:
    """The per-file, per-table lines of the import's output as records."""
    records = []
    for line in output.splitlines():
        match = REPORT_LINE.match(line)
        if match is None:
            continue
        rules = match["rules"].strip()
        records.append(
            {
                "kind": match["kind"],
                "file": match["file"],
                "table": match["table"],
                "loaded": int(match["loaded"]),
                "quarantined": int(match["quarantined"]),
                "by_rule": {}
                if rules in ("", "none")
                else {k: int(v) for k, v in (r.split("=") for r in rules.split(", "))},
                "collapsed": int(match["collapsed"] or 0),
            }
        )
    return records


def schedule_range(warehouse: Path) -> list[str]:
    """First and last game date of the imported schedule."""
    con = duckdb.connect(str(warehouse), read_only=True)
    row = con.execute("SELECT min(game_date), max(game_date) FROM raw_schedule").fetchone()
    con.close()
    first, last = row if row else (None, None)
    return [str(first)[:10], str(last)[:10]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", default="/work/shared/data")
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    recorder = Recorder.start("import_all")
    data = Path(args.data).resolve()
    with tempfile.TemporaryDirectory(prefix="nba-props-bench-") as tmp:
        seconds, cpu, output = run_import(data, Path(tmp))
        rows = input_rows(data)
        print(
            f"input rows {rows}: wall {seconds:.1f} s ({rows / seconds:,.0f} rows/s), "
            f"CPU {cpu:.1f} s ({rows / cpu:,.0f} rows/CPU-s), load average {os.getloadavg()[0]:.1f}"
        )
        tail = [
            line for line in output.splitlines() if line.startswith(("total", "unresolved", "  "))
        ]
        print("\n".join(tail))
        warehouse = Path(tmp) / "warehouse.duckdb"
        rates = join_rates(warehouse)
        print(rates.to_string(index=False))
        total = next((m for m in map(TOTAL_LINE.match, output.splitlines()) if m), None)
        measurements = {
            "data": str(data),
            "input_rows": rows,
            "import_wall_seconds": round(seconds, 1),
            "import_cpu_seconds": round(cpu, 1),
            "rows_loaded": int(total["loaded"]) if total else None,
            "rows_quarantined": int(total["quarantined"]) if total else None,
            "files": file_reports(output),
            "unresolved": [line for line in tail if not line.startswith("total")],
            "join_rates": records(rates),
        }
        recorder.write(args.json, rows, "input rows", schedule_range(warehouse), measurements)


if __name__ == "__main__":
    main()
