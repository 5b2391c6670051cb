"""Helpers for tests over the recorded real payloads in tests/fixtures/<source>/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

FIXTURES_ROOT = Path(__file__).resolve().parents[1] / "fixtures"


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
