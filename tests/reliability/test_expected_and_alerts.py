"""Fast checks: the expected-outputs view, the ingest plan, alert dedup, doctor, the zombie automation."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pandas as pd
import pytest
import yaml

from flows.backfill import ingest_plan, no_report_marker, report_clock, report_dates
from resources.expected import expected_view, gap_dates
from resources.settings import REPO_ROOT, Settings

D1, D2, D3, D4 = date(2024, 4, 8), date(2024, 4, 9), date(2024, 4, 10), date(2024, 4, 11)


def _counts() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # complete and finished
            {"game_date": D1, "games": 5, "boxscore_games": 5, "context_games": 5,
             "context_players": 100, "feature_rows": 500, "prediction_rows": 500,
             "call_rows": 40, "grade_rows": 40, "coverage_min": 0.95, "prop_rows": 10},
            # box scores of one game missing, predictions never written
            {"game_date": D2, "games": 4, "boxscore_games": 3, "context_games": 4,
             "context_players": 80, "feature_rows": 400, "prediction_rows": 0,
             "call_rows": 0, "grade_rows": 0, "coverage_min": 0.97, "prop_rows": 0},
            # today: results not due; features present but coverage low
            {"game_date": D3, "games": 8, "boxscore_games": 0, "context_games": 8,
             "context_players": 200, "feature_rows": 1000, "prediction_rows": 1000,
             "call_rows": 90, "grade_rows": 0, "coverage_min": 0.5, "prop_rows": 50},
        ]
    )  # fmt: skip


def test_expected_view_states_and_gaps() -> None:
    view = expected_view(_counts(), [D1, D2, D3, D4], D3, n_markets=5, threshold=0.9)
    state = {(r.game_date.date(), r.phase): r.state for r in view.itertuples()}
    assert {s for (d, _), s in state.items() if d == D1} == {"ok"}
    assert state[(D2, "box_scores")] == "low"
    assert state[(D2, "predictions")] == "missing"
    assert state[(D2, "grades")] == "none"  # nothing predicted, nothing to grade yet
    assert state[(D3, "box_scores")] == "not_due"
    assert state[(D3, "grades")] == "not_due"
    assert state[(D3, "features")] == "low"
    assert state[(D4, "schedule")] == "no_games"
    assert gap_dates(view) == [D2, D3]


def test_ingest_plan_fetches_only_what_is_missing() -> None:
    plan = dict(ingest_plan([D1, D2, D3, D4], _counts(), finished_before=D3))
    assert D1 not in plan  # everything there
    assert plan[D2] == ["prop_lines", "game_odds", "player_boxscores", "team_boxscores"]
    assert D3 not in plan  # lines there, results not due yet
    assert plan[D4] == ["schedule", "prop_lines", "game_odds"]  # unknown date: schedule first


def test_ingest_plan_skips_what_the_raw_store_already_holds(tmp_path: Path) -> None:
    from resources.raw_store import LocalRawStore

    store = LocalRawStore(tmp_path)
    (tmp_path / "replay" / "prop_lines" / D2.isoformat()).mkdir(parents=True)
    (tmp_path / "replay" / "prop_lines" / D2.isoformat() / "abc.json").write_text("[]")
    plan = dict(ingest_plan([D1, D2, D3, D4], _counts(), finished_before=D3, fetched=store.fetched))
    # The source had no lines for D2 when it was fetched: they are not fetched again.
    assert plan[D2] == ["game_odds", "player_boxscores", "team_boxscores"]
    assert plan[D4] == ["schedule", "prop_lines", "game_odds"]


def test_ingest_plan_does_not_fetch_odds_a_finished_date_holds() -> None:
    counts = _counts().assign(odds_rows=[0, 12, 0])
    plan = dict(ingest_plan([D1, D2, D3, D4], counts, finished_before=D3))
    # D2 lacks prop lines only: its imported odds are not fetched again.
    assert plan[D2] == ["prop_lines", "player_boxscores", "team_boxscores"]
    assert plan[D4] == ["schedule", "prop_lines", "game_odds"]
    # A date not yet finished fetches its odds again (lines still move).
    today = dict(ingest_plan([D2], counts, finished_before=D2))
    assert today[D2] == ["prop_lines", "game_odds"]


def test_backfill_asks_for_the_injury_reports_it_lacks_from_the_archive_start(
    tmp_path: Path,
) -> None:
    from resources.raw_store import LocalRawStore

    store = LocalRawStore(tmp_path)
    (tmp_path / "replay" / "injury_report" / D3.isoformat()).mkdir(parents=True)
    (tmp_path / "replay" / "injury_report" / D3.isoformat() / "abc.json").write_text("[]")
    days = report_dates([D1, D2, D3, D4], held={D2}, first=D2, fetched=store.fetched)
    # D1 predates the archive, D2's rows are in the warehouse, D3 was fetched (nothing published).
    assert days == [D4]
    assert report_dates([D1, D2], held=set(), first=D1) == [D1, D2]


def test_a_date_without_a_report_is_marked_and_not_asked_again(tmp_path: Path) -> None:
    from resources.raw_store import LocalRawStore

    store = LocalRawStore(tmp_path)
    assert report_dates([D1], held=set(), first=D1, fetched=store.fetched) == [D1]
    store.save(no_report_marker("replay", D1, report_clock(D1, "17:40")))
    assert report_dates([D1], held=set(), first=D1, fetched=store.fetched) == []


def test_a_failing_report_source_is_counted_and_a_bug_is_not_swallowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.backfill
    import flows.daily
    from resources.raw_store import LocalRawStore
    from resources.sources.base import TransientSourceError

    def unreachable(*args: object, **kwargs: object) -> dict[str, object]:
        raise TransientSourceError("nba_injury_report", "503 after retries")

    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise KeyError("rows_loaded")

    store = LocalRawStore(tmp_path)
    monkeypatch.setattr(flows.daily, "ingest", unreachable)
    out = flows.backfill._ingest_reports([D1, D2], "17:40", store)
    assert out == {"dates": 2, "rows_loaded": 0, "failed_dates": 2}
    assert not store.fetched("injury_report", D1)  # a failure is asked again, not marked
    monkeypatch.setattr(flows.daily, "ingest", broken)
    with pytest.raises(KeyError):
        flows.backfill._ingest_reports([D1], "17:40", store)


def test_backfilled_report_is_read_as_of_the_pre_tip_time_us_eastern() -> None:
    # 17:40 EDT (UTC-4) in April, 17:40 EST (UTC-5) in January.
    assert report_clock(D1, "17:40") == pd.Timestamp("2024-04-08 21:40", tz="UTC")
    assert report_clock(date(2024, 1, 8), "17:40") == pd.Timestamp("2024-01-08 22:40", tz="UTC")
    with pytest.raises(ValueError, match="HH:MM"):
        report_clock(D1, "5pm")


class _Inbox(BaseHTTPRequestHandler):
    received: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Inbox.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Inbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Inbox.received.clear()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


@pytest.mark.usefixtures("prefect_harness")
def test_alerts_go_through_the_block_once_per_signature_and_interval(
    tmp_path: Path, webhook: str
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from resources.alerts import send_alert
    from resources.doctor import check_alert_block

    CustomWebhookNotificationBlock(
        name="ops-test", url=webhook, json_data={"text": "{{subject}}: {{body}}"}
    ).save("ops-test", overwrite=True)
    at = "2024-04-10T12:00:00Z"
    settings = Settings(
        home=tmp_path,
        alert_block="custom-webhook/ops-test",
        alert_min_interval_minutes=60,
        clock=at,
    )
    assert "CustomWebhookNotificationBlock" in check_alert_block(settings)
    assert send_alert(settings, "flow-failed:daily", "first") == "sent"
    assert send_alert(settings, "flow-failed:daily", "again") == "suppressed"
    assert send_alert(settings, "coverage-low:2024-04-10", "other") == "sent"
    later = settings.model_copy(update={"clock": "2024-04-10T13:00:01Z"})
    assert send_alert(later, "flow-failed:daily", "an hour later") == "sent"
    texts = [str(m["text"]) for m in _Inbox.received]
    assert len(texts) == 3 and texts[0].endswith("first") and texts[2].endswith("an hour later")
    # nothing configured: log only; a missing block is a doctor failure, not a crash
    assert send_alert(Settings(home=tmp_path / "x", clock=at), "s", "m") == "logged"
    broken = Settings(home=tmp_path, alert_block="custom-webhook/does-not-exist", clock=at)
    assert send_alert(broken, "new-signature", "m") == "failed"


@pytest.mark.usefixtures("prefect_harness")
def test_doctor_names_what_is_missing(tmp_path: Path) -> None:
    from resources.doctor import compare_deployments, expected_deployments, run_checks

    settings = Settings(
        home=tmp_path, source="live", alert_block="slack-webhook/nope", markets=["points"]
    )
    checks = {c.name: c for c in run_checks(settings, api_url="")}
    assert checks["warehouse"].ok and checks["raw store"].ok and checks["exports"].ok
    assert not checks["mlflow"].ok and "nba-props-points" in checks["mlflow"].detail
    assert not checks["odds api key"].ok
    assert not checks["alert block"].ok
    assert checks["deployments"].ok and "skipped" in checks["deployments"].detail
    expected = expected_deployments()
    assert expected["heal"] == "flows/heal.py:heal"
    deployed = [
        {"name": "daily", "entrypoint": "flows/daily.py:daily_pipeline", "version": "0.1.0+old"},
        {"name": "backfill", "entrypoint": "flows/old.py:backfill", "version": "0.1.0+new"},
    ]
    problems = compare_deployments(expected, deployed, "0.1.0+new")
    assert any(p.startswith("daily: version") for p in problems)
    assert any(p.startswith("backfill: entrypoint") for p in problems)
    assert any(p.startswith("heal: not deployed") for p in problems)


def test_zombie_automation_is_valid_prefect_automation() -> None:
    from prefect.events.schemas.automations import AutomationCore, Posture

    spec = yaml.safe_load((REPO_ROOT / "deployments" / "automations.yaml").read_text())
    (automation,) = [AutomationCore.model_validate(a) for a in spec["automations"]]
    assert automation.trigger.posture == Posture.Proactive  # type: ignore[union-attr]
    assert automation.actions[0].type == "change-flow-run-state"
    deployments = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())["deployments"]
    for d in deployments:  # every deployment heartbeats, or the automation cannot see it die
        assert d["work_pool"]["job_variables"]["env"]["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
