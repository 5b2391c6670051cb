"""Availability features on a tiny league: point in time, missing not zero, vacated minutes, lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.availability import (
    AVAILABILITY_FEATURES,
    REPORT_FEATURES,
    attach_availability,
    player_availability,
)

D = pd.Timestamp("2024-03-30")
TIP = pd.Timestamp("2024-03-30 23:30", tz="UTC")  # 7:30 pm ET


def _games() -> pd.DataFrame:
    """BOS: 12 games every other day before D; p1 40 min, p2 30 min (missed the last 2), p3 20 min."""
    rows = []
    for g in range(12):
        day = D - pd.Timedelta(days=2 * (12 - g))
        for player, minutes in (("p1", 40.0), ("p2", 30.0), ("p3", 20.0)):
            if player == "p2" and g >= 10:
                continue
            rows.append(
                {
                    "game_id": f"g{g}",
                    "game_date": day,
                    "player_id": player,
                    "team_abbr": "BOS",
                    "minutes": minutes,
                    "fga": minutes / 2,
                    "fta": 0.0,
                }
            )
    return pd.DataFrame(rows)


TARGETS = pd.DataFrame(
    {
        "game_date": [D] * 3,
        "player_id": ["p1", "p2", "p3"],
        "team_abbr": ["BOS"] * 3,
        "opponent_abbr": ["NYK"] * 3,
        "game_id": ["g12"] * 3,
    }
)


def _report(status: str, published: str, player: str = "p1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report_time": [pd.Timestamp(published, tz="UTC")],
            "game_date": [D],
            "tipoff_utc": [TIP],
            "home_team": ["BOS"],
            "away_team": ["NYK"],
            "team_abbr": ["BOS"],
            "player_name": [player],
            "player_id": [player],
            "status": [status],
            "reason": ["Rest"],
            "source": ["test"],
        }
    )


NO_LINES = pd.DataFrame(columns=["game_date", "player_id", "market", "line"])


def _features(reports: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    out = player_availability(TARGETS, _games(), reports, NO_LINES, as_of)
    return out.set_index("player_id").sort_index()


def test_without_reports_report_features_are_missing_not_zero() -> None:
    out = _features(pd.DataFrame())
    assert out[list(REPORT_FEATURES)].isna().all().all()
    # Rest features need box scores only: p2 missed BOS's last two games.
    assert out.loc["p2", "games_missed_in_row"] == 2 and out.loc["p1", "games_missed_in_row"] == 0
    assert out.loc["p2", "days_since_last_game"] == 6 and out.loc["p1", "days_since_last_game"] == 2


def test_out_player_vacates_his_recent_minutes_for_teammates() -> None:
    out = _features(_report("Out", "2024-03-29 21:00"))
    # p1 averaged 40 minutes over BOS's last 10 games: vacated for p2 and p3, not for himself.
    assert out.loc["p3", "vacated_minutes"] == pytest.approx(40.0)
    assert out.loc["p3", "starters_out"] == 1 and out.loc["p1", "vacated_minutes"] == 0
    assert out.loc["p1", "injury_status"] == 4 and out.loc["p3", "injury_status"] == 0
    # NYK filed no report for the game: its side is unknown, not zero.
    assert np.isnan(out.loc["p3", "opp_vacated_minutes"])


def test_a_report_published_after_as_of_or_tip_off_changes_nothing() -> None:
    before = _report("Questionable", "2024-03-29 21:00")
    baseline = _features(before, as_of=pd.Timestamp("2024-03-30 14:00", tz="UTC"))
    late = pd.concat(
        [
            before,
            _report("Out", "2024-03-30 21:00"),  # after the as-of time
            _report("Out", "2024-03-31 00:00", player="p3"),  # after tip-off
        ],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(
        baseline, _features(late, as_of=pd.Timestamp("2024-03-30 14:00", tz="UTC"))
    )
    # Without an as-of (a run just before the games) the 5 pm report counts; after tip never does.
    pre_tip = _features(late)
    assert pre_tip.loc["p1", "injury_status"] == 4 and pre_tip.loc["p3", "injury_status"] == 0


def test_teammate_who_usually_has_a_line_and_has_none_today() -> None:
    games = _games()
    line_dates = sorted(games["game_date"].unique())[-6:]
    rows = [
        {"game_date": day, "player_id": p, "market": "points", "line": line}
        for day in line_dates
        for p, line in (("p1", 25.5), ("p2", 15.5), ("p3", 8.5))
        if not (p == "p2" and day >= line_dates[-2])  # p2 out lately: no line
    ]
    today = [
        {"game_date": D, "player_id": "p1", "market": "points", "line": 27.5},
        {"game_date": D, "player_id": "p3", "market": "points", "line": 10.5},
    ]
    lines = pd.DataFrame(rows + today)
    out = player_availability(TARGETS, games, pd.DataFrame(), lines, None).set_index("player_id")
    # p2 had a line on 4 of BOS's last 5 line dates and has none today.
    assert out.loc["p1", "missing_line_teammates"] == 1
    assert out.loc["p1", "missing_line_minutes"] == pytest.approx(30.0 * 8 / 10)
    # p3's teammates' lines today against their recent lines: p1 27.5 - 25.5.
    assert out.loc["p3", "teammate_line_shift_points"] == pytest.approx(2.0)
    assert out.loc["p1", "teammate_line_shift_points"] == pytest.approx(2.0)
    # A later line cannot change today's features.
    later = pd.concat(
        [
            lines,
            pd.DataFrame(
                [
                    {
                        "game_date": D + pd.Timedelta(days=1),
                        "player_id": "p2",
                        "market": "points",
                        "line": 40.5,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    again = player_availability(TARGETS, games, pd.DataFrame(), later, None).set_index("player_id")
    pd.testing.assert_frame_equal(out, again)
    store = pd.DataFrame(
        {"game_date": [D, D], "player_id": ["p3", "p3"], "market": ["points", "pra"]}
    )
    attached = attach_availability(store, out.reset_index())
    assert set(AVAILABILITY_FEATURES) <= set(attached.columns)
    assert attached["teammate_line_shift"].tolist()[0] == pytest.approx(2.0)
    assert np.isnan(attached["teammate_line_shift"].tolist()[1])
