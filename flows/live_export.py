"""The live-export flow: live scores and live grading of a game date, refreshed every few minutes."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from resources.parameters import check_optional_date, check_time
from tasks.live import export_live


@flow(name="live-export", log_prints=True)
def live_export(game_date: date | None = None, at: str | None = None) -> dict[str, Any]:
    """Write live/{date}.json and live-grading/{date}.json.

    game_date defaults to the live date of the clock (US-Eastern, games after midnight count for
    the evening before). `at` (ISO time) pins the replay simulation's clock; the live feed ignores it.
    """
    game_date = check_optional_date("game_date", game_date)
    if at is not None:
        check_time("at", at)
    return export_live(game_date, at)
