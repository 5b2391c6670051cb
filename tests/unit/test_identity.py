"""Tests of features.identity on real player names, ids and teams (stats.nba.com player logs)."""

from __future__ import annotations

import pandas as pd
import pytest

from features.identity import (
    PLAYER_ALIASES,
    RESOLUTIONS,
    normalize_name,
    resolve_player_ids,
    unresolved_names,
)

# (player_id, player_name, team_abbr, game_date): a real box-score row of each player.
PLAYERS = [
    ("202397", "Ish Smith", "CHA", "2024-02-07"),
    ("202711", "Bojan Bogdanovic", "NYK", "2024-04-28"),
    ("201568", "Danilo Gallinari", "MIL", "2024-05-02"),
    ("1629021", "Moritz Wagner", "ORL", "2024-12-21"),
    ("1630529", "Herbert Jones", "NOP", "2025-01-08"),
    ("1630552", "Jalen Johnson", "ATL", "2025-01-23"),
    ("1628464", "Daniel Theis", "NOP", "2025-01-29"),
    ("1630527", "Brandon Boston", "NOP", "2025-02-08"),
    ("201569", "Eric Gordon", "PHI", "2025-02-09"),
    ("1630560", "Cam Thomas", "BKN", "2025-03-13"),
    ("1628964", "Mo Bamba", "NOP", "2025-03-17"),
    ("203468", "CJ McCollum", "NOP", "2025-03-23"),
    ("1629661", "Cameron Johnson", "BKN", "2025-03-29"),
    ("1630231", "KJ Martin", "UTA", "2025-04-02"),
    ("1628970", "Miles Bridges", "CHA", "2025-04-08"),
    ("1630581", "Josh Giddey", "CHI", "2025-04-09"),
    ("1630256", "Jae'Sean Tate", "HOU", "2025-04-09"),
    ("1629023", "P.J. Washington", "DAL", "2025-04-11"),
    ("1628989", "Kevin Huerter", "CHI", "2025-04-13"),
    ("1642267", "Bub Carrington", "WAS", "2025-04-13"),
    ("1629651", "Nic Claxton", "BKN", "2025-04-13"),
    ("1641713", "GG Jackson", "MEM", "2025-04-13"),
    ("1631246", "Vince Williams Jr.", "MEM", "2025-04-26"),
    ("1630643", "Jay Huff", "MEM", "2025-04-26"),
    ("1628991", "Jaren Jackson Jr.", "MEM", "2025-04-26"),
    ("1628389", "Bam Adebayo", "MIA", "2025-04-28"),
    ("1641842", "Ronald Holland II", "DET", "2025-04-29"),
    ("201572", "Brook Lopez", "MIL", "2025-04-29"),
    ("1626171", "Bobby Portis", "MIL", "2025-04-29"),
    ("203507", "Giannis Antetokounmpo", "MIL", "2025-04-29"),
    ("1629029", "Luka Dončić", "LAL", "2025-04-30"),
    ("203471", "Dennis Schröder", "DET", "2025-05-01"),
    ("201587", "Nicolas Batum", "LAC", "2025-05-03"),
    ("1628995", "Kevin Knox II", "GSW", "2025-05-12"),
    ("1630214", "Xavier Tillman", "BOS", "2025-05-16"),
    ("201143", "Al Horford", "BOS", "2025-05-16"),
    ("203999", "Nikola Jokić", "DEN", "2025-05-18"),
    ("1630167", "Obi Toppin", "IND", "2025-06-22"),
]
ID_BY_NAME = {name: pid for pid, name, _, _ in PLAYERS}


def players_frame(rows: list[tuple[str, str, str, str]] = PLAYERS) -> pd.DataFrame:
    """Build a players frame (player_id, player_name, team_abbr, game_date)."""
    return pd.DataFrame(
        rows, columns=["player_id", "player_name", "team_abbr", "game_date"]
    ).assign(game_date=lambda d: pd.to_datetime(d["game_date"]))


