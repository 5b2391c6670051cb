"""Time `nba-props import all DIR` into a fresh state directory; then the prop-line join rate per file.

Run from the repository root: `.venv/bin/python benchmarks/import_all.py [/work/shared/data]`.
Player-dates = distinct (prop name, US-Eastern game date) per file. Each is exactly one of:
joined (resolved to a player id with a box-score row that date), did not play (resolved, box scores
of that date exist, none for him: a void bet), no box score that date (resolved; no box score of any
game that date is in the data, e.g. play-in games), unresolved (no player id found).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
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
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def input_rows(data: Path) -> int:
    """Rows in every file the import reads."""
    total = 0
    for folder in ("team_game_logs", "player_game_logs", "props", "game_odds"):
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
    return table.reset_index()


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data").resolve()
    with tempfile.TemporaryDirectory(prefix="nba-props-bench-") as tmp:
        seconds, cpu, output = run_import(data, Path(tmp))
        rows = input_rows(data)
        load = os.getloadavg()[0]
        print(
            f"input rows {rows}: wall {seconds:.1f} s ({rows / seconds:,.0f} rows/s), "
            f"CPU {cpu:.1f} s ({rows / cpu:,.0f} rows/CPU-s), load average {load:.1f}"
        )
        tail = [
            line for line in output.splitlines() if line.startswith(("total", "unresolved", "  "))
        ]
        print("\n".join(tail))
        print(join_rates(Path(tmp) / "warehouse.duckdb").to_string(index=False))


if __name__ == "__main__":
    main()
