"""The official injury report: PDF parser on recorded reports, live source over mocked HTTP, CSV import."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
import respx

from resources import warehouse
from resources.injury_store import unresolved_injury_names
from resources.loading import import_file
from resources.settings import Settings, get_settings
from resources.sources.base import SourceError
from resources.sources.http import HttpClient
from resources.sources.injury_report import (
    MAX_SLOTS_BACK,
    SOURCE,
    InjuryReportSource,
    default_config,
    parse_payload,
    parse_report_pdf,
    report_rows_to_raw,
    report_slots,
    report_url,
)
from resources.sources.replay import ReplaySource

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORTS = FIXTURES / "nba_injury_report"
HEADER = "game_date,game_time,matchup,team,player_name,status,reason,report_datetime\n"


def test_pdf_parses_to_its_expected_records() -> None:
    parsed = parse_report_pdf((REPORTS / "raw_f4391904.pdf").read_bytes())
    expected = json.loads((REPORTS / "exp_f4391904.json").read_text())["records"]
    got = [
        {
            "date": pd.Timestamp(r.game_date).strftime("%m/%d/%Y"),
            "gametime": r.game_time,
            "matchup": r.matchup,
            "team": r.team,
            "player": r.player_name,
            "status": r.status,
            "reason": r.reason,
        }
        for r in parsed.itertuples()
    ]
    assert got == [{k: v for k, v in e.items() if k != "confidence"} for e in expected]
    # The title says when it was published; the reason wrapped around McDermott's row is joined.
    assert set(parsed["report_datetime"]) == {"2024-01-04 12:30:00"}
    assert "Right Forearm; Contusion" in parsed.loc[7, "reason"]


def test_pdf_without_text_and_bodies_that_are_no_pdf_are_refused() -> None:
    # The recorded 2025-03-15 report has empty page streams upstream: nothing to read, said so.
    with pytest.raises(SourceError, match="no text on any page"):
        parse_report_pdf((REPORTS / "raw_f0027997.pdf").read_bytes())
    with pytest.raises(SourceError, match="not a readable PDF"):
        parse_report_pdf(b"<html>Access Denied</html>", url="https://example.test/r.pdf")


def test_report_rows_map_teams_tips_and_publication_time() -> None:
    frame = pd.DataFrame(
        {
            "game_date": ["2024-02-03", "2024-02-03", "2024-02-03"],
            "game_time": ["01:00 (ET)", "07:30 (ET)", "07:30 (ET)"],
            "matchup": ["BKN@PHX", "MIA@PHI", "MIA@PHI"],
            "team": ["BRK", "MIA", "PHI"],
            "player_name": ["Claxton, Nic", "Butler III, Jimmy", None],
            "status": ["Out", "Questionable", None],
            "reason": ["Rest", "Injury/Illness - Left Ankle", "NOT YET SUBMITTED"],
            "report_datetime": ["2024-02-02 17:00:00"] * 3,
        }
    )
    rows, not_submitted = report_rows_to_raw(frame, "test")
    assert not_submitted == 1 and len(rows) == 2
    assert rows["team_abbr"].tolist() == ["BKN", "MIA"]
    assert (rows["home_team"].tolist(), rows["away_team"].tolist()) == (
        ["PHX", "PHI"],
        ["BKN", "MIA"],
    )
    # 12-hour clock without am/pm: 01:00 is a 1 pm tip (EST = UTC-5), 07:30 is 7:30 pm.
    assert rows["tipoff_utc"].tolist() == [
        pd.Timestamp("2024-02-03 18:00", tz="UTC"),
        pd.Timestamp("2024-02-04 00:30", tz="UTC"),
    ]
    assert set(rows["report_time"]) == {pd.Timestamp("2024-02-02 22:00", tz="UTC")}


def test_report_urls_are_hourly_then_every_fifteen_minutes() -> None:
    at = pd.Timestamp("2024-01-04 13:10", tz="America/New_York")
    assert report_url(at).endswith("/Injury-Report_2024-01-04_01PM.pdf")
    assert [s.hour for s in report_slots(at, 3)] == [13, 12, 11]
    late = pd.Timestamp("2025-12-31 18:07", tz="America/New_York")
    assert report_url(late).endswith("/Injury-Report_2025-12-31_06_00PM.pdf")
    assert [s.minute for s in report_slots(late, 3)] == [0, 45, 30]


@respx.mock
def test_live_source_takes_the_latest_published_report() -> None:
    clock = datetime(2024, 1, 4, 18, 10, tzinfo=UTC)  # 13:10 ET
    pdf = (REPORTS / "raw_f4391904.pdf").read_bytes()
    missing = respx.get(url__regex=r".*Injury-Report_2024-01-04_01PM\.pdf").mock(
        return_value=httpx.Response(403, text="<Error>AccessDenied</Error>")
    )
    found = respx.get(url__regex=r".*Injury-Report_2024-01-04_12PM\.pdf").mock(
        return_value=httpx.Response(200, content=pdf, headers={"content-type": "application/pdf"})
    )
    client = HttpClient(SOURCE, default_config(), sleep=lambda _s: None)
    source = InjuryReportSource(client, now=lambda: clock)
    [payload] = source.fetch("injury_report", date(2024, 1, 4))
    assert (missing.call_count, found.call_count) == (1, 1)
    assert payload.content == pdf and payload.content_type == "application/pdf"
    rows = parse_payload(payload)
    assert len(rows) == 14 and set(rows["team_abbr"]) == {"SAS", "DEN", "GSW"}
    assert set(rows["report_time"]) == {pd.Timestamp("2024-01-04 17:30", tz="UTC")}


@respx.mock
def test_no_report_published_yet_is_no_payload_not_an_error() -> None:
    clock = datetime(2024, 1, 4, 14, 10, tzinfo=UTC)  # 09:10 ET, before the day's first report
    unpublished = respx.get(url__regex=r".*Injury-Report_.*\.pdf").mock(
        return_value=httpx.Response(404, text="Not Found")
    )
    client = HttpClient(SOURCE, default_config(), sleep=lambda _s: None)
    source = InjuryReportSource(client, now=lambda: clock)
    assert source.fetch("injury_report", date(2024, 1, 4)) == []
    assert unpublished.call_count == MAX_SLOTS_BACK  # 09 AM back to 02 AM, then it stops


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NBA_PROPS_CLOCK", "2025-07-01T12:00:00Z")
    yield get_settings()
    warehouse.dispose_engines()


def test_import_resolves_names_and_quarantines_the_unknown(
    settings: Settings, tmp_path: Path
) -> None:
    import_file(
        settings, "box-scores", FIXTURES / "files" / "player_logs_2024-25_game_0022400147.csv"
    )
    path = tmp_path / "official_injury_report_test.csv"
    path.write_text(
        HEADER
        + '2024-11-04,07:30 (ET),MIA@BKN,MIA,"Butler III, Jimmy",Out,Injury/Illness - Ankle,2024-11-03 17:00:00\n'
        + '2024-11-04,07:30 (ET),MIA@BKN,MIA,"Jaquez Jr., Jaime",Questionable,Rest,2024-11-03 17:00:00\n'
        + '2024-11-04,07:30 (ET),MIA@BKN,MIA,"Jovic, Nikola",Maybe,Rest,2024-11-03 17:00:00\n'
        + '2024-11-04,07:30 (ET),MIA@BKN,BRK,"Nobody, Some",Out,G League - Two-Way,2024-11-03 17:00:00\n'
        + "2024-11-04,07:30 (ET),MIA@BKN,BRK,nan,nan,NOT YET SUBMITTED,2024-11-03 17:00:00\n"
        + '2024-11-04,07:00 (ET),WAS@BOS,WAS,"Kispert, Corey",Available,Injury/Illness - Thumb,2024-11-03 17:00:00\n'
    )
    for _ in range(2):  # a second import replaces, never duplicates
        [report] = import_file(settings, "injury-reports", path)
        assert (report.rows_loaded, report.rows_quarantined) == (3, 2)
        assert report.teams_not_submitted == 1
    table = warehouse.read_table(settings.resolved_warehouse_url, "raw_injury_report")
    assert dict(zip(table["player_name"], table["player_id"], strict=True)) == {
        "Butler III, Jimmy": "202710",
        "Jaquez Jr., Jaime": "1631170",
        "Kispert, Corey": "1630557",
    }
    assert set(report.by_rule) == {
        "player name not resolved to an NBA player id",
        "not_an_allowed_value",
    }
    unresolved = unresolved_injury_names(settings)
    assert unresolved[["player_name", "team_abbr", "n_rows"]].values.tolist() == [
        ["Nobody, Some", "BKN", 1]
    ]


def test_replay_serves_only_reports_published_before_its_clock(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "injuries").mkdir(parents=True)
    for folder, name in (
        ("team_game_logs", "team_logs_trimmed.csv"),
        ("props", "props_events_trimmed.csv"),
        ("game_odds", "kyleskom_game_odds_trimmed.csv"),
        ("player_game_logs", "player_logs_2024-25_game_0022400147.csv"),
    ):
        (root / folder).mkdir(exist_ok=True)
        data = (FIXTURES / "files" / name).read_bytes()
        (root / folder / f"{name}.gz").write_bytes(gzip.compress(data))
    (root / "injuries" / "official_injury_report_test.csv").write_text(
        HEADER
        + '2024-04-20,08:00 (ET),LAL@DEN,DEN,"Murray, Jamal",Questionable,Calf,2024-04-19 17:00:00\n'
        + '2024-04-20,08:00 (ET),LAL@DEN,DEN,"Murray, Jamal",Probable,Calf,2024-04-20 17:00:00\n'
    )
    noon = datetime(2024, 4, 20, 16, 0, tzinfo=UTC)
    [payload] = ReplaySource(root, noon).fetch("injury_report", date(2024, 4, 20))
    rows = pd.DataFrame(json.loads(payload.content)["rows"])
    assert rows["status"].tolist() == ["Questionable"]
    evening = datetime(2024, 4, 20, 22, 30, tzinfo=UTC)
    [payload] = ReplaySource(root, evening).fetch("injury_report", date(2024, 4, 20))
    assert len(json.loads(payload.content)["rows"]) == 2
    assert ReplaySource(root, noon).fetch("injury_report", date(2024, 4, 21)) == []
