"""HttpClient: retries only on 429/5xx/timeouts, capped; 4xx fails at once; bad bodies fail loud."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from resources.sources.base import SourceError, TransientSourceError
from resources.sources.http import HttpClient, HttpConfig, HttpStatusError, redact_url

BASE = "https://api.example.test"
KEY = "sk-live-0123456789abcdef"


class FakeTime:
    """A clock and sleep pair: sleeping advances the clock, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(
    fake: FakeTime, *, max_attempts: int = 4, min_interval_s: float = 0.0, **kw: object
) -> HttpClient:
    config = HttpConfig(
        base_url=BASE,
        headers={"User-Agent": "test"},
        timeout_s=5.0,
        min_interval_s=min_interval_s,
        max_attempts=max_attempts,
        backoff_base_s=1.0,
        backoff_max_s=8.0,
    )
    return HttpClient("testsrc", config, sleep=fake.sleep, clock=fake.clock, **kw)  # type: ignore[arg-type]


@respx.mock
def test_429_then_success_honours_retry_after() -> None:
    route = respx.get(f"{BASE}/data").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    fake = FakeTime()
    result = make_client(fake).get_json("/data")
    assert result.data == {"ok": 1}
    assert route.call_count == 2
    assert fake.sleeps == [3.0]


@respx.mock
def test_503_then_success_backs_off() -> None:
    route = respx.get(f"{BASE}/data").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=[1, 2])]
    )
    fake = FakeTime()
    result = make_client(fake).get_json("/data")
    assert result.data == [1, 2]
    assert result.content == b"[1,2]"
    assert route.call_count == 2
    assert fake.sleeps == [1.0]


@respx.mock
def test_timeout_then_success() -> None:
    route = respx.get(f"{BASE}/data").mock(
        side_effect=[httpx.ReadTimeout("read timed out"), httpx.Response(200, json={"ok": True})]
    )
    fake = FakeTime()
    assert make_client(fake).get_json("/data").data == {"ok": True}
    assert route.call_count == 2


@respx.mock
def test_404_is_not_retried() -> None:
    route = respx.get(f"{BASE}/boxscore").mock(return_value=httpx.Response(404, text="Not Found"))
    fake = FakeTime()
    with pytest.raises(HttpStatusError) as info:
        make_client(fake).get_json("/boxscore", {"GameID": "0022400561"})
    assert route.call_count == 1
    assert fake.sleeps == []
    assert info.value.status_code == 404
    assert not isinstance(info.value, TransientSourceError)
    assert "testsrc" in str(info.value) and "GameID=0022400561" in str(info.value)


@respx.mock
def test_retry_cap_raises_transient_error() -> None:
    route = respx.get(f"{BASE}/data").mock(return_value=httpx.Response(502))
    fake = FakeTime()
    with pytest.raises(TransientSourceError, match=r"gave up after 4 attempts: HTTP 502"):
        make_client(fake, max_attempts=4).get_json("/data")
    assert route.call_count == 4
    assert fake.sleeps == [1.0, 2.0, 4.0]


@respx.mock
def test_connection_errors_reach_the_cap() -> None:
    route = respx.get(f"{BASE}/data").mock(side_effect=httpx.ConnectError("connection refused"))
    fake = FakeTime()
    with pytest.raises(TransientSourceError, match="ConnectError"):
        make_client(fake, max_attempts=3).get_json("/data")
    assert route.call_count == 3


@respx.mock
def test_not_json_body_names_source_and_url() -> None:
    respx.get(f"{BASE}/data").mock(
        return_value=httpx.Response(200, text="Service temporarily unavailable")
    )
    with pytest.raises(
        SourceError, match=r"\[testsrc\] body is not JSON.*https://api.example.test/data"
    ):
        make_client(FakeTime()).get_json("/data")


