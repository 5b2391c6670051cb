"""Importers end to end on trimmed real files: every layout of ../shared/data, crosswalk, snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from features.lines import consensus_lines
from features.pipeline import build_consensus
from resources import warehouse
from resources.crosswalk_store import unresolved_prop_names
from resources.loading import import_file, refresh_after_import
from resources.settings import Settings, get_settings
from resources.sources import files as importers

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """An empty state directory."""
    monkeypatch.setenv("NBA_PROPS_HOME", str(tmp_path))
    monkeypatch.setenv("NBA_PROPS_CLOCK", "2025-07-01T12:00:00Z")
    yield get_settings()
    warehouse.dispose_engines()


def table(settings: Settings, name: str) -> pd.DataFrame:
    return warehouse.read_table(settings.resolved_warehouse_url, name)


def test_kyleskom_game_odds_end_to_end(settings: Settings) -> None:
    [report] = import_file(settings, "game-odds", FILES / "kyleskom_game_odds_trimmed.csv")
    src = pd.read_csv(FILES / "kyleskom_game_odds_trimmed.csv")
    # Four rows per game (total, home spread, two moneylines), all good.
    assert (report.rows_loaded, report.rows_quarantined) == (4 * len(src), 0)
    odds = table(settings, "raw_game_odds")
    assert set(odds["bookmaker"]) == {"consensus"}
    pk = odds[(odds["event_id"] == "20190303_MIN_WAS") & (odds["market"] == "spread")]
    assert pk["line"].tolist() == [0.0]  # "PK" (pick'em) is a spread of zero
    # Unsigned spreads (through 2021-22) take the sign of the moneyline favourite.
    first = src.iloc[0]
    home_fav = float(first["ML_Home"]) < float(first["ML_Away"])
    spread = odds[(odds["game_date"] == first["game_date"]) & (odds["market"] == "spread")]
    assert (spread["line"].iloc[0] < 0) == home_fav
    finals = odds[(odds["event_id"] == "20220613_BOS_GSW") & (odds["side"] == "away")]
    assert finals["price"].tolist() == [145.0]  # written "+145\xa0" upstream


def test_slim_box_scores_without_game_id_get_the_schedule_ids(settings: Settings) -> None:
    teams = import_file(settings, "team-logs", FILES / "team_logs_trimmed.csv")
    assert [r.rows_loaded for r in teams] == [8, 4]
    slim = pd.read_csv(FILES / "player_logs_slim_playoffs_trimmed.csv")
    assert "GAME_ID" not in slim.columns and "FG3M" not in slim.columns
    [report] = import_file(settings, "box-scores", FILES / "player_logs_slim_playoffs_trimmed.csv")
    assert (report.rows_loaded, report.rows_quarantined) == (len(slim), 0)
    boxes = table(settings, "raw_player_boxscores")
    schedule = table(settings, "raw_schedule")
    assert set(boxes["game_id"]) == set(schedule["game_id"])
    assert boxes["game_id"].str.fullmatch(r"004\d{7}").all()
    assert set(boxes["season_type"]) == {"Playoffs"}
    assert boxes["fg3m"].isna().all() and boxes["starter"].isna().all()


@pytest.mark.parametrize(
    ("name", "collapsed", "late"),
    [
        ("props_events_trimmed.csv", 0, 4),
        ("props_threes_trimmed.csv", 0, 4),
        ("props_pra_trimmed.csv", 6, 0),
    ],
)
def test_prop_layouts_keep_snapshot_times(
    settings: Settings, name: str, collapsed: int, late: int
) -> None:
    rows = importers.read_props(FILES / name)
    assert rows["captured_at"].notna().all()
    known_tip = rows["commence_time"].notna()
    expected = (rows["commence_time"] - rows["captured_at"]).dt.total_seconds() / 60
    assert rows.loc[known_tip, "minutes_before_tip"].tolist() == pytest.approx(
        expected[known_tip].tolist()
    )
    assert rows.loc[~known_tip, "minutes_before_tip"].isna().all()
    [report] = import_file(settings, "props", FILES / name)
    assert report.rows_collapsed == collapsed
    assert report.by_rule.get("line captured after tip-off", 0) == late
    loaded = table(settings, "raw_prop_lines")
    assert not (loaded["minutes_before_tip"] < 0).any()
    assert len(loaded) == report.rows_loaded


def test_consensus_reads_only_pre_tip_snapshots() -> None:
    rows = importers.read_props(FILES / "props_events_trimmed.csv")
    late = rows[rows["minutes_before_tip"] < 0]
    assert len(late)
    lines = consensus_lines(rows)
    assert (
        not lines["event_id"]
        .isin(set(late["event_id"]) - set(rows[rows["minutes_before_tip"] >= 0]["event_id"]))
        .any()
    )
    # Moving a post-tip snapshot's line cannot change any consensus.
    garbage = rows.copy()
    garbage.loc[late.index, "line"] = 99.5
    pd.testing.assert_frame_equal(consensus_lines(garbage), lines)


def test_crosswalk_tables_and_unresolved_names(settings: Settings) -> None:
    import_file(settings, "team-logs", FILES / "team_logs_trimmed.csv")
    import_file(settings, "box-scores", FILES / "player_logs_2024-25_game_0022400147.csv")
    import_file(settings, "box-scores", FILES / "player_logs_slim_playoffs_trimmed.csv")
    import_file(settings, "props", FILES / "props_pra_trimmed.csv")
    resolution = refresh_after_import(settings, {"props"})
    registry = table(settings, "player_registry")
    assert registry.duplicated(["player_id", "team_abbr"]).sum() == 0
    jv = registry[registry["canonical_name"] == "Jonas Valančiūnas"].iloc[0]
    assert (jv["normalized_name"], jv["team_abbr"]) == ("jonas valanciunas", "WAS")
    assert jv["first_date"] == jv["last_date"] == pd.Timestamp("2024-11-02")

    stored = table(settings, "prop_name_resolution")
    assert len(stored) == len(resolution) > 0
    assert stored.duplicated(["game_date", "player_name"]).sum() == 0
    assert int(stored["n_rows"].sum()) == len(table(settings, "raw_prop_lines"))
    # No box score of these 2023-24 dates is loaded: nothing resolves, "played" is unknown.
    assert set(stored["resolution"]) == {"unresolved"} and stored["played"].isna().all()
    names = unresolved_prop_names(settings)
    assert set(names["player_name"]) == set(stored["player_name"])
    day = stored["game_date"].iloc[0].date()
    assert len(unresolved_prop_names(settings, day)) == (stored["game_date"].dt.date == day).sum()


def test_line_for_a_player_who_did_not_play_resolves() -> None:
    players = importers.read_player_logs(FILES / "player_logs_slim_playoffs_trimmed.csv")
    snapshots = importers.read_props(FILES / "props_events_trimmed.csv").iloc[:1].copy()
    lal = players[players["team_abbr"] == "LAL"].iloc[0]
    # A real LAL player's line on the next day, when no LAL box score exists.
    snapshots = snapshots.assign(
        player_name=lal["player_name"],
        home_team="DEN",
        away_team="LAL",
        game_date=lal["game_date"] + pd.Timedelta(days=1),
    )
    consensus = build_consensus(snapshots, players, None)
    assert consensus["player_id"].tolist() == [lal["player_id"]]


def test_replay_payloads_keep_snapshot_times(settings: Settings, tmp_path: Path) -> None:
    from resources.raw_loader import load_rows
    from resources.sources.replay import ReplaySource, parse_replay_payload

    source = ReplaySource(
        _replay_dir(tmp_path), pd.Timestamp("2024-04-19T23:00:00Z").to_pydatetime()
    )
    [payload] = source.fetch("prop_lines", pd.Timestamp("2024-04-19").date())
    rows = parse_replay_payload(payload)
    expected = importers.read_props(FILES / "props_events_trimmed.csv")
    expected = expected[expected["game_date"] == pd.Timestamp("2024-04-19")]
    assert len(rows) == len(expected) > 0
    report = load_rows(settings, "raw_prop_lines", rows, "replay", None)
    loaded = table(settings, "raw_prop_lines")
    assert len(loaded) == report.rows_loaded
    merged = loaded.merge(expected, on=["bookmaker", "market", "player_name", "line", "over_price"])
    assert len(merged) == len(loaded)
    assert (merged["captured_at_x"] == merged["captured_at_y"]).all()
    assert merged["minutes_before_tip_x"].tolist() == pytest.approx(
        merged["minutes_before_tip_y"].tolist()
    )


def _replay_dir(tmp_path: Path) -> Path:
    """The trimmed fixture files in the ../shared/data layout (gzipped)."""
    import gzip
    import shutil

    data = tmp_path / "data"
    for folder, name in (
        ("team_game_logs", "team_logs_trimmed"),
        ("player_game_logs", "player_logs_slim_playoffs_trimmed"),
        ("props", "props_events_trimmed"),
        ("game_odds", "kyleskom_game_odds_trimmed"),
    ):
        (data / folder).mkdir(parents=True)
        with (
            (FILES / f"{name}.csv").open("rb") as src,
            gzip.open(data / folder / f"{name}.csv.gz", "wb") as dst,
        ):
            shutil.copyfileobj(src, dst)
    return data


def test_replay_keeps_a_final_empty_answer_and_not_an_early_one(tmp_path: Path) -> None:
    """Once every game of the date is over an empty answer is a payload without rows (the raw store
    then records that it was asked); before that it is no payload (ask again later)."""
    from resources.sources.replay import ReplaySource, load_replay_data, parse_replay_payload

    data = _replay_dir(tmp_path)
    schedule = load_replay_data(str(data)).schedule
    day = pd.Timestamp(schedule["game_date"].max())
    last_tip = schedule.loc[schedule["game_date"] == day, "tipoff_utc"].max()
    after = ReplaySource(data, (last_tip + pd.Timedelta(hours=4)).to_pydatetime())
    before = ReplaySource(data, (last_tip - pd.Timedelta(hours=1)).to_pydatetime())
    quiet = date(2000, 1, 1)  # no games, no lines: over long before the clock
    [payload] = after.fetch("prop_lines", quiet)
    assert parse_replay_payload(payload).empty
    [no_boxes] = after.fetch("player_boxscores", quiet)
    assert parse_replay_payload(no_boxes).empty
    assert before.fetch("player_boxscores", day.date()) == []  # games not over: nothing yet
    later = (day + pd.Timedelta(days=400)).date()
    morning = ReplaySource(data, pd.Timestamp(later).tz_localize("UTC") + pd.Timedelta(hours=12))
    assert morning.fetch("prop_lines", later) == []  # that date is not over at the clock
    [boxes] = after.fetch("player_boxscores", day.date())
    assert len(parse_replay_payload(boxes)) > 0
