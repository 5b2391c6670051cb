"""Which absences moved a prediction: counterfactual report features on a tiny league.

BOS played 12 games before D (every other day): p1 40 minutes, p2 30, p3 20, p4 10 a game. The
"model" is a stand-in linear function of the report features (the real champion runs in the flow
test), so each expected move can be worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.availability import REPORT_FEATURES, player_availability
from models.availability_effects import (
    ALL_ABSENCES,
    AS_PUBLISHED,
    absences,
    availability_moves,
    counterfactual_rows,
    explain_line,
    largest_move,
)

D = pd.Timestamp("2024-03-30")
TIP = pd.Timestamp("2024-03-30 23:30", tz="UTC")  # 7:30 pm ET
MORNING = pd.Timestamp("2024-03-30 14:00", tz="UTC")  # 10 am ET
MINUTES = {"p1": 40.0, "p2": 30.0, "p3": 20.0, "p4": 10.0}
NAMES = {"p1": "Ann One", "p2": "Bo Two", "p3": "Cy Three", "p4": "Di Four"}


def _games() -> pd.DataFrame:
    rows = [
        {
            "game_id": f"g{g}",
            "game_date": D - pd.Timedelta(days=2 * (12 - g)),
            "player_id": p,
            "player_name": NAMES[p],
            "team_abbr": "BOS",
            "minutes": m,
            "fga": m / 2,
            "fta": 0.0,
        }
        for g in range(12)
        for p, m in MINUTES.items()
    ]
    return pd.DataFrame(rows)


def _report(player: str, status: str, published: str) -> dict[str, object]:
    return {
        "report_time": pd.Timestamp(published, tz="UTC"),
        "game_date": D,
        "tipoff_utc": TIP,
        "home_team": "BOS",
        "away_team": "NYK",
        "team_abbr": "BOS",
        "player_name": player,
        "player_id": player,
        "status": status,
        "reason": "Injury",
        "source": "test",
    }


def _store(reports: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Feature-store rows (points) of the four players with the report features at `as_of`."""
    targets = pd.DataFrame(
        {
            "game_date": [D] * 4,
            "player_id": list(MINUTES),
            "player_name": [NAMES[p] for p in MINUTES],
            "team_abbr": ["BOS"] * 4,
            "opponent_abbr": ["NYK"] * 4,
            "game_id": ["g12"] * 4,
        }
    )
    lines = pd.DataFrame(columns=["game_date", "player_id", "market", "line"])
    features = player_availability(targets, _games(), reports, lines, as_of)
    return targets.merge(features[["game_date", "player_id", *REPORT_FEATURES]]).assign(
        market="points", line=np.nan
    )


def _stand_in_mean(rows: pd.DataFrame) -> pd.Series:
    """A stand-in model: 10 points + 0.25 per vacated minute (not the champion)."""
    return 10.0 + 0.25 * rows["vacated_minutes"].fillna(0.0)


FIVE_PM = pd.DataFrame(
    [
        _report("p1", "Out", "2024-03-30 21:00"),  # 5 pm ET
        _report("p2", "Doubtful", "2024-03-30 21:00"),
        _report("p4", "Questionable", "2024-03-30 21:00"),
    ]
)


def _moves(reports: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    rows = counterfactual_rows(_store(reports, as_of), _games(), reports, as_of)
    return availability_moves(rows, _stand_in_mean(rows))


def test_each_absence_moves_by_its_vacated_minutes() -> None:
    moves = _moves(FIVE_PM, None)
    p3 = moves[moves["player_id"] == "p3"].set_index("scenario")
    # p1 (40 min) and p2 (30 min) absent: published 10 + 0.25 * 70 = 27.5.
    assert p3["published_mean"].unique() == pytest.approx([27.5])
    assert p3.loc["p1", "move"] == pytest.approx(10.0)
    assert p3.loc["p2", "move"] == pytest.approx(7.5)
    assert p3.loc[ALL_ABSENCES, "move"] == pytest.approx(17.5)
    # Absent players themselves are not explained; a Questionable teammate vacates nothing.
    assert set(moves["player_id"]) == {"p3", "p4"}
    assert set(moves["scenario"]) == {"p1", "p2", ALL_ABSENCES}


def test_without_the_absence_the_team_stays_covered_not_unknown() -> None:
    rows = counterfactual_rows(_store(FIVE_PM, None), _games(), FIVE_PM, None)
    without_all = rows[(rows["scenario"] == ALL_ABSENCES) & (rows["player_id"] == "p3")]
    # Listed Available, not dropped: "nobody out" (0), never "no report" (NaN).
    assert without_all["vacated_minutes"].tolist() == [0.0]
    assert without_all["starters_out"].tolist() == [0.0]


def test_a_report_after_the_morning_as_of_moves_nothing_in_the_morning() -> None:
    morning_view = pd.DataFrame([_report("p1", "Questionable", "2024-03-29 21:00")])
    later = pd.concat([morning_view, FIVE_PM], ignore_index=True)
    # As of the morning the 5 pm report does not exist: no absence, no move, same features.
    assert _moves(later, MORNING).empty
    pd.testing.assert_frame_equal(_store(morning_view, MORNING), _store(later, MORNING))
    # As of the pre-tip run it does: p1 Out moves p3's prediction.
    pre_tip = _moves(later, pd.Timestamp("2024-03-30 21:40", tz="UTC"))
    assert pre_tip.loc[pre_tip["scenario"] == "p1", "move"].iloc[0] == pytest.approx(10.0)


def test_rows_computed_at_another_clock_are_not_explained() -> None:
    # Stored features from the morning view, explained as of the pre-tip: they differ, left out.
    morning_store = _store(pd.DataFrame([_report("p1", "Questionable", "2024-03-29 21:00")]), None)
    assert counterfactual_rows(morning_store, _games(), FIVE_PM, None).empty


def test_the_line_names_each_teammate_and_the_total() -> None:
    moves = _moves(FIVE_PM, None)
    who = absences(FIVE_PM, _games(), None)
    assert [(a.player_name, a.status) for a in who] == [("Ann One", "Out"), ("Bo Two", "Doubtful")]
    line = explain_line(moves, "p3", "points", who)
    assert (
        line
        == "Cy Three points 27.5 (+17.5 from absences: Ann One Out (+10.0), Bo Two Doubtful (+7.5))"
    )


def test_teammates_who_barely_moved_it_are_counted_not_named() -> None:
    deep_bench = pd.DataFrame(
        [*FIVE_PM.to_dict("records"), _report("p5", "Out", "2024-03-30 21:00")]
    )
    moves = _moves(deep_bench, None)  # p5 never played for BOS: he vacates nothing
    who = absences(deep_bench, _games(), None)
    assert explain_line(moves, "p3", "points", who).endswith(
        "Bo Two Doubtful (+7.5), 1 more listed, each under 0.05)"
    )


def test_the_demo_player_is_the_largest_absolute_move() -> None:
    moves = _moves(FIVE_PM, None)
    top = largest_move(moves, "points")
    assert top is not None and top["scenario"] == ALL_ABSENCES
    # p3 and p4 moved equally (+17.5): the tie goes to the lower id.
    assert top["player_id"] == "p3"
    assert largest_move(moves, "rebounds") is None


def test_single_absence_is_its_own_total() -> None:
    one = FIVE_PM.iloc[[0]]
    moves = _moves(one, None)
    assert ALL_ABSENCES not in set(moves["scenario"])
    top = largest_move(moves, "points")
    assert top is not None and top["move"] == pytest.approx(10.0)
    assert AS_PUBLISHED not in set(moves["scenario"])
