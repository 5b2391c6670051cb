"""The daily pipeline's clocks (morning, pre-tip) and its injury-report ingest that never fails a run."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import flows.daily
from resources.clock import replay_as_of, run_as_of, time_of_day
from resources.settings import Settings
from resources.sources.base import TransientSourceError

DAY = date(2024, 4, 10)


def test_a_runs_replay_time_sets_its_clock_on_the_date() -> None:
    settings = Settings(source="replay", clock=None)
    # 10:00 and 17:40 US-Eastern (EDT, UTC-4); without one, NBA_PROPS_REPLAY_CLOCK_TIME (18:00).
    assert replay_as_of(settings, DAY, "10:00") == pd.Timestamp("2024-04-10 14:00", tz="UTC")
    assert replay_as_of(settings, DAY, "17:40") == pd.Timestamp("2024-04-10 21:40", tz="UTC")
    assert replay_as_of(settings, DAY) == pd.Timestamp("2024-04-10 22:00", tz="UTC")
    # A pinned clock wins; the live source has no as-of time (the real clock).
    pinned = Settings(source="replay", clock="2024-04-10T15:00:00Z")
    assert replay_as_of(pinned, DAY, "10:00") == pd.Timestamp("2024-04-10 15:00", tz="UTC")
    assert run_as_of(Settings(source="live", clock=None), DAY, "10:00") is None


@pytest.mark.parametrize("text", ["25:00", "10:60", "10", "1000", "ten", "10:5"])
def test_a_time_of_day_is_hh_mm(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        time_of_day(text)


def test_a_bad_replay_time_fails_the_flow_at_its_start() -> None:
    with pytest.raises(ValueError, match="replay_time: expected a time of day HH:MM"):
        flows.daily.daily_pipeline.fn(game_date=DAY, replay_time="5pm")


def test_a_failing_report_source_does_not_fail_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object, **kwargs: object) -> dict[str, object]:
        raise TransientSourceError("nba_injury_report", "503 after retries")

    monkeypatch.setattr(flows.daily, "ingest", unreachable)
    out = flows.daily.ingest_availability(DAY, None)
    assert out["injury_report"]["rows_loaded"] == 0
    assert "503 after retries" in str(out["injury_report"]["error"])


def test_a_bug_in_the_report_ingest_is_not_read_as_no_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise KeyError("rows_loaded")

    monkeypatch.setattr(flows.daily, "ingest", broken)
    with pytest.raises(KeyError):
        flows.daily.ingest_availability(DAY, None)