def prop_for(prop_name: str, nba_name: str, opponent: str = "Utah Jazz") -> dict[str, str]:
    """Return a prop row for nba_name's team and date under the book's spelling prop_name."""
    _, _, team, date = next(p for p in PLAYERS if p[1] == nba_name)
    return {"player_name": prop_name, "game_date": date, "home_team": team, "away_team": opponent}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nikola Jokić", "nikola jokic"),
        ("Luka Dončić", "luka doncic"),
        ("Dennis Schröder", "dennis schroder"),
        ("Jaren Jackson Jr.", "jaren jackson"),
        ("Ronald Holland II", "ronald holland"),
        ("Gary Trent Jr", "gary trent"),
        ("Kevin Devon Knox II", "kevin devon knox"),
        ("Marcus Morris Sr.", "marcus morris"),
        ("Robert Williams III", "robert williams"),
        ("P.J. Washington", "pj washington"),
        ("PJ Washington", "pj washington"),
        ("Shai Gilgeous-Alexander", "shai gilgeous alexander"),
        ("Jae'Sean Tate", "jae sean tate"),
        ("De\u2019Anthony Melton", "de anthony melton"),
        ("  Royce  O'Neale ", "royce o neale"),
        ("Portis, Bobby", "bobby portis"),
        ("Xavier Tillman, Sr.", "xavier tillman"),
        ("Daniel Theis (IND)", "daniel theis"),
        ("Jalen (2001) Johnson", "jalen johnson"),
        ("G. Antetokounmpo", "g antetokounmpo"),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


# README section 6 variants plus those found by benchmarks/join_rate.py: (prop name, NBA name).
VARIANTS = [
    ("Herb Jones", "Herbert Jones"),
    ("Moe Wagner", "Moritz Wagner"),
    ("Nicolas Claxton", "Nic Claxton"),
    ("Carlton Carrington", "Bub Carrington"),
    ("Ron Holland", "Ronald Holland II"),
    ("Vincent Williams Jr", "Vince Williams Jr."),
    ("B.J. Boston Jr", "Brandon Boston"),
    ("Kenyon Martin Jr.", "KJ Martin"),
    ("Cam Johnson", "Cameron Johnson"),
    ("Cameron Thomas", "Cam Thomas"),
    ("Joshua Giddey", "Josh Giddey"),
    ("Obadiah Toppin", "Obi Toppin"),
    ("Mohamed Bamba", "Mo Bamba"),
    ("Nicholas Batum", "Nicolas Batum"),
    ("James Huff", "Jay Huff"),
    ("Gregory Jackson II", "GG Jackson"),
    ("Bojan Bogdanovich", "Bojan Bogdanovic"),
    ("Danilo Galinari", "Danilo Gallinari"),
    ("Alfred Joel Horford Reynoso", "Al Horford"),
    ("Brook Robert Lopez", "Brook Lopez"),
    ("Christian James McCollum", "CJ McCollum"),
    ("Edrice Femi Adebayo", "Bam Adebayo"),
    ("Eric Ambrose Gordon Jr.", "Eric Gordon"),
    ("Kevin Devon Knox II", "Kevin Knox II"),
    ("Ishmael Larry Smith", "Ish Smith"),
]


def test_every_alias_is_covered_and_points_at_a_normalized_name() -> None:
    covered = {normalize_name(prop) for prop, _ in VARIANTS}
    assert covered == set(PLAYER_ALIASES)
    for key, value in PLAYER_ALIASES.items():
        assert normalize_name(key) == key
        assert normalize_name(value) == value


@pytest.fixture(scope="module")
def resolved_variants() -> pd.DataFrame:
    """Resolve every alias variant and name form in one call (as a real batch would)."""
    rows = [prop_for(p, n) for p, n in VARIANTS] + [prop_for(p, n) for p, n, _ in FORMS]
    return resolve_player_ids(pd.DataFrame(rows), players_frame()).set_index("player_name")


@pytest.mark.parametrize(("prop_name", "nba_name"), VARIANTS)
def test_alias_resolves(resolved_variants: pd.DataFrame, prop_name: str, nba_name: str) -> None:
    row = resolved_variants.loc[prop_name]
    assert (row["player_id"], row["resolution"]) == (ID_BY_NAME[nba_name], "alias")


FORMS = [
    ("Nikola Jokic", "Nikola Jokić", "exact"),
    ("Luka Doncic", "Luka Dončić", "exact"),
    ("Dennis Schroder", "Dennis Schröder", "exact"),
    ("Jaren Jackson", "Jaren Jackson Jr.", "exact"),
    ("PJ Washington", "P.J. Washington", "exact"),
    ("Xavier Tillman, Sr.", "Xavier Tillman", "exact"),
    ("Daniel Theis (IND)", "Daniel Theis", "exact"),
    ("Jalen (2001) Johnson", "Jalen Johnson", "exact"),
    ("Portis, Bobby", "Bobby Portis", "reversed"),
    ("Huerter Kevin", "Kevin Huerter", "reversed"),
    ("G Antetokounmpo", "Giannis Antetokounmpo", "initial"),
    ("G. Antetokounmpo", "Giannis Antetokounmpo", "initial"),
    ("J. Tate", "Jae'Sean Tate", "initial"),
    ("Mil. Bridges", "Miles Bridges", "initial"),
]


