"""Cache keys built from the data version, and the rule that a cache hit never skips a write.

A phase's key hashes what determines its output: the fingerprints (row count + content checksum,
`Warehouse.fingerprint`) of the partitions it reads, the code version (package + git commit), the
task's source, and for predictions the model versions behind the aliases. The run id is not part
of it, so a re-run, a heal or a backfill over unchanged data reuses the persisted result and shows
`Cached` in the Prefect UI.

A cache hit is allowed only when the phase's outputs are exactly what that key produced: after
every phase the flow records (key, fingerprint of the outputs) in `phase_cache`; before the next
call it compares. Outputs deleted or rewritten since (a partition dropped, data changed and then
changed back) mean the phase runs again (`refresh_cache`) and records anew.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from features.availability import HISTORY as LINE_HISTORY
from resources.clock import now_utc
from resources.run_tags import code_version
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse

Keyer = Callable[[Settings, Warehouse, dict[str, Any]], list[str]]


def _dates(parameters: dict[str, Any], name: str = "dates") -> list[pd.Timestamp]:
    return sorted(pd.Timestamp(d) for d in parameters[name])


def _hash(parts: Sequence[object]) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:32]


def _task_source(context: Any) -> str:
    try:
        return hashlib.sha256(inspect.getsource(context.task.fn).encode()).hexdigest()[:16]
    except (OSError, TypeError, AttributeError):
        return "source-unknown"


def features_inputs(settings: Settings, wh: Warehouse, parameters: dict[str, Any]) -> list[str]:
    """Schedule, odds and injury reports of the dates; prop lines of the dates and of the line
    history before them (market-implied availability); every box score before the last date."""
    dates = _dates(parameters)
    first, last = min(dates), max(dates)
    line_window = list(pd.date_range(first - LINE_HISTORY, last, freq="D"))
    return [
        wh.fingerprint("raw_schedule", dates),
        wh.fingerprint("raw_prop_lines", line_window),
        wh.fingerprint("raw_game_odds", dates),
        wh.fingerprint("raw_injury_report", dates),
        wh.fingerprint("raw_player_boxscores", before=last),
        wh.fingerprint("raw_team_boxscores", before=last),
        f"as_of={parameters.get('as_of')}",
        f"refresh_days={settings.summary_refresh_days}",
        f"coverage={settings.coverage_threshold}:{settings.coverage_fail}",
    ]


def champion_versions(settings: Settings) -> list[str]:
    """'market=version' of the champion of every market (a promotion changes them)."""
    from resources import model_registry

    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    prefix, alias = settings.model_name_prefix, settings.champion_alias
    return [
        f"{market}={model_registry.version_with_alias(model_registry.model_name(prefix, market), alias)}"
        for market in settings.markets
    ]


def predict_inputs(settings: Settings, wh: Warehouse, parameters: dict[str, Any]) -> list[str]:
    """Feature-store rows of the dates, box-score history (similarity), champion versions."""
    dates = _dates(parameters)
    return [
        wh.fingerprint("ml_feature_store", dates),
        wh.fingerprint("raw_player_boxscores", before=max(dates)),
        *champion_versions(settings),
        f"min_ev={settings.min_expected_value}",
    ]


def grade_inputs(settings: Settings, wh: Warehouse, parameters: dict[str, Any]) -> list[str]:
    """Predictions, box scores and schedule of the dates, and whether every game should be over."""
    dates = _dates(parameters)
    now = now_utc(settings)
    settled = now >= max(dates).tz_localize("UTC") + pd.Timedelta(hours=36)
    return [
        wh.fingerprint("player_prop_predictions", dates),
        wh.fingerprint("raw_player_boxscores", dates),
        wh.fingerprint("raw_schedule", dates),
        "settled" if settled else f"clock={now.floor('h')}",
    ]


def export_inputs(settings: Settings, wh: Warehouse, parameters: dict[str, Any]) -> list[str]:
    """The day's predictions, the previous date's grades and performance."""
    day, previous = pd.Timestamp(parameters["day"]), pd.Timestamp(parameters["previous"])
    return [
        wh.fingerprint("player_prop_predictions", [day]),
        wh.fingerprint("prediction_grades", [previous]),
        wh.fingerprint("system_daily_performance", [previous]),
        f"exports={settings.resolved_exports}",
    ]


def _report_inputs(tables: Sequence[str]) -> Keyer:
    def inputs(settings: Settings, wh: Warehouse, parameters: dict[str, Any]) -> list[str]:
        day = pd.Timestamp(parameters["day"])
        start = day - pd.Timedelta(days=settings.report_window_days)
        dates = list(pd.date_range(start, day, freq="D"))
        return [
            *(wh.fingerprint(t, dates) for t in tables),
            f"window={settings.report_window_days}",
        ]

    return inputs


drift_inputs = _report_inputs(["ml_feature_store", "player_prop_predictions"])
coverage_inputs = _report_inputs(["coverage", "ml_feature_store"])
performance_inputs = _report_inputs(["prediction_grades", "player_prop_predictions"])


@dataclass(frozen=True)
class Phase:
    """A cached phase: what its key is made of and what it writes."""

    name: str
    inputs: Keyer
    tables: tuple[str, ...] = ()  # warehouse outputs, partitioned by game_date
    files: tuple[str, ...] = ()  # export / report files, relative templates with {day}


PHASES: dict[str, Phase] = {
    p.name: p
    for p in (
        Phase(
            "features",
            features_inputs,
            ("ml_feature_store", "coverage", "upcoming_player_game_context"),
        ),
        Phase("predict", predict_inputs, ("player_prop_predictions",)),
        Phase("grade", grade_inputs, ("prediction_grades", "system_daily_performance")),
        Phase(
            "export",
            export_inputs,
            files=("exports/predictions/{day}.json", "exports/best-bets/{day}.json"),
        ),
        Phase("drift", drift_inputs, files=("reports/drift/{day}.html",)),
        Phase("coverage", coverage_inputs, files=("reports/coverage/{day}.html",)),
        Phase("performance", performance_inputs, files=("reports/performance/{day}.html",)),
    )
}
MANIFEST_TABLE = "phase_cache"


def phase_key(task: Any, phase: Phase, settings: Settings, parameters: dict[str, Any]) -> str:
    """The cache key of one call: task name + source + code version + the inputs' data version."""
    parts = phase.inputs(settings, Warehouse.from_settings(settings), parameters)
    name = getattr(task, "name", phase.name)
    try:
        source = hashlib.sha256(inspect.getsource(task.fn).encode()).hexdigest()[:16]
    except (OSError, TypeError, AttributeError):
        source = "source-unknown"
    return f"{name}-{_hash([name, source, code_version(), *parts])}"


