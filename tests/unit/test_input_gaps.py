"""Why a backtest is empty: the missing table, its dates and the command that fills it, as one line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from resources import warehouse
from resources.input_gaps import (
    EmptyInputError,
    WindowInputs,
    describe_dates,
    require_joinable_dates,
)
from resources.settings import Settings, get_settings

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad_input"
DAY = date(2023, 10, 28)  # the games of the corpus' real box-score rows


def days(*texts: str) -> frozenset[pd.Timestamp]:
    return frozenset(pd.Timestamp(t) for t in texts)


def inputs(
    schedule: frozenset[pd.Timestamp],
    boxes: frozenset[pd.Timestamp],
    lines: frozenset[pd.Timestamp],
) -> WindowInputs:
    return WindowInputs(date(2024, 3, 1), date(2024, 3, 31), ("points",), schedule, boxes, lines)


def test_dates_are_listed_or_summarised() -> None:
    assert describe_dates(days("2024-03-05", "2024-03-02")) == "2024-03-02, 2024-03-05"
    many = days(*(f"2024-03-{d:02d}" for d in range(1, 11)))
    assert describe_dates(many) == "10 dates, 2024-03-01..2024-03-10"


def test_box_scores_without_a_schedule_name_the_schedule_and_its_fill() -> None:
    gaps = inputs(days(), days("2024-03-02", "2024-03-03"), days("2024-03-02")).gaps()
    [schedule] = gaps
    assert schedule.startswith("raw_schedule lacks the games of 2024-03-02, 2024-03-03")
    assert "nba-props import team-logs FILE" in schedule


def test_each_missing_table_is_named() -> None:
    gaps = inputs(days("2024-03-02", "2024-03-04"), days("2024-03-02"), days()).gaps()
    assert gaps[0].startswith("raw_player_boxscores has no rows for 2024-03-04")
    assert gaps[1].startswith(
        "raw_prop_lines has no points lines on the game dates of 2024-03-01..2024-03-31"
    )
    assert "nba-props import props FILE" in gaps[1]
    nothing = inputs(days(), days(), days()).gaps()
    assert nothing == [
        "raw_schedule and raw_player_boxscores hold no games in 2024-03-01..2024-03-31: fill them "
        "with `nba-props import all DIR` (`nba-props import box-scores FILE`)"
    ]


def test_complete_inputs_that_still_give_nothing_say_the_lines_did_not_join() -> None:
    full = inputs(days("2024-03-02"), days("2024-03-02"), days("2024-03-02"))
    assert full.gaps() == [] and full.joinable == days("2024-03-02")
    assert "no line joined a player's game" in full.explain("backtest")


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NBA_PROPS_HOME", str(tmp_path / "home"))
        mp.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
        yield get_settings()
        warehouse.dispose_engines()


def load_box_scores_only(settings: Settings) -> None:
    """Box scores loaded the way they were before the schedule was derived from them."""
    from resources.raw_loader import load_rows
    from resources.sources.files import read_player_logs

    rows = read_player_logs(CORPUS / "box-scores" / "good.csv")
    load_rows(settings, "raw_player_boxscores", rows, "file:good.csv", None)


def test_require_joinable_dates_reads_the_warehouse(settings: Settings) -> None:
    load_box_scores_only(settings)
    with pytest.raises(EmptyInputError) as caught:
        require_joinable_dates(settings, DAY, DAY, ["points"], "backtest")
    message = str(caught.value)
    assert message.startswith("backtest: raw_schedule lacks the games of 2023-10-28")
    assert "raw_prop_lines has no points lines" in message


def test_backtest_cli_exits_non_zero_naming_the_missing_schedule(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    load_box_scores_only(settings)
    argv = [
        "nba-props",
        "backtest",
        "--market",
        "points",
        "--start",
        "2023-10-28",
        "--end",
        "2023-10-28",
    ]
    saved, sys.argv = sys.argv, argv
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = saved
    assert exited.value.code == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err and out.out == ""
    [line] = out.err.splitlines()
    assert line.startswith("error: backtest 2023-10-28..2023-10-28 has no player-game to evaluate:")
    assert "raw_schedule lacks the games of 2023-10-28" in line
    assert "nba-props import team-logs FILE" in line and "nba-props import props FILE" in line


def test_lines_that_join_no_player_game_make_the_backtest_say_so(
    settings: Settings, tmp_path: Path
) -> None:
    from resources.loading import import_file
    from tasks.backtest import run_backtest

    import_file(settings, "box-scores", CORPUS / "box-scores" / "good.csv")  # schedule derived
    props = tmp_path / "props.csv"
    props.write_text(
        "event_id,commence_time,home_team,away_team,bookmaker,market,market_last_update,"
        "player,line,over_price,under_price\n"
        "e1,2023-10-28T23:00:00Z,Cleveland Cavaliers,Indiana Pacers,draftkings,player_points,"
        "2023-10-28T20:00:00Z,Nobody Atall,10.5,-110,-110\n"
    )
    import_file(settings, "props", props)
    with pytest.raises(EmptyInputError) as caught:
        run_backtest.fn(settings, ["points"], DAY, DAY, train_start=date(2023, 10, 1))
    message = str(caught.value)
    assert message.startswith("backtest 2023-10-28..2023-10-28 has no player-game to evaluate: ")
    assert "2023-10-28 have games, box scores and points lines, but no line joined" in message


def test_unscheduled_dates_are_named_with_the_commands_that_fill_them() -> None:
    from resources.input_gaps import unscheduled_note

    days_ = [date(2024, 3, d) for d in range(1, 6)]
    assert unscheduled_note(days_, days_, "replay") is None
    note = unscheduled_note(days_, [date(2024, 3, 2)], "live")
    assert note is not None
    assert note.startswith(
        "raw_schedule has no games on 4 dates, 2024-03-01..2024-03-05 of 5 date(s) "
        "(none there, and the 'live' source gave none)"
    )
    assert "`nba-props import all DIR`" in note and "`nba-props import team-logs FILE`" in note


def test_training_needs_dates_with_both_a_schedule_and_box_scores(settings: Settings) -> None:
    from resources.input_gaps import require_training_games

    load_box_scores_only(settings)  # box scores of DAY, no schedule row
    with pytest.raises(EmptyInputError) as caught:
        require_training_games(settings, DAY, date(2023, 10, 29))
    assert str(caught.value) == (
        "no games to train on from 2023-10-28 to before 2023-10-29: raw_schedule lacks the games "
        "of 2023-10-28 that have box scores: fill it with `nba-props import team-logs FILE`, or "
        "`nba-props import box-scores FILE` (the schedule is derived from MATCHUP where no team "
        "logs cover a game)"
    )
