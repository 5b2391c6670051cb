"""Phases 3-4 on the bundled real data: oracle, same-day, season boundary, trades, coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from contracts.analytics import UpcomingPlayerGameContext
from features.analytics import (
    implied_team_totals,
    player_game_summary,
    upcoming_player_game_context,
)
from features.pipeline import FeatureTables, build_feature_tables, coverage_counts
from features.precompute import EWM_HALFLIFE_GAMES, player_daily_cache, postseason_flags
from resources.sources.replay import ReplayData, load_replay_data
from tests.conftest import REPO

HISTORY_FROM = pd.Timestamp("2023-01-01")
SEASON_START = pd.Timestamp("2023-10-24")  # first game date of 2023-24


@pytest.fixture(scope="module")
def data() -> ReplayData:
    """The bundled real data, box scores from 2023 on."""
    full = load_replay_data(str(REPO / "data"))
    players = full.player_boxscores[full.player_boxscores["game_date"] >= HISTORY_FROM]
    teams = full.team_boxscores[full.team_boxscores["game_date"] >= HISTORY_FROM]
    return ReplayData(full.schedule, players, teams, full.prop_lines, full.game_odds)


@pytest.fixture(scope="module")
def games(data: ReplayData) -> pd.DataFrame:
    """player_game_summary of the slice."""
    return player_game_summary(data.player_boxscores)


def _daily(data: ReplayData, day: pd.Timestamp, as_of: pd.Timestamp | None = None) -> FeatureTables:
    """A one-date run that only sees box scores before the date (the daily / same-day case)."""
    p, t = data.player_boxscores, data.team_boxscores
    return build_feature_tables(
        data.schedule[data.schedule["game_date"] == day],
        p[p["game_date"] < day],
        t[t["game_date"] < day],
        data.prop_lines,
        as_of,
        game_odds=data.game_odds,
    )


def _naive(values: list[float], dates: list[pd.Timestamp], seasons: list[str], day, season):
    """Rolling form of one player at `day` by a plain loop over his games strictly before it."""
    before = [(v, s) for v, d, s in zip(values, dates, seasons, strict=True) if d < day]
    vals = [v for v, _ in before]
    out: dict[str, float] = {}
    for w in (5, 10, 20):
        last = vals[-w:]
        out[f"l{w}"] = sum(last) / len(last) if last else math.nan
    last10 = vals[-10:]
    if len(last10) >= 2:
        m = sum(last10) / len(last10)
        out["std_l10"] = math.sqrt(sum((x - m) ** 2 for x in last10) / (len(last10) - 1))
    else:
        out["std_l10"] = math.nan
    this_season = [v for v, s in before if s == season]
    out["season"] = sum(this_season) / len(this_season) if this_season else math.nan
    alpha = 1 - math.exp(-math.log(2) / EWM_HALFLIFE_GAMES)
    weights = [(1 - alpha) ** k for k in range(len(vals))][::-1]
    out["ewm"] = (
        sum(w * v for w, v in zip(weights, vals, strict=True)) / sum(weights) if vals else math.nan
    )
    out["games_this_season"] = float(len(this_season))
    return out


def test_oracle_loop_matches_vectorised_rolling(games: pd.DataFrame) -> None:
    season = games[games["season"] == "2023-24"]
    counts = season.groupby("player_id").size()
    players = sorted(counts[counts >= 40].index)[:3]
    hist = games[games["player_id"].isin(players)]
    targets = []
    for pid in players:
        own = season[season["player_id"] == pid].sort_values("game_date")
        targets.append(own.head(15)[["player_id", "game_date", "season"]])
    target_frame = pd.concat(targets, ignore_index=True)
    cache = player_daily_cache(hist, target_frame).set_index(["player_id", "game_date"])
    checked = 0
    for row in target_frame.itertuples():
        own = hist[hist["player_id"] == row.player_id].sort_values("game_date")
        for stat in ("minutes", "points", "rebounds", "assists", "threes", "pra"):
            expected = _naive(
                own[stat].tolist(),
                list(own["game_date"]),
                list(own["season"]),
                row.game_date,
                row.season,
            )
            got = cache.loc[(row.player_id, row.game_date)]
            for key in ("l5", "l10", "l20", "std_l10", "season", "ewm"):
                assert got[f"{stat}_{key}"] == pytest.approx(expected[key], nan_ok=True, abs=1e-9)
            assert got["games_this_season"] == expected["games_this_season"]
            checked += 1
    assert checked == 3 * 15 * 6


def test_same_day_without_box_scores(data: ReplayData) -> None:
    day = pd.Timestamp("2024-04-09")
    as_of = pd.Timestamp("2024-04-09 22:00", tz="UTC")  # 18:00 US-Eastern, before tip-off
    tables = _daily(data, day, as_of)
    store = tables.ml_feature_store
    assert len(store) > 0 and set(store["game_date"]) == {day}
    assert store["has_history"].all()
    assert store["has_line"].any()
    assert store.loc[store["has_line"], "line"].notna().all()
    assert (coverage_counts([day], tables)["ratio"] == 1.0).all()


def test_date_without_games_gives_no_rows(data: ReplayData) -> None:
    day = pd.Timestamp("2024-02-16")  # All-Star break: no NBA games
    assert not (data.schedule["game_date"] == day).any()
    tables = _daily(data, day)
    for name in ("upcoming_player_game_context", "player_daily_cache", "ml_feature_store"):
        assert getattr(tables, name).empty, name
    cov = coverage_counts([day], tables)
    assert set(cov["expected"]) == {0} and set(cov["ratio"]) == {1.0}


def test_season_first_game_uses_last_season_with_low_quality(data: ReplayData) -> None:
    tables = _daily(data, SEASON_START)
    store = tables.ml_feature_store
    cache = tables.player_daily_cache
    veterans = cache[cache["games_total"] >= 20]
    assert len(veterans) > 0
    assert veterans["points_l10"].notna().all()  # history from last season
    assert veterans["points_season"].isna().all()  # nothing of this season yet
    assert (veterans["games_this_season"] == 0).all()
    assert veterans["prior_season_only"].all()
    vets = store[store["player_id"].isin(veterans["player_id"])]
    assert (vets["quality_score"] <= 0.35).all()
    assert vets["stat_season"].isna().all()
    # A month in, with 10+ games this season and 20 in the window, quality is full.
    later = _daily(data, pd.Timestamp("2023-12-20")).ml_feature_store
    assert later["quality_score"].max() == 1.0


def test_traded_player_expected_with_new_team_from_next_date(
    data: ReplayData, games: pd.DataFrame
) -> None:
    season = games[games["season"] == "2023-24"].sort_values(["player_id", "game_date"])
    moved = season["team_abbr"] != season.groupby("player_id")["team_abbr"].shift()
    firsts = season[moved & season.duplicated("player_id")]
    trade = firsts.sort_values("game_date").iloc[len(firsts) // 2]
    new_team, debut = trade["team_abbr"], trade["game_date"]
    sched = data.schedule
    new_games = sched[
        ((sched["home_team"] == new_team) | (sched["away_team"] == new_team))
        & (sched["game_date"] > debut)
    ].sort_values("game_date")
    next_day = new_games["game_date"].iloc[0]
    ctx = upcoming_player_game_context(
        sched[sched["game_date"] == next_day], games[games["game_date"] < next_day]
    )
    row = ctx[ctx["player_id"] == trade["player_id"]]
    assert len(row) == 1
    assert row["team_abbr"].iloc[0] == new_team
    assert row["expected_reason"].iloc[0] == "rotation"
    assert not ctx.duplicated(["game_date", "player_id"]).any()


def test_player_with_single_game(data: ReplayData, games: pd.DataFrame) -> None:
    season = games[games["season"] == "2023-24"]
    counts = games.groupby("player_id").size()
    single = season[season["player_id"].isin(counts[counts == 1].index)].iloc[0]
    after = single["game_date"] + pd.Timedelta(days=1)
    targets = pd.DataFrame(
        {"player_id": [single["player_id"]], "game_date": [after], "season": ["2023-24"]}
    )
    row = player_daily_cache(games, targets).iloc[0]
    assert row["points_l5"] == row["points_l20"] == single["points"]
    assert math.isnan(row["points_std_l10"])
    assert row["games_total"] == 1 and row["games_this_season"] == 1
    assert row["points_season"] == single["points"]


def test_prop_line_player_outside_rotation_is_expected(data: ReplayData) -> None:
    ctx = _daily(data, pd.Timestamp("2024-04-10")).upcoming_player_game_context
    assert set(ctx["expected_reason"]) == {"rotation", "prop_line"}
    extra = ctx[ctx["expected_reason"] == "prop_line"]
    line_cols = [c for c in ctx.columns if c.startswith("line_")]
    assert extra[line_cols].notna().any(axis=1).all()
    assert (extra["days_rest"] > 0).all()
    assert ctx["team_pace"].notna().all() and ctx["opp_pace"].notna().all()
    UpcomingPlayerGameContext.validate(ctx)


def test_implied_team_totals_from_real_odds(data: ReplayData) -> None:
    day = pd.Timestamp("2025-12-01")
    sched = data.schedule[data.schedule["game_date"] == day]
    totals = implied_team_totals(data.game_odds, sched)
    assert len(totals) == 2 * len(sched)
    t = totals.set_index("team_abbr")
    home, away = t.loc[sched["home_team"]], t.loc[sched["away_team"]]
    both = home["implied_team_total"].to_numpy() + away["implied_team_total"].to_numpy()
    assert np.allclose(both, home["game_total"].to_numpy())
    assert np.allclose(home["team_spread"].to_numpy(), -away["team_spread"].to_numpy())
    favourite = home["team_spread"].to_numpy() < 0
    assert (home["implied_team_total"].to_numpy()[favourite] > both[favourite] / 2).all()
    # Only snapshots captured before as_of count: before the first capture there is nothing.
    first = data.game_odds.loc[data.game_odds["game_date"] == day, "captured_at"].min()
    assert implied_team_totals(data.game_odds, sched, first).empty


def test_coverage_counts_only_real_rows_and_drops_without_history(data: ReplayData) -> None:
    day = pd.Timestamp("2024-03-06")
    tables = _daily(data, day)
    full = coverage_counts([day], tables).set_index("table_name")
    assert set(full.index) == {
        "player_daily_cache",
        "team_defense_summary",
        "player_composite_factors",
        "ml_feature_store",
    }
    assert (full["ratio"] == 1.0).all()
    # A team whose history is gone: its defence rows are all NaN and stop counting.
    team = tables.upcoming_player_game_context["team_abbr"].iloc[0]
    p, t = data.player_boxscores, data.team_boxscores
    p = p[(p["game_date"] < day) & (p["team_abbr"] != team) & (p["opponent_abbr"] != team)]
    t = t[(t["game_date"] < day) & (t["team_abbr"] != team) & (t["opponent_abbr"] != team)]
    sched = data.schedule[data.schedule["game_date"] == day]
    without = build_feature_tables(sched, p, t, data.prop_lines.iloc[0:0], None)
    cov = coverage_counts([day], without).set_index("table_name")
    teams = full.loc["team_defense_summary", "expected"]
    assert cov.loc["team_defense_summary", "actual"] == teams - 1
    # A player row whose features are all NaN does not count either.
    cache = tables.player_daily_cache.copy()
    value_cols = [c for c in cache.columns if c.endswith(("_l5", "_l10", "_l20"))]
    cache.loc[cache.index[:5], value_cols] = np.nan
    blanked = FeatureTables(**{**tables.__dict__, "player_daily_cache": cache})
    cov = coverage_counts([day], blanked).set_index("table_name")
    expected = full.loc["player_daily_cache", "expected"]
    assert cov.loc["player_daily_cache", "actual"] == expected - 5


def test_postseason_flag_comes_from_the_schedule(data: ReplayData) -> None:
    """Play-in and playoff games read 1, regular-season games 0, on real 2024 dates."""
    regular = _daily(data, pd.Timestamp("2024-04-14")).ml_feature_store
    play_in = _daily(data, pd.Timestamp("2024-04-16")).ml_feature_store
    playoffs = _daily(data, pd.Timestamp("2024-04-20")).ml_feature_store
    assert len(regular) and len(play_in) and len(playoffs)
    assert set(regular["postseason"]) == {0.0}
    assert set(play_in["postseason"]) == {1.0}
    assert set(playoffs["postseason"]) == {1.0}


def test_postseason_flag_is_missing_when_the_schedule_lacks_season_type() -> None:
    """A schedule row without a season type gives NaN (unknown), not 0."""
    schedule = pd.DataFrame(
        {
            "game_id": ["a", "b", "c", "d"],
            "season_type": ["Playoffs", "PlayIn", "Regular Season", None],
        }
    )
    flags = postseason_flags(schedule)
    assert flags["a"] == 1.0 and flags["b"] == 1.0 and flags["c"] == 0.0
    assert math.isnan(flags["d"])


def test_store_carries_the_teams_spread_without_a_total(data: ReplayData) -> None:
    """2023-24 odds have spreads only: the store gets each team's spread (opposite for the two
    teams of a game) and no implied total, so the models still see blowout risk."""
    day = pd.Timestamp("2024-03-11")
    store = _daily(data, day).ml_feature_store
    points = store[store["market"] == "points"]
    per_team = points.groupby(["game_id", "team_abbr"])["team_spread"].first().dropna()
    assert len(per_team) >= 2
    by_game = per_team.groupby(level="game_id")
    assert (by_game.size() == 2).all()
    assert np.allclose(by_game.sum().to_numpy(), 0.0)
    assert points["implied_team_total"].isna().all()
