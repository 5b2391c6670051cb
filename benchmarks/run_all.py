"""Run every benchmark script, collect benchmarks/results/{name}.json, regenerate BENCHMARKS.md.

Usage (from the repository root; `make benchmarks DATA=/path/to/full/data` runs the whole set):
    .venv/bin/python benchmarks/run_all.py --data DIR [--only NAME ...] [--skip-heavy] [--keep-tmp]

Each script runs as a subprocess of the venv's python with its own NBA_PROPS_HOME and
PREFECT_HOME under a temporary folder, except the scripts that share a prepared home (the
backtests and the minutes model share one warehouse with DIR imported; the two operations
benchmarks share one with history imported and champions trained). Preparation commands run
before a benchmark and are recorded beside it, not in its wall time. The operations benchmarks
get a temporary Prefect server (their recovery measurement needs a real concurrency lease).

A benchmark that fails keeps its last successful result in the file (shown as such) and makes
this script exit non-zero. Benchmarks not run (--only, --skip-heavy) keep their earlier result,
which BENCHMARKS.md marks as reused with its date.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import render  # noqa: E402
from benchmarks.record import SCHEMA_VERSION, load_average, machine, now_iso  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
TRAIN_START = "2018-10-01"
BACKTEST_WINDOWS = (
    "all:2024-03-01:2024-05-31",
    "pra:2023-10-24:2024-02-29",
    "threes:2024-10-22:2025-04-13",
    "pra:2024-10-22:2025-05-18",
)
OPS_SEASON = ("2023-10-24", "2024-04-14")
OPS_DAY = "2024-03-27"
TELEMETRY_OFF = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "true",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "NO_GCE_CHECK": "true",
}
# Imports DIR into the state dir's backtest warehouse (what `nba-props backtest --data DIR` does).
IMPORT_FOR_BACKTESTS = (
    "import sys; from pathlib import Path; from resources.settings import get_settings; "
    "from resources.training_data import data_settings; data_settings(get_settings(), Path(sys.argv[1]))"
)


@dataclass(frozen=True)
class Benchmark:
    """One script: its arguments (placeholders in braces), where it runs and what it needs."""

    name: str
    script: str
    args: tuple[str, ...]
    heavy: bool = False
    home: str | None = None  # a shared prepared home, else a fresh one
    prepare: tuple[tuple[str, ...], ...] = ()
    prepare_unless_ran: str | None = None  # skip `prepare` when this benchmark ran ok just before
    writes_json: bool = True  # the script takes --json; else its stdout (Markdown) is the result
    json_flag: str = "--json"
    prefect_server: bool = False
    timeout_minutes: int = 30


@dataclass(frozen=True)
class SharedHome:
    """A state dir prepared once per run for the benchmarks that name it."""

    prepare: tuple[tuple[str, ...], ...]


SHARED_HOMES = {
    "backtests": SharedHome(prepare=(("{py}", "-c", IMPORT_FOR_BACKTESTS, "{data}"),)),
    "ops": SharedHome(
        prepare=(  # issue #12 item 6: the whole folder imported, then the season backfilled
            ("{nba_props}", "import", "all", "{data}"),
            ("{nba_props}", "train", "--start", "2022-10-01", "--end", "2023-07-01"),
        )
    ),
}

BENCHMARKS = (
    Benchmark("import_all", "import_all.py", ("{data}",)),
    Benchmark("join_rate", "join_rate.py", ("{data}",)),
    Benchmark("features_perf", "features_perf.py", ("--data", "{data}")),
    Benchmark("live_refresh", "live_refresh.py", ("{data}", "2024-03-01", "2024-03-31")),
    Benchmark("bigquery_emulator", "bigquery_emulator.py", ("5",)),
    Benchmark("pipeline_emulators", "pipeline_emulators.py", ()),
    Benchmark(
        "ops_backfill",
        "ops_backfill.py",
        ("--start", OPS_SEASON[0], "--end", OPS_SEASON[1]),
        heavy=True,
        home="ops",
        prefect_server=True,
        timeout_minutes=180,
    ),
    Benchmark(
        "ops_daily",
        "ops_daily.py",
        ("--date", OPS_DAY),
        heavy=True,
        home="ops",
        prepare=(("{nba_props}", "import", "all", "{data}", "--before", OPS_DAY),),
        prepare_unless_ran="ops_backfill",
        prefect_server=True,
        timeout_minutes=60,
    ),
    Benchmark(
        "caching",
        "caching.py",
        (),  # its own state dir over the bundled data/ (first run vs unchanged re-run)
        heavy=True,
        json_flag="--out",
        timeout_minutes=90,
    ),
    Benchmark(
        "backtest_real_lines",
        "backtest_real_lines.py",
        (*(a for w in BACKTEST_WINDOWS for a in ("--run", w)), "--train-start", TRAIN_START)
        + ("--data", "{data}"),
        heavy=True,
        home="backtests",
        timeout_minutes=240,
    ),
    Benchmark(
        "backtest_tuned",
        "backtest_real_lines.py",
        ("--run", BACKTEST_WINDOWS[0], "--trials", "8", "--train-start", TRAIN_START)
        + ("--data", "{data}", "--name", "backtest_tuned"),
        heavy=True,
        home="backtests",
        timeout_minutes=360,
    ),
    Benchmark(
        "minutes_model",
        "minutes_model.py",
        ("--data", "{data}", "--train-start", "2021-10-01", "--start", "2024-03-01")
        + ("--end", "2024-05-31"),
        heavy=True,
        home="backtests",
        timeout_minutes=120,
    ),
    Benchmark(
        "availability_report",
        "availability_report.py",
        ("--scored-dir", "{tmp}", "--warehouse", "{backtest_warehouse}"),
        heavy=True,
        home="backtests",
        prepare=tuple(
            ("{nba_props}", "backtest", "--market", "all", "--start", "2024-03-01")
            + ("--end", "2024-05-31", "--train-start", TRAIN_START, "--data", "{data}")
            + ("--availability", variant, "--scored", f"{{tmp}}/{variant}.csv")
            for variant in ("none", "report", "market", "both")
        ),
        writes_json=False,
        timeout_minutes=60,
    ),
)


@dataclass
class Outcome:
    """What happened to one benchmark in this run."""

    name: str
    status: str  # ok | failed
    wall_seconds: float
    error: str | None = None


@dataclass
class Context:
    """Paths and shared state of one run."""

    data: Path
    tmp: Path
    python: Path
    prepared_homes: set[str] = field(default_factory=set)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    prefect_url: str | None = None
    prefect_process: subprocess.Popen[bytes] | None = None

    def home(self, bench: Benchmark) -> Path:
        return self.tmp / "homes" / bench.home if bench.home else self.tmp / bench.name / "home"

    def display(self, text: str) -> str:
        """`text` with the temporary and repository paths shortened for the result file."""
        return text.replace(str(self.tmp), "$TMP").replace(f"{ROOT}/", "")


def last_line(*texts: str) -> str:
    """The last non-empty line of the first text that has one (an error's summary)."""
    for text in texts:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1][:500]
    return "no output"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(ctx: Context, bench: Benchmark) -> dict[str, str]:
    """The subprocess environment: the benchmark's own state dirs, no inherited NBA_PROPS_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBA_PROPS_")}
    home = ctx.home(bench)
    env.update(TELEMETRY_OFF)
    env.update(
        NBA_PROPS_HOME=str(home),
        NBA_PROPS_DATA_DIR=str(ctx.data),
        PREFECT_HOME=str(home / "prefect"),
        PYTHONPATH=str(ROOT),
    )
    # Unset, not empty, without a server: Prefect then runs the temporary API (resources/telemetry.py).
    env.pop("PREFECT_API_URL", None)
    if bench.prefect_server and ctx.prefect_url:
        env["PREFECT_API_URL"] = ctx.prefect_url
    return env


def placeholders(ctx: Context, bench: Benchmark) -> dict[str, str]:
    home = ctx.home(bench)
    warehouses = sorted(home.glob("backtests/*/warehouse.duckdb"))
    return {
        "py": str(ctx.python),
        "nba_props": str(VENV_BIN / "nba-props")
        if (VENV_BIN / "nba-props").exists()
        else "nba-props",
        "data": str(ctx.data),
        "home": str(home),
        "tmp": str(ctx.tmp / bench.name),
        "backtest_warehouse": str(warehouses[0] if warehouses else home / "no-backtest-warehouse"),
    }


@dataclass(frozen=True)
class Finished:
    """A finished command: exit code, output, wall and CPU seconds (its whole process tree)."""

    code: int
    out: str
    err: str
    wall: float
    cpu: float


def run_command(argv: list[str], env: dict[str, str], timeout_s: float, log: Path) -> Finished:
    """Run `argv` in its own process group and wait for it (killing the group on timeout)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log.with_suffix(".out"), "w+") as out, open(log.with_suffix(".err"), "w+") as err:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True
        )
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            err.write(f"\ntimed out after {timeout_s:.0f} s\n")
            code = -9
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.seek(0)
        err.seek(0)
        return Finished(code, out.read(), err.read(), wall, cpu)


