"""Every file of the bad-input corpus through the CLI: one line naming the file, non-zero exit, no
traceback, and nothing already loaded lost. Then the recorded API payloads made bad, through their parsers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from resources import warehouse
from resources.settings import get_settings
from resources.sources.base import SourceError
from tests.conftest import REPO

CORPUS = REPO / "tests" / "fixtures" / "bad_input"
KINDS = ("team-logs", "box-scores", "props", "game-odds")
RAW_TABLES = ("raw_team_boxscores", "raw_schedule", "raw_player_boxscores", "raw_prop_lines")
TABLES = (*RAW_TABLES, "raw_game_odds", "quarantine")
BAD_FILES = [
    path
    for kind in KINDS
    for path in sorted((CORPUS / kind).iterdir())
    if path.name not in ("good.csv", "some_dates.csv")
]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `nba-props argv...` in this process through the console script's main(); (code, out, err)."""
    from flows.cli import main

    saved = sys.argv
    sys.argv = ["nba-props", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """An empty state directory for this test (the CLI reads it from the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBA_PROPS_HOME", str(tmp_path / "home"))
        mp.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
        yield tmp_path / "home"
        warehouse.dispose_engines()


def tables() -> dict[str, pd.DataFrame]:
    url = get_settings().resolved_warehouse_url
    out = {}
    for name in TABLES:
        frame = warehouse.read_table(url, name)
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def import_good_files(capsys: pytest.CaptureFixture[str]) -> dict[str, pd.DataFrame]:
    for kind in KINDS:
        code, out, err = cli(capsys, "import", kind, str(CORPUS / kind / "good.csv"))
        assert code == 0, err
    loaded = tables()
    assert all(len(loaded[t]) for t in TABLES if t != "quarantine")
    return loaded


def one_error_line(out: str, err: str) -> str:
    assert "Traceback" not in out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One state dir with the good file of every kind imported, shared by the bad-file cases."""
    root = tmp_path_factory.mktemp("corpus")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBA_PROPS_HOME", str(root / "home"))
        mp.setenv("PREFECT_HOME", str(root / "prefect"))
        settings = get_settings()
        from resources.loading import import_file

        for kind in KINDS:
            import_file(settings, kind, CORPUS / kind / "good.csv")
        warehouse.dispose_engines()
        yield root / "home"
        warehouse.dispose_engines()


@pytest.mark.parametrize("path", BAD_FILES, ids=[f"{p.parent.name}/{p.name}" for p in BAD_FILES])
def test_bad_file_fails_in_one_line_and_loses_nothing(
    path: Path, loaded_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBA_PROPS_HOME", str(loaded_home))
        mp.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
        before = tables()
        code, out, err = cli(capsys, "import", path.parent.name, str(path))
        after = tables()
        warehouse.dispose_engines()
    assert code != 0
    line = one_error_line(out, err)
    assert line.startswith("error: ") and str(path) in line
    assert "expected" in line and "found" in line
    for name in TABLES:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)


@pytest.mark.parametrize("kind", KINDS)
def test_some_bad_dates_load_the_good_rows_and_quarantine_the_rest(
    kind: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = import_good_files(capsys)
    path = CORPUS / kind / "some_dates.csv"
    code, out, err = cli(capsys, "import", kind, str(path))
    assert code == 0 and "Traceback" not in out + err and "Warning" not in err
    after = tables()
    quarantined = after["quarantine"][after["quarantine"]["source"] == f"file:{path.name}"]
    undated = quarantined[quarantined["field"].isin(["game_date", "commence_time"])]
    assert undated["row_number"].nunique() > 0
    for table, rows in quarantined.groupby("table_name"):
        [line] = [line for line in out.splitlines() if f" {table} " in line]
        assert f"quarantined={rows['row_number'].nunique():5d} (not_nullable=" in line
    for name in TABLES[:-1]:  # every row loaded before is still there (re-loaded rows are the same)
        assert len(after[name]) >= len(before[name]), name


def test_import_all_reports_each_bad_file_and_imports_the_rest(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    folders = {"team-logs": "team_game_logs", "box-scores": "player_game_logs"}
    folders |= {"props": "props", "game-odds": "game_odds"}
    for kind, folder in folders.items():
        (data / folder).mkdir(parents=True)
        shutil.copy(CORPUS / kind / "good.csv", data / folder / "a_good.csv")
    bad = [
        data / "player_game_logs" / "b_html.csv",
        data / "game_odds" / "b_truncated_gzip.csv.gz",
    ]
    shutil.copy(CORPUS / "box-scores" / "html.csv", bad[0])
    shutil.copy(CORPUS / "game-odds" / "truncated_gzip.csv.gz", bad[1])
    code, out, err = cli(capsys, "import", "all", str(data))
    assert code != 0 and "Traceback" not in out + err
    [line] = [line for line in err.splitlines() if line.strip()]
    assert "2 file(s)" in line and all(str(p) in line for p in bad)
    loaded = tables()
    for name in TABLES[:-1]:
        assert len(loaded[name]), f"{name}: the good files were not imported"
    assert out.count("a_good.csv") >= 4


def test_an_unexpected_reader_failure_is_one_line_with_the_traceback_in_the_log(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from resources.sources import files

    def broken(path: Path) -> pd.DataFrame:
        raise KeyError("bookmaker")

    monkeypatch.setattr(files, "read_props", broken)
    path = CORPUS / "props" / "good.csv"
    code, out, err = cli(capsys, "import", "props", str(path))
    assert code != 0
    line = one_error_line(out, err)
    assert str(path) in line and "KeyError" in line
    log = home / "logs" / "import.log"
    assert "Traceback" in log.read_text() and str(log) in line


def test_derived_schedule_is_reported_and_replaced_by_team_logs(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from resources.loading import DERIVED_SCHEDULE_SOURCE, DerivedLoadReport, import_file

    settings = get_settings()
    slim = REPO / "tests" / "fixtures" / "files" / "player_logs_slim_playoffs_trimmed.csv"
    reports = import_file(settings, "box-scores", slim)
    [derived] = [r for r in reports if isinstance(r, DerivedLoadReport)]
    assert derived.table == "raw_schedule" and derived.rows_loaded == 4
    assert "MATCHUP" in derived.derived_from
    schedule = tables()["raw_schedule"]
    assert schedule["source"].str.startswith(DERIVED_SCHEDULE_SOURCE).all()
    # Team logs of the same games arrive: their NBA ids replace the derived keys everywhere.
    teams = REPO / "tests" / "fixtures" / "files" / "team_logs_trimmed.csv"
    import_file(settings, "team-logs", teams)
    after = tables()
    assert len(after["raw_schedule"]) == 4
    assert after["raw_schedule"]["game_id"].str.fullmatch(r"004\d{7}").all()
    assert set(after["raw_player_boxscores"]["game_id"]) == set(after["raw_schedule"]["game_id"])
    assert len(after["raw_player_boxscores"]) == len(pd.read_csv(slim))


def test_the_console_script_prints_one_line_for_an_html_page(tmp_path: Path) -> None:
    """The issue's case, through the installed `nba-props` entry point in its own process."""
    env = {**os.environ, "NBA_PROPS_HOME": str(tmp_path / "home"), "PREFECT_API_URL": ""}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    path = CORPUS / "box-scores" / "html.csv"
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nba-props"), "import", "box-scores", str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 1
    line = one_error_line(done.stdout, done.stderr)
    assert str(path) in line and "HTML page" in line


# --------------------------------------------------------------------------- API payloads

PAYLOADS = CORPUS / "payloads"


def _parsers() -> dict[str, Any]:
    from resources.sources import cdn_nba, odds_api, stats_nba

    def box_v2(body: bytes) -> pd.DataFrame:
        return stats_nba.parse_boxscoretraditionalv2(body, game_date=date(2023, 1, 14)).players

    return {
        "stats_nba/leaguegamelog_P": stats_nba.parse_leaguegamelog_players,
        "stats_nba/boxscoretraditionalv2": box_v2,
        "stats_nba/scoreboardv2": stats_nba.parse_scoreboardv2,
        "cdn_nba/todaysScoreboard": cdn_nba.parse_todays_scoreboard,
        "odds_api/events": odds_api.parse_events,
        "odds_api/event_odds_player_props": odds_api.parse_event_player_props,
    }


PAYLOAD_FILES = sorted(PAYLOADS.rglob("*.json")) if PAYLOADS.exists() else []


@pytest.mark.parametrize(
    "path", PAYLOAD_FILES, ids=[f"{p.parent.name}/{p.name}" for p in PAYLOAD_FILES]
)
def test_bad_payload_raises_a_source_error_saying_what_is_wrong(path: Path) -> None:
    parsers = _parsers()
    [key] = [k for k in parsers if f"{path.parent.name}/{path.name}".startswith(k + "_")]
    with pytest.raises(SourceError) as caught:
        parsers[key](path.read_bytes())
    message = str(caught.value)
    assert message.startswith(f"[{path.parent.name}] ") and "\n" not in message
    if path.stem.endswith("_truncated"):
        assert "body is not JSON" in message
    elif path.stem.endswith("_error_200"):
        said = next(iter(json.loads(path.read_bytes()).values()))
        assert "error body instead of data" in message and said in message
    else:
        assert path.stem.endswith("_schema_change")
        assert "absent from all" in message and "upstream schema changed" in message


def test_every_recorded_payload_kind_has_the_three_bad_classes() -> None:
    names = {p.name for p in PAYLOAD_FILES}
    for key in _parsers():
        stem = key.split("/")[1]
        assert {f"{stem}_{c}.json" for c in ("truncated", "error_200", "schema_change")} <= names


# payload key -> (kind, endpoint) of the ingest step that fetches it
INGESTED = {
    "stats_nba/leaguegamelog_P": ("player_boxscores", "leaguegamelog"),
    "stats_nba/boxscoretraditionalv2": ("player_boxscores", "boxscoretraditionalv2"),
    "stats_nba/scoreboardv2": ("schedule", "scoreboardv2"),
    "odds_api/event_odds_player_props": ("prop_lines", "event_odds"),
}
INGEST_CASES = [
    p for p in PAYLOAD_FILES if any(f"{p.parent.name}/{p.name}".startswith(k) for k in INGESTED)
]


@pytest.mark.parametrize(
    "path", INGEST_CASES, ids=[f"{p.parent.name}/{p.name}" for p in INGEST_CASES]
)
def test_bad_payload_through_ingest_is_kept_quarantined_and_loses_nothing(
    path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from resources import raw_loader
    from resources.sources.base import RawPayload

    before = import_good_files(capsys)
    [(key, (kind, endpoint))] = [
        (k, v) for k, v in INGESTED.items() if f"{path.parent.name}/{path.name}".startswith(k)
    ]
    payload = RawPayload(
        source=path.parent.name,
        kind=kind,
        game_date=date(2024, 3, 11),
        content=path.read_bytes(),
        fetched_at=datetime(2024, 3, 11, 18, tzinfo=UTC),
        url=f"https://example.test/{endpoint}",
        meta={"endpoint": endpoint},
    )

    class Recorded:
        name = path.parent.name

        def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
            return [payload]

    monkeypatch.setattr(raw_loader, "open_source", lambda settings, day: Recorded())
    report = raw_loader.ingest_kind_for_date(get_settings(), kind, date(2024, 3, 11))
    assert (report.rows_loaded, report.by_rule) == (0, {"unparseable_payload": 1})
    after = tables()
    unparseable = after["quarantine"][after["quarantine"]["rule"] == "unparseable_payload"]
    [(kept, message)] = unparseable[["payload_path", "message"]].astype(str).to_numpy().tolist()
    assert kept == report.payloads[0] and Path(kept).read_bytes() == path.read_bytes()
    assert f"[{key.split('/')[0]}]" in message and "\n" not in message
    for name in TABLES[:-1]:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)
