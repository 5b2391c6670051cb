"""The export store: atomic local writes, and reads that tell "not published" from a failure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from models.exports import build_predictions_export
from resources import export_store
from resources.export_store import ExportReadError, LocalExportStore, write_json_atomic
from tests.unit import phx_lac_2024_04_10 as game
from tests.unit.test_exports import NOW


def test_write_json_atomic_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    doc = build_predictions_export(game.predictions(), game.GAME_DATE, NOW)
    out = write_json_atomic(tmp_path, "predictions/2024-04-10.json", doc)
    assert json.loads(Path(out).read_text("utf-8")) == doc
    write_json_atomic(tmp_path, "predictions/2024-04-10.json", {**doc, "players": []})
    assert json.loads(Path(out).read_text("utf-8"))["players"] == []
    assert os.listdir(tmp_path / "predictions") == ["2024-04-10.json"]


def test_crash_before_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {"schema_version": "1.0", "players": ["old"]}
    target = Path(write_json_atomic(tmp_path, "status.json", old))

    def crash(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(export_store.os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        write_json_atomic(tmp_path, "status.json", {"schema_version": "1.0", "players": ["new"]})
    assert json.loads(target.read_text("utf-8")) == old
    assert os.listdir(tmp_path) == ["status.json"]


def test_unserialisable_payload_keeps_the_old_file(tmp_path: Path) -> None:
    target = Path(write_json_atomic(tmp_path, "live/2024-04-10.json", {"a": 1}))
    with pytest.raises(ValueError):
        write_json_atomic(tmp_path, "live/2024-04-10.json", {"a": float("nan")})
    assert json.loads(target.read_text("utf-8")) == {"a": 1}
    assert os.listdir(tmp_path / "live") == ["2024-04-10.json"]


def test_read_tells_not_published_from_unreadable(tmp_path: Path) -> None:
    store = LocalExportStore(tmp_path)
    assert store.read("best-bets/2024-04-10.json") is None
    store.write("best-bets/2024-04-10.json", {"picks": [1]})
    assert store.read("best-bets/2024-04-10.json") == {"picks": [1]}
    (tmp_path / "best-bets" / "2024-04-11.json").write_text("{half a docu")
    with pytest.raises(ExportReadError, match="2024-04-11"):
        store.read("best-bets/2024-04-11.json")