def start_prefect_server(ctx: Context) -> None:
    """A temporary Prefect server for the benchmarks that need real concurrency leases."""
    port = free_port()
    home = ctx.tmp / "prefect-server"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(TELEMETRY_OFF, PREFECT_HOME=str(home))
    log = open(home / "server.log", "wb")  # noqa: SIM115 (the server outlives this function)
    ctx.prefect_process = subprocess.Popen(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if ctx.prefect_process.poll() is not None:
            raise RuntimeError(
                f"prefect server exited: {last_line((home / 'server.log').read_text())}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                ctx.prefect_url = url
                return
        except OSError:
            time.sleep(1)
    raise RuntimeError("prefect server not up after 300 s")


def stop_prefect_server(ctx: Context) -> None:
    if ctx.prefect_process is not None and ctx.prefect_process.poll() is None:
        os.killpg(ctx.prefect_process.pid, signal.SIGTERM)
        try:
            ctx.prefect_process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(ctx.prefect_process.pid, signal.SIGKILL)


def prepare(
    ctx: Context, bench: Benchmark, env: dict[str, str], say: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Run the shared home's preparation (once per run) and the benchmark's own; record each."""
    steps: list[tuple[str, ...]] = []
    if bench.home and bench.home not in ctx.prepared_homes:
        steps += SHARED_HOMES[bench.home].prepare
        ctx.prepared_homes.add(bench.home)
    ran_before = ctx.outcomes.get(bench.prepare_unless_ran or "")
    if not (ran_before and ran_before.status == "ok"):
        steps += bench.prepare
    done = []
    for i, step in enumerate(steps):
        argv = [part.format(**placeholders(ctx, bench)) for part in step]
        say(f"  preparing: {ctx.display(shlex.join(argv))}")
        step_run = run_command(
            argv, env, bench.timeout_minutes * 60, ctx.tmp / bench.name / f"prepare-{i}.log"
        )
        record = {
            "command": ctx.display(shlex.join(argv)),
            "wall_seconds": round(step_run.wall, 1),
            "cpu_seconds": round(step_run.cpu, 1),
        }
        if step_run.code != 0:
            error = last_line(step_run.err, step_run.out)
            raise PreparationError(f"preparation `{record['command']}` failed: {error}")
        done.append(record)
    return done


class PreparationError(RuntimeError):
    """A preparation command failed (the benchmark itself did not run)."""


def previous_ok(path: Path) -> dict[str, Any] | None:
    """The last successful result in `path` (itself, or the one a failure kept)."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return render.shown(doc) if isinstance(doc, dict) and "benchmark" in doc else None


def run_one(ctx: Context, bench: Benchmark, say: Callable[[str], None]) -> Outcome:
    """Prepare, run and record one benchmark; write benchmarks/results/{name}.json."""
    workdir = ctx.tmp / bench.name
    workdir.mkdir(parents=True, exist_ok=True)
    ctx.home(bench).mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{bench.name}.json"
    if bench.prefect_server and ctx.prefect_url is None:
        start_prefect_server(ctx)
    env = environment(ctx, bench)
    date_run, load_before = now_iso(), load_average()
    scratch = workdir / "result.json"

    def benchmark_argv() -> tuple[list[str], str]:
        """The command and its display form (after preparation: placeholders may name its output)."""
        argv = [str(ctx.python), f"benchmarks/{bench.script}"]
        argv += [a.format(**placeholders(ctx, bench)) for a in bench.args]
        argv += [bench.json_flag, str(scratch)] if bench.writes_json else []
        shown = [f"benchmarks/results/{bench.name}.json" if a == str(scratch) else a for a in argv]
        return argv, ctx.display(f"NBA_PROPS_HOME={ctx.home(bench)} {shlex.join(shown)}")

    argv, command = benchmark_argv()
    try:
        steps = prepare(ctx, bench, env, say)
        argv, command = benchmark_argv()
        date_run, load_before = now_iso(), load_average()
        say(f"  running: {command}")
        finished = run_command(argv, env, bench.timeout_minutes * 60, workdir / "benchmark.log")
        error = None if finished.code == 0 else last_line(finished.err, finished.out)
    except PreparationError as exc:
        steps, error = [], str(exc)
        finished = Finished(1, "", str(exc), 0.0, 0.0)
    out, err, wall = finished.out, finished.err, finished.wall
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "benchmark": bench.name,
        "status": "ok" if error is None else "failed",
        "command": command,
        "date_run": date_run,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(finished.cpu, 1),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_average(),
        "n": None,
        "n_what": "",
        "date_range": None,
        "preparation": steps,
    }
    if error is None:
        if bench.writes_json:
            produced = json.loads(scratch.read_text()) if scratch.exists() else {}
            if "measurements" in produced:  # a Recorder result: keep its n, range, numbers
                for key in ("n", "n_what", "date_range", "measurements", "reused_from"):
                    if key in produced:
                        doc[key] = produced[key]
            else:  # a script's own JSON (no envelope)
                doc["measurements"] = produced
                window = produced.get("window") if isinstance(produced, dict) else None
                doc["date_range"] = window if isinstance(window, list) else None
        else:
            doc["measurements"] = {"markdown": out}
    else:
        doc["error"] = error
        doc["stderr_tail"] = ctx.display("\n".join(err.splitlines()[-30:]))
        doc["last_ok"] = previous_ok(target)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return Outcome(bench.name, doc["status"], round(wall, 1), error)


def selected(only: list[str], skip_heavy: bool) -> tuple[list[Benchmark], dict[str, str]]:
    """The benchmarks to run, and why each other one is skipped."""
    names = [b.name for b in BENCHMARKS]
    unknown = sorted(set(only) - set(names))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
    run, skipped = [], {}
    for bench in BENCHMARKS:
        if only and bench.name not in only:
            skipped[bench.name] = "not selected by --only"
        elif skip_heavy and bench.heavy:
            skipped[bench.name] = "heavy, skipped by --skip-heavy"
        else:
            run.append(bench)
    return run, skipped


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="the full data folder")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME", help="run only these")
    parser.add_argument("--skip-heavy", action="store_true", help="skip backtests and operations")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temporary state dirs")
    args = parser.parse_args()
    data = args.data.resolve()
    if not (data / "player_game_logs").is_dir():
        raise SystemExit(f"--data {args.data}: not a data folder (no player_game_logs/ in {data})")
    benches, skipped = selected(args.only, args.skip_heavy)
    python = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
    ctx = Context(
        data=data, tmp=Path(tempfile.mkdtemp(prefix="nba-props-benchmarks-")), python=python
    )

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = now_iso()
    try:
        for bench in benches:
            say(f"{bench.name}:")
            outcome = run_one(ctx, bench, say)
            ctx.outcomes[bench.name] = outcome
            say(
                f"  {outcome.status} in {render.seconds(outcome.wall_seconds)}"
                + (f": {outcome.error}" if outcome.error else "")
            )
    finally:
        stop_prefect_server(ctx)
        if args.keep_tmp:
            say(f"state dirs and logs kept in {ctx.tmp}")
        else:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
    failed = [o.name for o in ctx.outcomes.values() if o.status != "ok"]
    manifest = {
        "date_run": started,
        "command": shlex.join(["benchmarks/run_all.py", *sys.argv[1:]]),
        "data": str(data),
        "ran": [o.name for o in ctx.outcomes.values()],
        "failed": failed,
        "skipped": skipped,
        "machine": machine(),
    }
    (RESULTS / render.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    render.main()
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)} (see BENCHMARKS.md)")


if __name__ == "__main__":
    main()
