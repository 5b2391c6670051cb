"""The file readers (resources/sources/files.py) on real rows: mapping quirks, and every file they refuse."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from resources.sources import files as importers
from resources.sources.base import InputFileError, SourceError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = FIXTURES / "files"
CORPUS = FIXTURES / "bad_input"
READERS: dict[str, Callable[[Path], Any]] = {
    "box-scores": importers.read_player_logs,
    "team-logs": importers.read_team_logs,
    "props": importers.read_props,
    "game-odds": importers.read_game_odds,
}


def rows_of(kind: str, path: Path) -> pd.DataFrame:
    out = READERS[kind](path)
    rows: pd.DataFrame = out[0] if isinstance(out, tuple) else out
    return rows


def refused(kind: str, path: Path) -> InputFileError:
    with pytest.raises(InputFileError) as caught:
        READERS[kind](path)
    error = caught.value
    assert isinstance(error, SourceError)  # the CLI prints SourceErrors as one line
    assert str(path) in str(error) and "\n" not in str(error)
    return error


def test_derived_game_key_is_stable_without_a_schedule() -> None:
    rows = importers.read_player_logs(FILES / "player_logs_slim_playoffs_trimmed.csv")
    again = importers.read_player_logs(FILES / "player_logs_slim_playoffs_trimmed.csv")
    assert rows["game_id"].tolist() == again["game_id"].tolist()
    assert rows["game_id"].nunique() == 4
    lal = rows[rows["team_abbr"] == "LAL"]["game_id"].unique().tolist()
    assert lal == ["20240420_LAL_DEN"]  # date, away, home: both teams' rows share it


def test_matchup_written_from_the_opponents_side_is_repaired() -> None:
    rows = importers.read_player_logs(FILES / "player_logs_2024-25_game_0022400147.csv")
    raw = pd.read_csv(FILES / "player_logs_2024-25_game_0022400147.csv")
    assert (raw["MATCHUP"] == "MIA @ WAS").all()  # upstream: the WAS rows carry MIA's matchup
    was = rows[rows["team_abbr"] == "WAS"]
    mia = rows[rows["team_abbr"] == "MIA"]
    assert len(was) and len(mia)
    assert set(was["opponent_abbr"]) == {"MIA"} and was["is_home"].all()
    assert set(mia["opponent_abbr"]) == {"WAS"} and not mia["is_home"].any()


def test_threes_snapshot_time_falls_back_to_the_pull_time() -> None:
    rows = importers.read_props(FILES / "props_threes_trimmed.csv")
    # No update time in these rows: the upstream pull at 20:00 UTC of the slate date.
    assert set(rows["captured_at"]) == {pd.Timestamp("2024-10-27T20:00:00Z")}
    late = rows[rows["minutes_before_tip"] < 0]
    assert set(late["commence_time"]) == {pd.Timestamp("2024-10-27T19:40:00Z")}


def test_schedule_derived_from_player_rows_is_the_team_log_schedule() -> None:
    teams, _ = importers.read_team_logs(FILES / "team_logs_trimmed.csv")
    from_teams = importers.schedule_from_team_rows(teams, source="teams")
    players = importers.read_player_logs(FILES / "player_logs_slim_playoffs_trimmed.csv")
    players = importers.canonical_game_ids(players, from_teams)
    derived = importers.schedule_from_player_rows(players, source="derived")
    columns = ["game_id", "game_date", "season", "season_type", "home_team", "away_team"]
    expected = from_teams[columns].sort_values("game_id").reset_index(drop=True)
    got = derived[columns].sort_values("game_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert set(derived["source"]) == {"derived"} and derived["tipoff_utc"].isna().all()


def test_derived_schedule_takes_the_majority_reading_of_a_game() -> None:
    rows = importers.read_player_logs(FILES / "player_logs_2024-25_game_0022400147.csv")
    # One row read from the other side (what the MATCHUP repair undoes) does not flip the game.
    flipped = rows.copy()
    flipped.loc[flipped.index[0], "is_home"] = not bool(flipped["is_home"].iloc[0])
    [game] = importers.schedule_from_player_rows(flipped, source="derived").itertuples()
    assert (game.game_id, game.home_team, game.away_team) == ("0022400147", "WAS", "MIA")


@pytest.mark.parametrize("kind", sorted(READERS))
def test_good_corpus_files_read(kind: str) -> None:
    rows = rows_of(kind, CORPUS / kind / "good.csv")
    assert len(rows) and rows["game_date"].notna().all()


@pytest.mark.parametrize("kind", sorted(READERS))
def test_a_gzip_copy_reads_like_the_plain_file(kind: str, tmp_path: Path) -> None:
    packed = tmp_path / "good.csv.gz"
    packed.write_bytes(gzip.compress((CORPUS / kind / "good.csv").read_bytes()))
    pd.testing.assert_frame_equal(
        rows_of(kind, packed).drop(columns="source"),
        rows_of(kind, CORPUS / kind / "good.csv").drop(columns="source"),
    )


@pytest.mark.parametrize("kind", sorted(READERS))
def test_some_bad_dates_leave_rows_for_the_contracts(kind: str) -> None:
    rows = rows_of(kind, CORPUS / kind / "some_dates.csv")
    good = rows_of(kind, CORPUS / kind / "good.csv")
    # Every third row's date is an Excel serial number: those rows stay, undated, for quarantine.
    assert len(rows) == len(good)
    assert rows["game_date"].isna().sum() == len(range(0, len(good), 3))


# class -> words the message must contain (besides the path), per kind where they differ
EXPECTED_WORDS: dict[str, dict[str, list[str]]] = {
    "schema_change": {
        "box-scores": ["missing columns GAME_DATE, MATCHUP"],
        "team-logs": ["missing columns MATCHUP, TEAM_ABBREVIATION"],
        "props": ["missing columns market_last_update, player"],
        "game-odds": ["missing columns odds, team"],
    },
    "other_kind": {
        "box-scores": ["missing columns PLAYER_ID, PLAYER_NAME"],
        "team-logs": ["PLAYER_ID, PLAYER_NAME", "a player game log"],
        "props": ["missing columns", "player"],
        "game-odds": ["missing columns", "odds"],
    },
    "html": {"*": ["an HTML page"]},
    "json": {"*": ["JSON, not a CSV"]},
    "zip": {"*": ["a ZIP archive"]},
    "empty": {"*": ["an empty file"]},
    "header_only": {"*": ["only a header line"]},
    "truncated_gzip": {"*": ["truncated or corrupt gzip", "ended before"]},
    "corrupt_gzip": {"*": ["truncated or corrupt gzip"]},
    "encoding": {
        "box-scores": ["UTF-8", "not UTF-8", "line 14"],
        "team-logs": ["UTF-8", "UTF-16"],
        "props": ["UTF-8", "not UTF-8", "line 14"],
        "game-odds": ["UTF-8", "UTF-16"],
    },
    "semicolons": {"*": ["comma-separated", "semicolons"]},
    "ragged": {"*": ["malformed CSV", "line 4"]},
    "dates": {"*": ["dates in", "no date that parses", "(e.g. '4"]},
}
CASES = [
    (kind, name, words)
    for name, by_kind in EXPECTED_WORDS.items()
    for kind in sorted(READERS)
    for words in [by_kind.get(kind, by_kind.get("*", []))]
]


@pytest.mark.parametrize(("kind", "name", "words"), CASES, ids=[f"{k}-{n}" for k, n, _ in CASES])
def test_every_bad_file_is_refused_with_what_was_expected_and_found(
    kind: str, name: str, words: list[str]
) -> None:
    [path] = (CORPUS / kind).glob(f"{name}.csv*")
    error = refused(kind, path)
    assert error.path == path
    assert error.expected.startswith(
        {
            "box-scores": importers.PLAYER_LOGS,
            "team-logs": importers.TEAM_LOGS,
            "props": importers.PROPS,
            "game-odds": importers.GAME_ODDS,
        }[kind]
    )
    for word in words:
        assert word in str(error), (word, str(error))


def test_every_corpus_file_has_a_case() -> None:
    names = {p.name.split(".")[0] for kind in READERS for p in (CORPUS / kind).iterdir()}
    assert names == set(EXPECTED_WORDS) | {"good", "some_dates"}


def test_dates_written_as_numbers_are_not_read_as_1970(tmp_path: Path) -> None:
    good = pd.read_csv(CORPUS / "box-scores" / "good.csv", dtype=str)
    compact = good.assign(GAME_DATE=good["GAME_DATE"].str.replace("-", ""))  # 20231028
    path = tmp_path / "logs.csv"
    compact.to_csv(path, index=False)
    rows = importers.read_player_logs(path)
    assert rows["game_date"].tolist() == pd.to_datetime(good["GAME_DATE"]).tolist()


def test_team_logs_of_only_unmodelled_game_types_are_refused(tmp_path: Path) -> None:
    teams = pd.read_csv(FILES / "team_logs_trimmed.csv", dtype=str)
    teams["GAME_ID"] = "001" + teams["GAME_ID"].str[3:]  # preseason ids
    path = tmp_path / "preseason.csv"
    teams.to_csv(path, index=False)
    error = refused("team-logs", path)
    assert "modelled type" in error.expected and "'001" in error.found


def test_a_missing_file_and_a_folder_are_refused(tmp_path: Path) -> None:
    assert "cannot be read" in refused("props", tmp_path / "nope.csv").found
    assert "cannot be read" in refused("props", tmp_path).found


def test_an_unknown_layout_lists_every_accepted_one(tmp_path: Path) -> None:
    path = tmp_path / "odds.csv"
    path.write_text("a,b\n1,2\n")
    error = refused("game-odds", path)
    assert "The Odds API columns" in error.expected and "sportsbookreview columns" in error.expected
    assert error.found == "columns a, b"
