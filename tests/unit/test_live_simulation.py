"""Live simulation: monotone in time, exact at the end, statuses and clock."""

from __future__ import annotations

import pandas as pd

from features.live_simulation import LIVE_BOX_COLUMNS, LIVE_GAME_COLUMNS, simulate_live_box
from tests.unit import phx_lac_2024_04_10 as game

STATS = ["minutes", "points", "rebounds", "assists", "threes", "pra"]


def _at(minutes_after_tip: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    now = game.TIPOFF + pd.Timedelta(minutes=minutes_after_tip)
    return simulate_live_box(game.box_scores(), game.TIPOFF, now)


def test_before_tip_everything_is_zero_and_scheduled() -> None:
    games, box = _at(-30)
    assert list(games.columns) == LIVE_GAME_COLUMNS and list(box.columns) == LIVE_BOX_COLUMNS
    g = games.iloc[0]
    assert (g["game_status"], g["period"], g["status_text"]) == (1, 0, "Scheduled")
    assert (g["home_team"], g["away_team"]) == ("LAC", "PHX")
    assert (box[STATS].to_numpy() == 0).all() and not box["played"].any()
    assert bool(g["simulated"])


def test_monotone_in_time() -> None:
    previous = None
    for minutes in range(-10, 150, 5):
        games, box = _at(minutes)
        current = box.set_index("player_id")[STATS]
        if previous is not None:
            assert (current >= previous).all().all()
        previous = current
        assert (box[STATS[:5]] == box[STATS[:5]].round()).all().all()


def test_equals_the_final_box_at_the_end() -> None:
    final = game.box_scores().set_index("player_id").sort_index()
    for minutes in (135, 300):
        games, box = _at(minutes)
        live = box.set_index("player_id").sort_index()
        pd.testing.assert_frame_equal(live[STATS], final[STATS])
        g = games.iloc[0]
        assert (g["game_status"], g["status_text"], g["period"], g["game_clock"]) == (
            3,
            "Final",
            4,
            "0:00",
        )
        # Scores of the players in the fixture (a subset of both rosters).
        assert g["away_score"] == final.loc[final["team_abbr"] == "PHX", "points"].sum()
        assert g["home_score"] == final.loc[final["team_abbr"] == "LAC", "points"].sum()
        assert box["played"].all()


def test_in_progress_period_and_clock() -> None:
    games, box = _at(67.5)  # half of 2h15m: end of the second quarter
    g = games.iloc[0]
    assert g["game_status"] == 2
    assert (g["period"], g["game_clock"]) == (3, "12:00")
    assert g["status_text"] == "Q3 12:00"
    booker = box[box["player_id"] == "1626164"].iloc[0]
    assert booker["points"] == 18.0  # floor(37 / 2)
    assert booker["pra"] == booker["points"] + booker["rebounds"] + booker["assists"]
    games, _ = _at(135 * 0.1)
    assert (games.iloc[0]["period"], games.iloc[0]["game_clock"]) == (1, "7:12")


def test_missing_threes_stay_missing() -> None:
    final = game.box_scores()
    final["threes"] = float("nan")
    _, box = simulate_live_box(final, game.TIPOFF, game.TIPOFF + pd.Timedelta(hours=1))
    assert box["threes"].isna().all()


def test_several_games_with_a_tipoff_mapping() -> None:
    other = game.box_scores().assign(game_id="X")
    both = pd.concat([game.box_scores(), other])
    tips = {game.GAME_ID: game.TIPOFF, "X": game.TIPOFF + pd.Timedelta(hours=3)}
    games, _ = simulate_live_box(both, tips, game.TIPOFF + pd.Timedelta(hours=2))
    assert games.set_index("game_id")["game_status"].to_dict() == {game.GAME_ID: 2, "X": 1}
