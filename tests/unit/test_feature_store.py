"""Phase 3 writes the game summaries as warehouse tables, contract-checked and idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from contracts.analytics import PlayerGameSummary, TeamGameSummary
from features.pipeline import COVERAGE_COLUMNS, build_feature_tables, coverage_counts
from resources import warehouse
from resources.feature_store import FEATURE_TABLES, write_feature_tables, write_game_summaries
from resources.settings import Settings
from resources.sources.replay import load_replay_data
from resources.warehouse import Warehouse
from tests.conftest import REPO


def _tables(day: date):
    """Features for one date from the box scores of March 2024 before it (a small real slice)."""
    data = load_replay_data(str(REPO / "data"))
    d = pd.Timestamp(day)
    p, t = data.player_boxscores, data.team_boxscores
    p = p[(p["game_date"] >= "2024-03-01") & (p["game_date"] < d)]
    t = t[(t["game_date"] >= "2024-03-01") & (t["game_date"] < d)]
    sched = data.schedule[data.schedule["game_date"] == d]
    return build_feature_tables(sched, p, t, data.prop_lines.iloc[0:0], None)


def test_summaries_written_once_and_refreshed_recently(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    url = settings.resolved_warehouse_url
    first = _tables(date(2024, 3, 12))
    counts = write_game_summaries(
        settings, Warehouse.from_settings(settings), [date(2024, 3, 12)], first
    )
    pgs = warehouse.read_table(url, "player_game_summary")
    tgs = warehouse.read_table(url, "team_game_summary")
    assert counts["player_game_summary"] == len(pgs) == len(first.player_game_summary)
    assert counts["team_game_summary"] == len(tgs) == len(first.team_game_summary)
    PlayerGameSummary.validate(pgs)
    TeamGameSummary.validate(tgs)
    assert set(pd.to_datetime(pgs["game_date"])) == set(first.player_game_summary["game_date"])

    # The next day: only new dates and the 7 days before the target are rewritten.
    second = _tables(date(2024, 3, 14))
    counts = write_game_summaries(
        settings, Warehouse.from_settings(settings), [date(2024, 3, 14)], second
    )
    recent = second.player_game_summary["game_date"] >= pd.Timestamp("2024-03-07")
    assert counts["player_game_summary"] == int(recent.sum())
    again = warehouse.read_table(url, "player_game_summary")
    assert len(again) == len(second.player_game_summary)
    assert not again.duplicated(["game_id", "player_id"]).any()
    # Running it twice leaves the same rows.
    write_game_summaries(settings, Warehouse.from_settings(settings), [date(2024, 3, 14)], second)
    assert len(warehouse.read_table(url, "player_game_summary")) == len(again)
    warehouse.dispose_engines()


def test_precompute_tables_written_and_covered(tmp_path: Path) -> None:
    day = date(2024, 3, 12)
    tables = _tables(day)
    settings = Settings(home=tmp_path)
    counts = write_feature_tables(Warehouse.from_settings(settings), [day], tables)
    for name in FEATURE_TABLES:
        if getattr(tables, name).empty:  # no props in this slice: no consensus table created
            assert counts.get(name, 0) == 0
            continue
        stored = warehouse.read_table(settings.resolved_warehouse_url, name)
        assert counts[name] == len(stored) == len(getattr(tables, name)), name
    defence = warehouse.read_table(settings.resolved_warehouse_url, "team_defense_summary")
    assert len(defence) == 2 * tables.ml_feature_store["game_id"].nunique()
    warehouse.dispose_engines()
    cov = coverage_counts([pd.Timestamp(day)], tables)
    assert set(cov["table_name"]) == set(tuple(COVERAGE_COLUMNS))
    assert len(tuple(COVERAGE_COLUMNS)) == 4
    assert (cov["expected"] > 0).all()
