"""The live source: stats.nba.com for schedule and box scores, The Odds API for lines and odds."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from resources.settings import Settings
from resources.sources import cdn_nba, injury_report, odds_api, stats_nba
from resources.sources.base import RawPayload, SourceError
from resources.sources.season_types import modelled_rows

PARSERS = {
    stats_nba.SOURCE: stats_nba.parse_payload,
    odds_api.SOURCE: odds_api.parse_payload,
    cdn_nba.SOURCE: cdn_nba.parse_payload,
    injury_report.SOURCE: injury_report.parse_payload,
}


def odds_api_key(settings: Settings) -> str:
    """The Odds API key from settings, else from the Prefect Secret block 'odds-api-key'."""
    if settings.odds_api_key:
        return settings.odds_api_key
    try:
        from prefect.blocks.system import Secret

        secret: Any = Secret.load("odds-api-key")
        return str(secret.get())
    except Exception as exc:  # a missing block is a configuration error, said plainly
        raise SourceError(
            odds_api.SOURCE,
            "no API key: set NBA_PROPS_ODDS_API_KEY or a Prefect Secret block 'odds-api-key'",
        ) from exc


class LiveSource:
    """GameDaySource routing each kind to the live HTTP client that serves it."""

    name = "live"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stats = stats_nba.StatsNbaSource()
        self._cdn = cdn_nba.CdnNbaSource()
        self._odds: odds_api.OddsApiSource | None = None
        self._injuries: injury_report.InjuryReportSource | None = None

    def _odds_source(self) -> odds_api.OddsApiSource:
        if self._odds is None:
            self._odds = odds_api.OddsApiSource(odds_api_key(self._settings))
        return self._odds

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        if kind in self._stats.kinds:
            return self._stats.fetch(kind, game_date)
        if kind in ("prop_lines", "game_odds"):
            return self._odds_source().fetch(kind, game_date)
        if kind in self._cdn.kinds:
            return self._cdn.fetch(kind, game_date)
        if kind in injury_report.InjuryReportSource.kinds:
            self._injuries = self._injuries or injury_report.InjuryReportSource()
            return self._injuries.fetch(kind, game_date)
        raise SourceError("live", f"kind {kind!r} is not served by any live source")


def parse_live_payload(payload: RawPayload) -> pd.DataFrame:
    """Parse a live payload with its source's parser; game types we do not model are left out."""
    parser = PARSERS.get(payload.source)
    if parser is None:
        raise SourceError(payload.source, "no parser for this source", url=payload.url)
    return modelled_rows(parser(payload))
