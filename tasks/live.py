"""Live-export task: live scores and live grading of the `ensemble` calls, refreshed during games.

Writes live/{date}.json and live-grading/{date}.json (the feed: resources/live_feed.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from models import exports
from models.prediction import EXPORT_SYSTEM
from resources.export_store import export_store
from resources.live_feed import LiveFrames, live_frames, live_game_date, resolve_as_of
from resources.logs import run_logger
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import Settings, get_settings
from resources.warehouse import Warehouse


def _write_live_exports(settings: Settings, day: date, live: LiveFrames) -> dict[str, Any]:
    """Write live/{day}.json and live-grading/{day}.json; returns paths and the grading summary."""
    wh = Warehouse.from_settings(settings)
    predictions = wh.read_dates("player_prop_predictions", [day], system_id=EXPORT_SYSTEM)
    store = export_store(settings)
    scores = exports.build_live_export(live.games, live.as_of, live.simulated, game_date=day)
    grading = exports.build_live_grading_export(
        predictions, live.box, live.games, live.as_of, live.simulated, EXPORT_SYSTEM, game_date=day
    )
    return {
        "game_date": day.isoformat(),
        "as_of": exports.iso_time(live.as_of),
        "simulated": live.simulated,
        "games": len(scores["games"]),
        "live": store.write(f"live/{day.isoformat()}.json", scores),
        "live_grading": store.write(f"live-grading/{day.isoformat()}.json", grading),
        "summary": grading["summary"],
    }


@task(name="live-export", cache_policy=NO_CACHE, **TASK_RETRY_OPTIONS)
def export_live(day: date | None = None, at: str | None = None) -> dict[str, Any]:
    """Read the live feed (or simulate it in replay) for `day` and write the two live exports."""
    settings = get_settings()
    if at and settings.source == "live":
        run_logger().warning("`at` is ignored by the live feed: it always answers now")
        at = None
    as_of = resolve_as_of(settings, at)
    target = day or live_game_date(as_of)
    live = live_frames(settings, target, as_of)
    result = _write_live_exports(settings, target, live)
    run_logger().info(
        "live %s at %s (simulated=%s): %d games, picks %s",
        target,
        result["as_of"],
        live.simulated,
        result["games"],
        result["summary"],
    )
    return result