@pytest.mark.parametrize(("prop_name", "nba_name", "resolution"), FORMS)
def test_name_forms_resolve(
    resolved_variants: pd.DataFrame, prop_name: str, nba_name: str, resolution: str
) -> None:
    row = resolved_variants.loc[prop_name]
    assert (row["player_id"], row["resolution"]) == (ID_BY_NAME[nba_name], resolution)


# Real trades: Cody Martin CHA -> PHX and Caleb Martin PHI -> DAL (Feb 2025).
MARTINS = [
    ("1628998", "Cody Martin", "CHA", "2025-01-10"),
    ("1628998", "Cody Martin", "PHX", "2025-03-17"),
    ("1628997", "Caleb Martin", "PHI", "2025-01-10"),
    ("1628997", "Caleb Martin", "DAL", "2025-03-14"),
]


def props_frame(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Prop rows of (player_name, game_date, home_team, away_team)."""
    return pd.DataFrame(list(rows), columns=["player_name", "game_date", "home_team", "away_team"])


def test_traded_player_resolves_to_his_new_team() -> None:
    props = props_frame(
        # Before the trades both are on the two teams: ambiguous initial.
        ("C. Martin", "2025-01-12", "Philadelphia 76ers", "Charlotte Hornets"),
        # After: PHX vs CHA holds only Cody; DAL vs BOS only Caleb.
        ("C. Martin", "2025-03-20", "Phoenix Suns", "Charlotte Hornets"),
        ("C. Martin", "2025-03-20", "DAL", "BOS"),
        # On the trade date itself (his first game for the new team).
        ("Cody Martin", "2025-03-17", "PHX", "NYK"),
        # A traded player's old team is not his team any more: PHI vs CHA after the trades.
        ("C. Martin", "2025-03-20", "PHI", "CHA"),
    )
    out = resolve_player_ids(props, players_frame(MARTINS))
    assert out["player_id"].tolist() == [pd.NA, "1628998", "1628997", "1628998", pd.NA]
    assert out["resolution"].tolist() == ["unresolved", "initial", "initial", "exact", "unresolved"]


def test_league_wide_unique_name_when_team_unknown() -> None:
    # Cody Martin's last known team is CHA; a prop on a PHX game before his PHX row still resolves.
    props = props_frame(("Cody Martin", "2025-02-10", "PHX", "LAL"))
    out = resolve_player_ids(props, players_frame(MARTINS))
    assert out["player_id"].tolist() == ["1628998"]
    assert out["resolution"].tolist() == ["exact"]


def test_player_unknown_before_first_game_is_unresolved() -> None:
    props = props_frame(("Cody Martin", "2025-01-01", "CHA", "LAL"))
    out = resolve_player_ids(props, players_frame(MARTINS))
    assert out["resolution"].tolist() == ["unresolved"]


def test_unresolved_rows_are_kept_and_listed() -> None:
    props = pd.DataFrame(
        [
            prop_for("Nikola Jokic", "Nikola Jokić"),
            prop_for("Not A Player", "Nikola Jokić"),
            prop_for("Not A Player", "Al Horford"),
            prop_for("Z. Nobody", "Al Horford"),
        ],
        index=[10, 11, 12, 13],
    )
    out = resolve_player_ids(props, players_frame())
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out.columns) == [*props.columns, "player_id", "resolution"]
    assert out["player_id"].isna().tolist() == [False, True, True, True]
    assert set(out["resolution"]) <= set(RESOLUTIONS)
    missing = unresolved_names(out)
    assert missing["player_name"].tolist() == ["Not A Player", "Z. Nobody"]
    assert missing["n_rows"].tolist() == [2, 1]
    assert missing["normalized_name"].tolist() == ["not a player", "z nobody"]


def test_many_rows_and_timestamps() -> None:
    base = [prop_for(nba, nba) for _, nba, _, _ in PLAYERS]
    props = pd.DataFrame(base * 50)
    props["game_date"] = pd.to_datetime(props["game_date"])
    out = resolve_player_ids(props, players_frame())
    assert len(out) == len(props)
    assert out["player_id"].tolist() == [ID_BY_NAME[n] for n in props["player_name"]]
    assert (out["resolution"] == "exact").all()


def test_empty_input() -> None:
    props = pd.DataFrame(columns=["player_name", "game_date", "home_team", "away_team"])
    out = resolve_player_ids(props, players_frame())
    assert out.empty
    assert {"player_id", "resolution"} <= set(out.columns)
