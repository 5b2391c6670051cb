"""Which teammates' absences moved a player's prediction: availability features without one absence.

The published prediction uses the feature-store row as it is. For a teammate the injury report
lists Out or Doubtful, the counterfactual is the same row with the report features recomputed as if
the report had listed him Available (the team stays covered by the report, so "not absent" is
never confused with "unknown"). The move of one absence is the published mean minus the mean
without it; "all absences" lists every such teammate Available at once. The champion is run
outside (models stay pure): `counterfactual_rows` builds the rows, `availability_moves` compares
the means, `explain_line` says it in one line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.availability import (
    ABSENT_STATUSES,
    REPORT_FEATURES,
    STATUS_CODE,
    latest_statuses,
    report_features,
    usable_reports,
)

# Scenario of the rows: the published one, one teammate's absence removed, or all of them.
AS_PUBLISHED = "published"
ALL_ABSENCES = "all"
SCENARIO_COLUMNS = ("scenario", "without_player_id")
# A player listed at or above this code (Doubtful, Out) is himself absent: nothing to explain.
ABSENT_CODE = STATUS_CODE["Doubtful"]
# The explain line names a teammate when his own move is at least this (the rest are counted).
SHOWN_MOVE = 0.05


@dataclass(frozen=True)
class Absence:
    """A player the usable report lists Out or Doubtful for a team's game of the date."""

    game_date: pd.Timestamp
    team_abbr: str
    player_id: str
    player_name: str
    status: str


def absences(
    reports: pd.DataFrame, player_games: pd.DataFrame, as_of: pd.Timestamp | None
) -> list[Absence]:
    """Players whose latest usable report row (before tip-off and `as_of`) says Out or Doubtful."""
    usable = usable_reports(reports, as_of) if len(reports) else reports
    status = latest_statuses(usable) if len(usable) else pd.DataFrame()
    if status.empty:
        return []
    status = status[status["status"].isin(ABSENT_STATUSES)]
    names = _display_names(player_games)
    out = [
        Absence(
            pd.Timestamp(str(r.game_date)),
            str(r.team_abbr),
            str(r.player_id),
            names.get(str(r.player_id), str(r.player_id)),
            str(r.status),
        )
        for r in status.itertuples(index=False)
    ]
    return sorted(out, key=lambda a: (a.game_date, a.team_abbr, a.player_name))


def _display_names(player_games: pd.DataFrame) -> dict[str, str]:
    """player_id -> his latest box-score name (the report prints 'Last, First')."""
    if player_games.empty or "player_name" not in player_games:
        return {}
    latest = player_games.sort_values("game_date").drop_duplicates("player_id", keep="last")
    return dict(
        zip(latest["player_id"].astype(str), latest["player_name"].astype(str), strict=True)
    )


def listed_available(reports: pd.DataFrame, who: list[Absence]) -> pd.DataFrame:
    """The report rows with each of `who` listed Available for his game (every report time)."""
    out = reports.copy()
    dates = pd.to_datetime(out["game_date"])
    ids = out["player_id"].astype(str)
    for a in who:
        mine = (dates == a.game_date) & (ids == a.player_id) & (out["team_abbr"] == a.team_abbr)
        out.loc[mine, "status"] = "Available"
    return out


