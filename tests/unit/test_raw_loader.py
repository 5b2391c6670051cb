"""Payload-level failures and the load clock through `ingest_kind_for_date`: kept raw, named, nothing lost."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import respx

from resources import raw_loader, warehouse
from resources.settings import Settings, get_settings
from resources.sources import files as importers
from resources.sources.base import RawPayload
from resources.sources.http_sources import LiveSource
from resources.sources.odds_api import DEFAULT_BASE_URL
from resources.sources.replay import _payload

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
ODDS = Path(__file__).resolve().parents[1] / "fixtures" / "odds_api"
GAME_DAY = date(2024, 11, 2)
KEY = "5e1f00d4c3b2a1908f7e6d5c4b3a2910"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A fresh state directory with the clock pinned the morning after the game."""
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
    monkeypatch.setenv("NBA_PROPS_CLOCK", "2024-11-03T15:00:00Z")
    monkeypatch.setenv("NBA_PROPS_ODDS_API_KEY", KEY)
    yield get_settings()
    warehouse.dispose_engines()


class FixedSource:
    """A source that returns the payloads it was given."""

    name = "fixed"

    def __init__(self, payloads: list[RawPayload]) -> None:
        self.payloads = payloads

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        return self.payloads


def box_payload() -> RawPayload:
    rows = importers.read_player_logs(FILES / "player_logs_2024-25_game_0022400147.csv")
    return _payload("player_boxscores", GAME_DAY, rows, datetime(2024, 11, 3, 15, tzinfo=UTC))


def broken(content: bytes, content_type: str = "application/json") -> RawPayload:
    return RawPayload(
        "replay",
        "player_boxscores",
        GAME_DAY,
        content,
        datetime(2024, 11, 3, 15, tzinfo=UTC),
        content_type=content_type,
        url="replay://player_boxscores/2024-11-02",
    )


def test_unparseable_payloads_are_kept_and_named(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bad = [
        broken(b"<!DOCTYPE html><html><body>Access Denied</body></html>", "text/html"),
        broken(b""),
        broken(b'{"rows": [ {"game_id": '),
    ]
    good = box_payload()
    monkeypatch.setattr(raw_loader, "open_source", lambda s, d: FixedSource([*bad, good]))
    with caplog.at_level(logging.ERROR, logger="resources.raw_loader"):
        report = raw_loader.ingest_kind_for_date(settings, "player_boxscores", GAME_DAY)
    assert report.rows_loaded == 26
    assert report.by_rule == {"unparseable_payload": 3}
    assert len(report.payloads) == 4 and all(Path(p).exists() for p in report.payloads)
    assert [Path(p).read_bytes() for p in report.payloads[:3]] == [b.content for b in bad]

    q = warehouse.read_table(settings.resolved_warehouse_url, "quarantine")
    assert len(q) == 3 and set(q["source"]) == {"replay"}
    assert set(q["payload_path"]) == set(report.payloads[:3])
    assert q["message"].str.contains("not JSON").all()
    assert sum(p in caplog.text for p in report.payloads[:3]) == 3

    again = raw_loader.ingest_kind_for_date(settings, "player_boxscores", GAME_DAY)
    assert again.rows_loaded == 26
    assert len(warehouse.read_table(settings.resolved_warehouse_url, "quarantine")) == 3
    boxes = warehouse.read_table(settings.resolved_warehouse_url, "raw_player_boxscores")
    assert len(boxes) == 26


def test_box_scores_after_the_clock_are_quarantined(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_PROPS_CLOCK", "2024-11-01T15:00:00Z")  # the day before the game
    monkeypatch.setattr(raw_loader, "open_source", lambda s, d: FixedSource([box_payload()]))
    report = raw_loader.ingest_kind_for_date(get_settings(), "player_boxscores", GAME_DAY)
    assert report.rows_loaded == 0
    assert report.by_rule == {"game_date_in_future": 26}
    q = warehouse.read_table(settings.resolved_warehouse_url, "quarantine")
    assert set(q["field"]) == {"game_date"}
    assert Path(report.payloads[0]).exists()


@respx.mock
def test_odds_api_key_stays_out_of_logs_urls_and_quarantine(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    events = (ODDS / "historical_events_2025-03-09T23-55-38Z.json").read_bytes()
    respx.get(f"{DEFAULT_BASE_URL}/v4/sports/basketball_nba/events").mock(
        return_value=httpx.Response(200, content=events)
    )
    odds = respx.get(url__regex=r".*/v4/sports/basketball_nba/events/\w+/odds").mock(
        side_effect=lambda request: httpx.Response(
            200, json={"id": request.url.path.split("/")[-2], "message": "event not found"}
        )
    )
    fetched: list[RawPayload] = []

    class Recording(LiveSource):
        def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
            fetched.extend(super().fetch(kind, game_date))
            return fetched

    monkeypatch.setattr(raw_loader, "open_source", lambda s, d: Recording(s))
    report = raw_loader.ingest_kind_for_date(settings, "prop_lines", date(2025, 3, 9))
    assert odds.call_count > 0 and odds.calls.last.request.url.params["apiKey"] == KEY
    assert report.by_rule == {"unparseable_payload": odds.call_count}
    q = warehouse.read_table(settings.resolved_warehouse_url, "quarantine")
    assert len(q) == odds.call_count and set(q["payload_path"]) == set(report.payloads)
    assert q["message"].str.contains("no bookmakers").all()
    assert KEY not in caplog.text
    assert all(KEY not in str(p.url) and KEY not in json.dumps(p.meta) for p in fetched)
    assert not q.astype(str).apply(lambda c: c.str.contains(KEY)).any().any()
    stored = [Path(p).read_bytes() for p in report.payloads]
    assert all(KEY.encode() not in b for b in stored)


@respx.mock
@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"<html><body><h1>Access Denied</h1></body></html>", "text/html", "HTML page"),
        (b"", "application/json", "empty response body"),
        (b"upstream timeout", "text/plain", "not JSON"),
    ],
)
def test_unusable_http_body_is_kept_and_quarantined(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    body: bytes,
    content_type: str,
    message: str,
) -> None:
    respx.get(f"{DEFAULT_BASE_URL}/v4/sports/basketball_nba/events").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": content_type})
    )
    monkeypatch.setattr(raw_loader, "open_source", lambda s, d: LiveSource(s))
    report = raw_loader.ingest_kind_for_date(settings, "prop_lines", date(2025, 3, 9))
    assert report.by_rule == {"unparseable_payload": 1} and report.rows_loaded == 0
    [path] = report.payloads
    assert Path(path).read_bytes() == body and "/odds_api/prop_lines/2025-03-09/" in path
    [q] = warehouse.read_table(settings.resolved_warehouse_url, "quarantine").to_dict("records")
    assert (q["source"], q["payload_path"], q["rule"]) == ("odds_api", path, "unparseable_payload")
    assert message in q["message"] and "/v4/sports/basketball_nba/events" in q["message"]
    assert KEY not in q["message"]