@respx.mock
def test_html_error_page_is_rejected() -> None:
    html = (
        "<!DOCTYPE html><html><head><title>Access Denied</title></head><body>denied</body></html>"
    )
    respx.get(f"{BASE}/data").mock(
        return_value=httpx.Response(
            200, text=html, headers={"content-type": "text/html; charset=utf-8"}
        )
    )
    with pytest.raises(SourceError, match="HTML page instead of JSON") as info:
        make_client(FakeTime()).get_json("/data")
    assert info.value.url == f"{BASE}/data"


@respx.mock
def test_html_without_content_type_is_rejected() -> None:
    respx.get(f"{BASE}/data").mock(
        return_value=httpx.Response(200, content=b"<html><body>Error</body></html>")
    )
    with pytest.raises(SourceError, match="HTML page"):
        make_client(FakeTime()).get_json("/data")


@respx.mock
def test_empty_body_is_rejected() -> None:
    respx.get(f"{BASE}/data").mock(return_value=httpx.Response(200, content=b""))
    with pytest.raises(SourceError, match="empty response body"):
        make_client(FakeTime()).get_json("/data")


@respx.mock
def test_api_key_sent_but_never_recorded_or_raised() -> None:
    ok = respx.get(f"{BASE}/ok").mock(return_value=httpx.Response(200, json={"a": 1}))
    respx.get(f"{BASE}/denied").mock(return_value=httpx.Response(401, json={"message": "bad key"}))
    respx.get(f"{BASE}/down").mock(
        side_effect=httpx.ConnectError(f"failed GET {BASE}/down?apiKey={KEY}")
    )
    client = make_client(FakeTime(), max_attempts=2, default_params={"apiKey": KEY})

    result = client.get_json("/ok", {"markets": "h2h"})
    assert ok.calls.last.request.url.params["apiKey"] == KEY
    assert KEY not in result.url and "apiKey" not in result.url
    assert result.url == f"{BASE}/ok?markets=h2h"

    with pytest.raises(SourceError) as denied:
        client.get_json("/denied")
    with pytest.raises(TransientSourceError) as down:
        client.get_json("/down")
    for exc in (denied.value, down.value):
        assert KEY not in str(exc)
        assert KEY not in (exc.url or "")
        assert exc.__cause__ is None


@respx.mock
def test_min_interval_between_requests() -> None:
    respx.get(f"{BASE}/data").mock(return_value=httpx.Response(200, json={}))
    fake = FakeTime()
    client = make_client(fake, min_interval_s=0.6)
    client.get_json("/data")
    fake.now += 0.1
    client.get_json("/data")
    fake.now += 5.0
    client.get_json("/data")
    assert fake.sleeps == [pytest.approx(0.5)]


def test_redact_url_strips_secret_params_only() -> None:
    url = f"{BASE}/v4/sports/basketball_nba/events?apiKey={KEY}&date=2024-01-25T03%3A55%3A40Z"
    assert (
        redact_url(url) == f"{BASE}/v4/sports/basketball_nba/events?date=2024-01-25T03%3A55%3A40Z"
    )


@respx.mock
def test_httpx_request_log_line_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    respx.get(f"{BASE}/data").mock(return_value=httpx.Response(200, json={}))
    caplog.set_level(logging.DEBUG)
    make_client(FakeTime(), default_params={"apiKey": KEY}).get_json(
        "/data", {"date": "2024-01-25"}
    )
    assert "HTTP Request: GET" in caplog.text
    assert "apiKey=***" in caplog.text and KEY not in caplog.text


@respx.mock
def test_unsupported_protocol_error_is_a_source_error_without_key() -> None:
    respx.get(f"{BASE}/data").mock(side_effect=httpx.UnsupportedProtocol(f"bad url ?apiKey={KEY}"))
    with pytest.raises(SourceError, match="request failed") as info:
        make_client(FakeTime(), default_params={"apiKey": KEY}).get_json("/data")
    assert not isinstance(info.value, TransientSourceError) and KEY not in str(info.value)
