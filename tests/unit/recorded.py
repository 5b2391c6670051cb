"""Helpers for tests over the recorded real payloads in tests/fixtures/<source>/, and mocked HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import respx

from resources.sources.base import SourceError
from resources.sources.http import HttpClient, HttpConfig

FIXTURES_ROOT = Path(__file__).resolve().parents[1] / "fixtures"

# Bodies no JSON parser can use (as services really answered), and what its SourceError says.
UNREADABLE_BODIES: list[tuple[bytes, str]] = [
    (b"", "empty response body"),
    (b"   \n", "empty response body"),
    (b"<!DOCTYPE html><html><body>403 Forbidden</body></html>", "HTML page instead of JSON"),
    (b"<html><title>502 Bad Gateway</title></html>", "HTML page instead of JSON"),
    (b"<html><body><h1>Access Denied</h1></body></html>", "HTML page instead of JSON"),
    (b"{not json", "body is not JSON"),
    (b"rate limited", "body is not JSON"),
    (b"Internal error", "body is not JSON"),
]


def fixture_readers(source: str) -> tuple[Callable[[str], bytes], Callable[[str], dict[str, Any]]]:
    """(raw, loaded) readers of one source's recorded payloads: bytes as recorded, and parsed JSON."""
    folder = FIXTURES_ROOT / source

    def raw(name: str) -> bytes:
        return (folder / name).read_bytes()

    def loaded(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(raw(name))
        return data

    return raw, loaded


def one(frame: pd.DataFrame, **where: object) -> pd.Series:
    """The single row matching every column=value given (fails if there is not exactly one)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, f"expected one row for {where}, got {len(rows)}"
    return rows.iloc[0]


def unusable_payloads(*cases: tuple[bytes, str]) -> pytest.MarkDecorator:
    """Parametrize a test's (body, message) over UNREADABLE_BODIES and a parser's own `cases`."""
    return pytest.mark.parametrize(("body", "message"), [*UNREADABLE_BODIES, *cases])


def assert_source_error(
    parse: Callable[..., object], body: bytes, message: str, source: str, url: str
) -> None:
    """`parse(body, url=url)` raises a SourceError of `source` matching `message`, naming `url`."""
    with pytest.raises(SourceError, match=message) as info:
        parse(body, url=url)
    assert info.value.source == source and info.value.url == url
    assert url in str(info.value)


def quiet_client(source: str, base_url: str, **config: Any) -> HttpClient:
    """A client of `source` for mocked HTTP: HttpConfig(base_url, **config), no sleeping."""
    return HttpClient(source, HttpConfig(base_url=base_url, **config), sleep=lambda _: None)


def respond(url: str, status: int = 200, **response: Any) -> respx.Route:
    """Answer every GET of `url` with httpx.Response(status, **response) (inside respx.mock)."""
    return respx.get(url).mock(return_value=httpx.Response(status, **response))
