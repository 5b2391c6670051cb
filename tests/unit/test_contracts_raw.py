"""Raw-table contracts on real rows: each rule has a good case that loads and a bad one quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from contracts.raw import RawGameOdds, RawPlayerBoxscores, RawPropLines, RawTeamBoxscores
from contracts.registry import TABLES
from contracts.validate import ValidationResult, split_valid
from resources.sources import files as importers

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
NOW = pd.Timestamp("2025-06-30T12:00:00Z")


def check(
    rows: pd.DataFrame, model: type[pa.DataFrameModel], table: str, **kw: object
) -> ValidationResult:
    return split_valid(
        rows,
        model,
        table_name=table,
        source="file:test",
        payload_path="/raw/test.json",
        now=NOW,
        natural_key=list(TABLES[table].natural_key),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def box() -> pd.DataFrame:
    """Real 2024-25 box-score rows of one game (MIA @ WAS, 2024-11-02)."""
    return importers.read_player_logs(FILES / "player_logs_2024-25_game_0022400147.csv")


@pytest.fixture(scope="module")
def props() -> pd.DataFrame:
    """Real Odds API prop rows in the event layout."""
    return importers.read_props(FILES / "props_events_trimmed.csv")


def only(result: ValidationResult, rule: str) -> pd.Series:
    """The single quarantine row of `rule`."""
    rows = result.quarantine[result.quarantine["rule"] == rule]
    assert len(rows) == 1, result.quarantine[["row_number", "field", "rule"]]
    return rows.iloc[0]


def test_real_rows_are_all_good(box: pd.DataFrame, props: pd.DataFrame) -> None:
    assert check(box, RawPlayerBoxscores, "raw_player_boxscores").quarantine.empty
    result = check(props, RawPropLines, "raw_prop_lines")
    # The only bad rows of this real file: post-tip snapshots and one conflicting duplicate.
    assert set(result.quarantine["rule"]) == {"line captured after tip-off", "duplicate_key"}


def test_unknown_team(box: pd.DataFrame) -> None:
    bad = box.copy()
    bad.loc[3, "opponent_abbr"] = "BNE"  # a preseason exhibition opponent, not an NBA team
    result = check(bad, RawPlayerBoxscores, "raw_player_boxscores")
    q = only(result, "unknown_team")
    assert (q["row_number"], q["field"], q["source"]) == (3, "opponent_abbr", "file:test")
    assert "'BNE' is not one of the 30 NBA teams" in q["message"]
    assert len(result.good) == len(box) - 1
    assert json.loads(q["row_json"])["player_name"] == box.loc[3, "player_name"]


def test_negative_minutes(box: pd.DataFrame) -> None:
    bad = box.copy()
    bad.loc[0, "minutes"] = -4.0
    result = check(bad, RawPlayerBoxscores, "raw_player_boxscores")
    q = only(result, "greater_than_or_equal_to(0)")
    assert (q["row_number"], q["field"]) == (0, "minutes")
    assert len(result.good) == len(box) - 1


def test_points_inconsistent_with_makes(box: pd.DataFrame) -> None:
    bad = box.copy()
    bad.loc[1, "pts"] = bad.loc[1, "pts"] + 1
    result = check(bad, RawPlayerBoxscores, "raw_player_boxscores")
    q = only(result, "PTS != 2*(FGM-FG3M) + 3*FG3M + FTM")
    assert (q["row_number"], q["field"]) == (1, "pts,fgm,fg3m,ftm")
    assert len(result.good) == len(box) - 1
    assert result.counts_by_rule == {"PTS != 2*(FGM-FG3M) + 3*FG3M + FTM": 1}


def test_exact_duplicate_is_collapsed_conflicting_one_quarantined(box: pd.DataFrame) -> None:
    rows = pd.concat([box, box.iloc[[2]], box.iloc[[4]].assign(pts=99.0)], ignore_index=True)
    result = check(rows, RawPlayerBoxscores, "raw_player_boxscores")
    assert result.collapsed == 1
    q = only(result, "duplicate_key")
    assert q["row_number"] == len(box) + 1
    assert "as row 4 with different pts; row 4 kept" in q["message"]
    assert len(result.good) == len(box)


def test_missing_required_field(box: pd.DataFrame) -> None:
    result = check(box.drop(columns="player_name"), RawPlayerBoxscores, "raw_player_boxscores")
    assert set(result.quarantine["rule"]) == {"missing_column"}
    assert set(result.quarantine["field"]) == {"player_name"}
    assert result.good.empty
    optional = check(box.drop(columns="plus_minus"), RawPlayerBoxscores, "raw_player_boxscores")
    assert optional.quarantine.empty


def test_wrong_type(box: pd.DataFrame) -> None:
    bad = box.astype({"reb": object})
    bad.loc[5, "reb"] = "ten"
    result = check(bad, RawPlayerBoxscores, "raw_player_boxscores")
    q = only(result, "wrong_type")
    assert (q["row_number"], q["field"]) == (5, "reb")
    assert "reb='ten' is not a valid float64" in q["message"]
    assert len(result.good) == len(box) - 1


def test_game_date_in_future(box: pd.DataFrame) -> None:
    day = pd.Timestamp("2024-11-02")
    ok = check(
        box, RawPlayerBoxscores, "raw_player_boxscores", date_column="game_date", latest_date=day
    )
    assert ok.quarantine.empty
    result = check(
        box,
        RawPlayerBoxscores,
        "raw_player_boxscores",
        date_column="game_date",
        latest_date=day - pd.Timedelta(days=1),
    )
    assert set(result.quarantine["rule"]) == {"game_date_in_future"}
    assert (
        "game_date=2024-11-02 is after the load's date 2024-11-01"
        in result.quarantine["message"].iloc[0]
    )
    assert result.good.empty


def test_team_rows_unknown_team_and_future_date() -> None:
    teams, _ = importers.read_team_logs(FILES / "team_logs_trimmed.csv")
    assert check(teams, RawTeamBoxscores, "raw_team_boxscores").quarantine.empty
    bad = teams.copy()
    bad.loc[0, "team_abbr"] = "ALB"
    result = check(
        bad,
        RawTeamBoxscores,
        "raw_team_boxscores",
        date_column="game_date",
        latest_date=pd.Timestamp("2024-04-19"),
    )
    assert set(result.quarantine["rule"]) == {"unknown_team", "game_date_in_future"}
    assert result.good.empty


def test_line_captured_after_tip_off(props: pd.DataFrame) -> None:
    result = check(props, RawPropLines, "raw_prop_lines")
    late = result.quarantine[result.quarantine["rule"] == "line captured after tip-off"]
    assert len(late) == (props["minutes_before_tip"] < 0).sum() > 0
    assert set(late["field"]) == {"minutes_before_tip"}
    assert (result.good["minutes_before_tip"] >= 0).all()


def test_odds_of_zero(props: pd.DataFrame) -> None:
    good = props[props["minutes_before_tip"] >= 0].drop_duplicates(
        list(TABLES["raw_prop_lines"].natural_key)
    )
    bad = good.reset_index(drop=True)
    bad.loc[0, "over_price"] = 0.0
    result = check(bad, RawPropLines, "raw_prop_lines")
    q = only(result, "American odds must be <= -100 or >= 100")
    assert (q["row_number"], q["field"]) == (0, "over_price")
    assert len(result.good) == len(bad) - 1

    odds = importers.read_game_odds(FILES / "kyleskom_game_odds_trimmed.csv")
    odds = odds[odds["price"].notna()].reset_index(drop=True)
    assert check(odds, RawGameOdds, "raw_game_odds").quarantine.empty
    odds.loc[2, "price"] = 0.0
    assert (
        only(check(odds, RawGameOdds, "raw_game_odds"), "American odds must be <= -100 or >= 100")[
            "field"
        ]
        == "price"
    )


def test_team_list_matches_the_team_names_table() -> None:
    from contracts.columns import TEAM_ABBRS
    from features.teams import TEAMS

    assert sorted(TEAM_ABBRS) == sorted(TEAMS) and len(set(TEAM_ABBRS)) == 30
