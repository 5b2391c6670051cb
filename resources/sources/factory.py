"""Pick the source named by settings: replay over the bundled data, or the live HTTP clients."""

from __future__ import annotations

from datetime import date

import pandas as pd

from resources.clock import replay_as_of
from resources.settings import Settings
from resources.sources.base import GameDaySource, RawPayload, SourceError
from resources.sources.replay import ReplaySource, parse_replay_payload


def open_source(settings: Settings, game_date: date) -> GameDaySource:
    """The source for a run on `game_date` (replay answers as of that run's clock)."""
    if settings.source == "replay":
        return ReplaySource(settings.data_dir, replay_as_of(settings, game_date).to_pydatetime())
    if settings.source == "live":
        from resources.sources.http_sources import LiveSource

        return LiveSource(settings)
    raise SourceError(settings.source, "unknown source; set NBA_PROPS_SOURCE to 'replay' or 'live'")


def parse_payload(payload: RawPayload) -> pd.DataFrame:
    """Parse any source's payload into raw-table rows."""
    if payload.source == "replay":
        return parse_replay_payload(payload)
    from resources.sources.http_sources import parse_live_payload

    return parse_live_payload(payload)
