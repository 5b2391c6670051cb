"""The result file every benchmark writes: what ran, on which machine, under what load, its numbers.

A script calls `Recorder.start(name)` first and `recorder.write(path, ...)` last. The file is
`benchmarks/results/{name}.json` when `benchmarks/run_all.py` runs the script (it overwrites
`command`, `wall_seconds` and the load with its own view of the subprocess).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

SCHEMA_VERSION = 1


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of `frame` as JSON-ready dicts (NaN as None, timestamps as ISO text)."""
    parsed: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return parsed


def _first_line(path: Path, prefix: str) -> str | None:
    """The value after ':' of the first line of `path` starting with `prefix`, if any."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    """Cores, CPU model, RAM, Python and OS of this machine."""
    mem_kb = _first_line(Path("/proc/meminfo"), "MemTotal")
    return {
        "cores": os.cpu_count(),
        "cpu_model": _first_line(Path("/proc/cpuinfo"), "model name") or platform.processor(),
        "ram_gib": round(int(mem_kb.split()[0]) / 2**20, 1) if mem_kb else None,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def now_iso() -> str:
    """The current UTC time, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Recorder:
    """Captures the start of a benchmark; `result` builds the JSON at its end."""

    name: str
    command: str
    date_run: str
    load_before: list[float]
    started: float = field(repr=False)

    @classmethod
    def start(cls, name: str) -> Recorder:
        """Start the clock for the benchmark `name` (this process's command line is the command)."""
        command = shlex.join([Path(sys.executable).name, *sys.argv])
        return cls(name, command, now_iso(), load_average(), time.perf_counter())

    def result(
        self,
        n: int | None,
        n_what: str,
        date_range: tuple[str, str] | list[str] | None,
        measurements: dict[str, Any],
    ) -> dict[str, Any]:
        """The result document: command, n, date range, wall seconds, machine, load, numbers."""
        return {
            "schema": SCHEMA_VERSION,
            "benchmark": self.name,
            "status": "ok",
            "command": self.command,
            "date_run": self.date_run,
            "wall_seconds": round(time.perf_counter() - self.started, 1),
            "machine": machine(),
            "load_before": self.load_before,
            "load_after": load_average(),
            "n": n,
            "n_what": n_what,
            "date_range": list(date_range) if date_range else None,
            "measurements": measurements,
        }

    def write(
        self,
        path: Path | None,
        n: int | None,
        n_what: str,
        date_range: tuple[str, str] | list[str] | None,
        measurements: dict[str, Any],
    ) -> dict[str, Any]:
        """Build the result and write it to `path` (when given); return it."""
        doc = self.result(n, n_what, date_range, measurements)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
        return doc