def _file_fingerprint(settings: Settings, template: str, days: Sequence[date]) -> str:
    """Content hash of a local export/report file, 'absent' when missing; GCS objects: 'remote'."""
    relative = template.format(day=days[0].isoformat())
    if relative.startswith("exports/"):
        if settings.resolved_exports.startswith("gs://"):
            return f"{relative}:remote"
        path = Path(settings.resolved_exports) / relative.removeprefix("exports/")
    else:
        path = settings.home_dir / relative
    if not path.exists():
        return f"{relative}:absent"
    return f"{relative}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"


def output_fingerprint(settings: Settings, phase: Phase, days: Sequence[date]) -> str:
    """The version of what the phase wrote for `days` (tables and files)."""
    wh = Warehouse.from_settings(settings)
    dates = [pd.Timestamp(d) for d in days]
    parts = [wh.fingerprint(table, dates) for table in phase.tables]
    parts += [_file_fingerprint(settings, f, days) for f in phase.files]
    return _hash(parts)


def _dates_key(days: Sequence[date]) -> str:
    stamps = sorted(pd.Timestamp(d).date().isoformat() for d in days)
    return stamps[0] if len(stamps) == 1 else f"{stamps[0]}..{stamps[-1]}:{_hash(stamps)[:12]}"


def outputs_in_sync(settings: Settings, phase: Phase, days: Sequence[date], key: str) -> bool:
    """True when the last recorded run of this phase for `days` had this key and left these outputs."""
    wh = Warehouse.from_settings(settings)
    recorded = wh.read_all(MANIFEST_TABLE, phase=phase.name, dates_key=_dates_key(days))
    if recorded.empty:
        return False
    row = recorded.iloc[-1]
    return bool(
        row["input_key"] == key
        and row["output_fingerprint"] == output_fingerprint(settings, phase, days)
    )


def record_outputs(settings: Settings, phase: Phase, days: Sequence[date], key: str) -> None:
    """Remember that `key` produced the outputs now held for `days`."""
    row = pd.DataFrame(
        {
            "phase": [phase.name],
            "dates_key": [_dates_key(days)],
            "input_key": [key],
            "output_fingerprint": [output_fingerprint(settings, phase, days)],
            "recorded_at": [now_utc(settings)],
        }
    )
    Warehouse.from_settings(settings).upsert(MANIFEST_TABLE, row, ["phase", "dates_key"])


def run_cached(
    task: Any,
    phase_name: str,
    days: Sequence[date],
    parameters: dict[str, Any],
    refresh: bool = False,
) -> Any:
    """Call a phase task: Cached when its inputs are unchanged and its outputs intact, else run.

    `refresh` (or NBA_PROPS_CACHE_ENABLED=false) always runs it. The outcome is recorded for the
    next call.
    """
    settings = get_settings()
    phase = PHASES[phase_name]
    key = phase_key(task, phase, settings, parameters)
    reuse = settings.cache_enabled and not refresh and outputs_in_sync(settings, phase, days, key)
    options: dict[str, Any] = {"cache_key_fn": lambda *_: key, "refresh_cache": not reuse}
    if settings.result_storage_block:
        options["result_storage"] = settings.result_storage_block
    result = task.with_options(**options)(**parameters)
    record_outputs(settings, phase, days, key)
    return result
