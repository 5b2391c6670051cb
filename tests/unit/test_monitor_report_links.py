"""Monitoring reports are published beside the exports; the Prefect link points where others can open it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from resources.settings import Settings
from tasks import monitor

DAY = date(2024, 4, 10)


def _report(home: Path) -> Path:
    path = home / "reports" / "drift" / f"{DAY}.html"
    path.parent.mkdir(parents=True)
    path.write_text("<!DOCTYPE html><html><body>drift</body></html>", encoding="utf-8")
    return path


def _links(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    created: list[dict[str, Any]] = []
    monkeypatch.setattr(monitor, "create_link_artifact", lambda **kw: created.append(kw))
    return created


def test_local_exports_get_a_copy_and_the_link_is_the_local_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=tmp_path)
    links = _links(monkeypatch)
    report = _report(tmp_path)
    numbers: dict[str, Any] = {"markets": {}}

    run_id = monitor._log_report(settings, "drift", DAY, report, numbers)

    published = tmp_path / "exports" / "reports" / "drift" / f"{DAY}.html"
    assert published.read_bytes() == report.read_bytes()
    assert numbers["report_url"] == report.resolve().as_uri()
    assert [link["link"] for link in links] == [report.resolve().as_uri()]
    assert run_id


def test_gcs_exports_link_the_uploaded_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=tmp_path, exports_url="gs://site-bucket/site")
    links = _links(monkeypatch)
    uploaded: list[tuple[str, date, bytes]] = []
    url = f"https://storage.googleapis.com/site-bucket/site/reports/drift/{DAY}.html"

    class Bucket:
        def publish_report(self, kind: str, day: date, html_file: Path) -> str:
            uploaded.append((kind, day, html_file.read_bytes()))
            return url

    monkeypatch.setattr(monitor, "export_store", lambda s: Bucket())
    report = _report(tmp_path)
    numbers: dict[str, Any] = {"markets": {}}

    monitor._log_report(settings, "drift", DAY, report, numbers)

    assert uploaded == [("drift", DAY, report.read_bytes())]
    assert numbers["report_url"] == url
    assert [link["link"] for link in links] == [url]