def counterfactual_rows(
    store: pd.DataFrame,
    player_games: pd.DataFrame,
    reports: pd.DataFrame,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """Feature-store rows of the players of teams with absences: as published, then per absent
    teammate and for all of them with the report features recomputed as if listed Available.

    Columns `scenario` (AS_PUBLISHED, a teammate's player_id, ALL_ABSENCES) and `without_player_id`.
    Rows of players themselves absent are left out. Published rows whose stored report features
    differ from a recompute at `as_of` (the run used another clock) are left out too: their moves
    would mix the clock's effect with the absence's.
    """
    empty = store.iloc[0:0].assign(scenario=pd.Series(dtype=str), without_player_id="")
    missing = absences(reports, player_games, as_of)
    if store.empty or not missing:
        return empty
    rows = store.assign(
        game_date=pd.to_datetime(store["game_date"]), player_id=store["player_id"].astype(str)
    )
    rows = rows[~(rows["injury_status"] >= ABSENT_CODE)]
    rows = rows[_matches_recompute(rows, player_games, reports, as_of)]
    frames: list[pd.DataFrame] = []
    by_team: dict[tuple[pd.Timestamp, str], list[Absence]] = {}
    for a in missing:
        by_team.setdefault((a.game_date, a.team_abbr), []).append(a)
    for (day, team), team_absences in by_team.items():
        players = rows[(rows["game_date"] == day) & (rows["team_abbr"] == team)]
        players = players[~players["player_id"].isin([a.player_id for a in team_absences])]
        if players.empty:
            continue
        frames.append(players.assign(scenario=AS_PUBLISHED, without_player_id=""))
        cases = [([a], a.player_id) for a in team_absences]
        if len(team_absences) > 1:
            cases.append((team_absences, ALL_ABSENCES))
        # Only this game's report rows and these two teams' games feed these players' features.
        opponents = set(players["opponent_abbr"])
        game_reports = reports[
            (pd.to_datetime(reports["game_date"]) == day)
            & reports["team_abbr"].isin({team, *opponents})
        ]
        games = player_games[player_games["team_abbr"].isin({team, *opponents})]
        for who, scenario in cases:
            changed = _with_report_features(
                players, games, listed_available(game_reports, who), as_of
            )
            frames.append(
                changed.assign(
                    scenario=scenario,
                    without_player_id=",".join(a.player_id for a in who),
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else empty


def _recomputed(
    rows: pd.DataFrame,
    player_games: pd.DataFrame,
    reports: pd.DataFrame,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """REPORT_FEATURES of `rows` recomputed from `reports`, aligned to `rows`' index."""
    targets = rows[["game_date", "player_id", "team_abbr", "opponent_abbr"]]
    fresh = report_features(targets, player_games, reports, as_of)
    keyed = rows[["game_date", "player_id"]].merge(fresh, on=["game_date", "player_id"], how="left")
    return keyed[list(REPORT_FEATURES)].set_axis(rows.index)


def _matches_recompute(
    rows: pd.DataFrame,
    player_games: pd.DataFrame,
    reports: pd.DataFrame,
    as_of: pd.Timestamp | None,
) -> pd.Series:
    """True where the stored report features equal a recompute from `reports` at `as_of`."""
    fresh = _recomputed(rows, player_games, reports, as_of)
    same = pd.Series(True, index=rows.index)
    for col in REPORT_FEATURES:
        stored = rows[col].astype(float).to_numpy()
        again = fresh[col].astype(float).to_numpy()
        same &= np.isclose(stored, again, atol=1e-6) | (np.isnan(stored) & np.isnan(again))
    return same


def _with_report_features(
    rows: pd.DataFrame,
    player_games: pd.DataFrame,
    reports: pd.DataFrame,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """`rows` with their REPORT_FEATURES recomputed from `reports`."""
    fresh = _recomputed(rows, player_games, reports, as_of)
    return rows.assign(**{col: fresh[col] for col in REPORT_FEATURES})


def availability_moves(scenarios: pd.DataFrame, predicted_mean: pd.Series) -> pd.DataFrame:
    """Per player, market and scenario: the published mean and the move the absence(s) made.

    `predicted_mean` is the champion's published mean of each row of `scenarios` (same index).
    move = published mean - mean without the absence(s): positive when the absence raised it.
    """
    cols = [
        "game_date",
        "player_id",
        "player_name",
        "team_abbr",
        "market",
        "line",
        "scenario",
        "without_player_id",
        "published_mean",
        "mean_without",
        "move",
    ]
    if scenarios.empty:
        return pd.DataFrame(columns=cols)
    frame = scenarios.assign(_mean=predicted_mean.astype(float))
    keys = ["game_date", "player_id", "market"]
    published = frame[frame["scenario"] == AS_PUBLISHED][[*keys, "_mean"]].rename(
        columns={"_mean": "published_mean"}
    )
    others = frame[frame["scenario"] != AS_PUBLISHED].rename(columns={"_mean": "mean_without"})
    out = others.merge(published, on=keys)
    out["move"] = out["published_mean"] - out["mean_without"]
    return out[cols].reset_index(drop=True)


def largest_move(moves: pd.DataFrame, market: str) -> pd.Series | None:
    """The (player, market) whose prediction all absences moved most (absolute), or None.

    A team with a single absence has no ALL_ABSENCES rows: that absence's move is the total.
    """
    rows = _totals(moves[moves["market"] == market])
    if rows.empty:
        return None
    order = rows.assign(_abs=rows["move"].abs()).sort_values(
        ["_abs", "player_id"], ascending=[False, True], kind="mergesort"
    )
    return order.iloc[0].drop(labels="_abs")


def _totals(moves: pd.DataFrame) -> pd.DataFrame:
    """Per (date, player, market): the ALL_ABSENCES row, else the single absence's row."""
    keys = ["game_date", "player_id", "market"]
    if moves.empty:
        return moves
    alls = moves[moves["scenario"] == ALL_ABSENCES]
    singles = moves[moves["scenario"] != ALL_ABSENCES]
    counts = singles.groupby(keys)["scenario"].transform("size")
    only = singles[counts == 1]
    return pd.concat([alls, only], ignore_index=True)


def explain_line(moves: pd.DataFrame, player_id: str, market: str, who: list[Absence]) -> str:
    """'Jalen Brunson points 27.9 (+1.6 from absences: Julius Randle Out (+1.2), ...)'.

    Each absent teammate with his status and his own move, largest first (those moving it by less
    than SHOWN_MOVE only counted); a plain sentence when no teammate is listed Out or Doubtful.
    """
    mine = moves[(moves["player_id"].astype(str) == str(player_id)) & (moves["market"] == market)]
    if mine.empty:
        return f"{player_id} {market}: no teammate listed Out or Doubtful, no move from absences"
    first = mine.iloc[0]
    total = _totals(mine).iloc[0]
    status = {a.player_id: a for a in who}
    singles = mine[mine["scenario"] != ALL_ABSENCES].copy()
    singles = singles.assign(_abs=singles["move"].abs()).sort_values(
        ["_abs", "without_player_id"], ascending=[False, True], kind="mergesort"
    )
    parts = []
    for r in singles[singles["_abs"] >= SHOWN_MOVE].itertuples(index=False):
        a = status.get(str(r.without_player_id))
        name = f"{a.player_name} {a.status}" if a else str(r.without_player_id)
        parts.append(f"{name} ({r.move:+.1f})")
    small = int((singles["_abs"] < SHOWN_MOVE).sum())
    if small:
        parts.append(f"{small} more listed, each under {SHOWN_MOVE:g}")
    line = "" if pd.isna(first["line"]) else f", line {float(first['line']):g}"
    return (
        f"{first['player_name']} {market} {float(first['published_mean']):.1f}{line} "
        f"({float(total['move']):+.1f} from absences: {', '.join(parts)})"
    )
