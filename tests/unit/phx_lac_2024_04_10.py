"""Real frames from the bundled data: PHX @ LAC on 2024-04-10 (game 0022301165), DraftKings lines.

Box-score values are from data/player_game_logs (2023-24 regular season); lines and prices from
data/props (DraftKings). The Clippers rested Paul George, James Harden and Ivica Zubac that night:
they had lines but no box-score row. Constructed for edge cases, not from the data: Booker's
whole-number assists line (4.0; DraftKings had 6.5), Grayson Allen's priceless threes line and his
stale team (MIL, his team before the 2023 trade). Predictions (predicted_mean, p_over, edge, EV)
are illustrative model outputs, not recorded ones.
"""

from __future__ import annotations

import pandas as pd

GAME_ID = "0022301165"
GAME_DATE = pd.Timestamp("2024-04-10")
TIPOFF = pd.Timestamp("2024-04-11T02:30:00Z")
# Another game that night (TOR @ BKN); tests drop its box scores to play a postponement.
OTHER_GAME_ID = "0022301160"
OTHER_TIPOFF = pd.Timestamp("2024-04-10T23:30:00Z")

# player_id, name, team, opponent, is_home, minutes, points, rebounds, assists, threes
_BOX = [
    ("201142", "Kevin Durant", "PHX", "LAC", False, 37, 24, 9, 3, 2),
    ("1626164", "Devin Booker", "PHX", "LAC", False, 39, 37, 1, 4, 5),
    ("203078", "Bradley Beal", "PHX", "LAC", False, 34, 26, 5, 4, 4),
    ("203994", "Jusuf Nurkić", "PHX", "LAC", False, 30, 3, 19, 10, 0),
    ("1628960", "Grayson Allen", "PHX", "LAC", False, 23, 6, 4, 1, 2),
    ("1630538", "Bones Hyland", "LAC", "PHX", True, 43, 37, 4, 9, 6),
    ("1630527", "Brandon Boston", "LAC", "PHX", True, 40, 23, 7, 2, 2),
    ("203486", "Mason Plumlee", "LAC", "PHX", True, 35, 12, 12, 4, 0),
    ("1629611", "Terance Mann", "LAC", "PHX", True, 8, 3, 3, 0, 0),
]


def box_scores() -> pd.DataFrame:
    """PlayerGameSummary-shaped rows of the game (a subset of both rosters)."""
    cols = [
        "player_id",
        "player_name",
        "team_abbr",
        "opponent_abbr",
        "is_home",
        "minutes",
        "points",
        "rebounds",
        "assists",
        "threes",
    ]
    df = pd.DataFrame(_BOX, columns=cols)
    for c in ["minutes", "points", "rebounds", "assists", "threes"]:
        df[c] = df[c].astype(float)
    df["pra"] = df["points"] + df["rebounds"] + df["assists"]
    df.insert(0, "game_id", GAME_ID)
    df.insert(1, "game_date", GAME_DATE)
    return df


def schedule() -> pd.DataFrame:
    """RawSchedule-shaped rows of the two games."""
    return pd.DataFrame(
        {
            "game_id": [GAME_ID, OTHER_GAME_ID],
            "game_date": [GAME_DATE, GAME_DATE],
            "home_team": ["LAC", "BKN"],
            "away_team": ["PHX", "TOR"],
            "tipoff_utc": pd.to_datetime([TIPOFF, OTHER_TIPOFF], utc=True),
        }
    )


# player_id, name, team, opp, market, predicted_mean, line, over, under, p_over, recommendation
_PRED = [
    ("201142", "Kevin Durant", "PHX", "LAC", "points", 26.1, 24.5, -125.0, -105.0, 0.58, "UNDER"),
    ("201142", "Kevin Durant", "PHX", "LAC", "pra", 37.0, 35.5, -120.0, -110.0, 0.56, "OVER"),
    ("1626164", "Devin Booker", "PHX", "LAC", "points", 28.9, 26.5, -115.0, -115.0, 0.60, "OVER"),
    ("1626164", "Devin Booker", "PHX", "LAC", "assists", 3.2, 4.0, -150.0, 120.0, 0.35, "UNDER"),
    ("1626164", "Devin Booker", "PHX", "LAC", "rebounds", 4.1, 3.5, -145.0, 114.0, 0.55, "PASS"),
    ("203078", "Bradley Beal", "PHX", "LAC", "points", 18.4, 16.5, 100.0, -130.0, 0.59, "OVER"),
    ("203994", "Jusuf Nurkić", "PHX", "LAC", "rebounds", 13.0, 11.5, 100.0, -130.0, 0.61, "OVER"),
    ("203994", "Jusuf Nurkić", "PHX", "LAC", "points", 8.0, 9.5, -135.0, 105.0, 0.40, "UNDER"),
    ("1628960", "Grayson Allen", "MIL", "LAC", "threes", 2.9, 2.5, None, None, 0.58, "OVER"),
    ("202331", "Paul George", "LAC", "PHX", "points", 23.0, 25.5, -110.0, -120.0, 0.38, "UNDER"),
    ("201935", "James Harden", "LAC", "PHX", "assists", 9.6, 8.5, -120.0, -110.0, 0.60, "OVER"),
    ("1629611", "Terance Mann", "LAC", "PHX", "points", 9.0, None, None, None, None, "NO_LINE"),
]


def predictions(system_id: str = "ensemble") -> pd.DataFrame:
    """PlayerPropPredictions-shaped rows for the game."""
    cols = [
        "player_id",
        "player_name",
        "team_abbr",
        "opponent_abbr",
        "market",
        "predicted_mean",
        "line",
        "over_price",
        "under_price",
        "p_over",
        "recommendation",
    ]
    df = pd.DataFrame(_PRED, columns=cols)
    for c in ["line", "over_price", "under_price", "p_over"]:
        df[c] = df[c].astype(float)
    df.insert(0, "game_date", GAME_DATE)
    df.insert(1, "game_id", GAME_ID)
    df["system_id"] = system_id
    df["model_name"] = f"nba-props-{system_id}"
    df["model_version"] = "1"
    df["line_source"] = df["line"].notna().map({True: "draftkings", False: None})
    df["p_over_market"] = 0.5
    df["edge"] = df["predicted_mean"] - df["line"]
    df["expected_value"] = (df["edge"].abs() / 20).where(
        df["recommendation"].isin(["OVER", "UNDER"])
    )
    return df
