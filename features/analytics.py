"""Phase 3: player and team game summaries, and who is expected to play on a date."""

from __future__ import annotations

import numpy as np
import pandas as pd

STATS: tuple[str, ...] = ("points", "rebounds", "assists", "threes", "pra")
# The recent-rotation rule: a player is expected on D if he played for the team in one of its
# last ROTATION_GAMES games before D and that team is his most recent one.
ROTATION_GAMES = 5


def player_game_summary(raw_player_boxscores: pd.DataFrame) -> pd.DataFrame:
    """One row per player and finished game, with market stats and a usage proxy."""
    b = raw_player_boxscores
    minutes = b["minutes"].astype(float)
    usage = (b["fga"] + 0.44 * b["fta"] + b["tov"]) / minutes.where(minutes > 0)
    out = pd.DataFrame(
        {
            "game_id": b["game_id"],
            "game_date": pd.to_datetime(b["game_date"]),
            "season": b["season"],
            "season_type": b["season_type"],
            "player_id": b["player_id"].astype(str),
            "player_name": b["player_name"],
            "team_abbr": b["team_abbr"],
            "opponent_abbr": b["opponent_abbr"],
            "is_home": b["is_home"].astype(bool),
            "starter": b["starter"].astype("boolean"),
            "minutes": minutes,
            "points": b["pts"].astype(float),
            "rebounds": b["reb"].astype(float),
            "assists": b["ast"].astype(float),
            "threes": b["fg3m"].astype(float),
            "pra": (b["pts"] + b["reb"] + b["ast"]).astype(float),
            "fga": b["fga"].astype(float),
            "fta": b["fta"].astype(float),
            "tov": b["tov"].astype(float),
            "usage_proxy": usage.astype(float),
        }
    )
    return out.sort_values(["game_date", "game_id", "player_id"]).reset_index(drop=True)


def team_game_summary(raw_team_boxscores: pd.DataFrame) -> pd.DataFrame:
    """One row per team and finished game: possessions (both teams averaged), pace and ratings."""
    t = raw_team_boxscores
    own_poss = t["fga"] - t["oreb"] + t["tov"] + 0.44 * t["fta"]
    frame = pd.DataFrame(
        {
            "game_id": t["game_id"],
            "game_date": pd.to_datetime(t["game_date"]),
            "season": t["season"],
            "team_abbr": t["team_abbr"],
            "opponent_abbr": t["opponent_abbr"],
            "is_home": t["is_home"].astype(bool),
            "points": t["pts"].astype(float),
            "minutes": t["minutes"].astype(float),
            "_poss": own_poss.astype(float),
        }
    )
    opp = frame[["game_id", "team_abbr", "points", "_poss"]].rename(
        columns={"team_abbr": "opponent_abbr", "points": "points_allowed", "_poss": "_opp_poss"}
    )
    out = frame.merge(opp, on=["game_id", "opponent_abbr"], how="left")
    possessions = (out["_poss"] + out["_opp_poss"]) / 2
    possessions = possessions.where(possessions > 0)
    game_minutes = (out["minutes"] / 5).where(out["minutes"] > 0, 48.0)
    out["possessions"] = possessions
    out["pace"] = 48 * possessions / game_minutes
    out["off_rating"] = 100 * out["points"] / possessions
    out["def_rating"] = 100 * out["points_allowed"] / possessions
    out["points_allowed"] = out["points_allowed"].fillna(np.nan)
    return (
        out.drop(columns=["_poss", "_opp_poss", "minutes"])
        .sort_values(["game_date", "game_id", "team_abbr"])
        .reset_index(drop=True)
    )


def team_slots(schedule: pd.DataFrame) -> pd.DataFrame:
    """Two rows per scheduled game: (game_date, game_id, team_abbr, opponent_abbr, is_home)."""
    home = pd.DataFrame(
        {
            "game_date": pd.to_datetime(schedule["game_date"]),
            "game_id": schedule["game_id"],
            "team_abbr": schedule["home_team"],
            "opponent_abbr": schedule["away_team"],
            "is_home": True,
        }
    )
    away = home.rename(columns={"team_abbr": "opponent_abbr", "opponent_abbr": "team_abbr"}).assign(
        is_home=False
    )
    return pd.concat([home, away[home.columns]], ignore_index=True)


def asof_before(
    left: pd.DataFrame, right: pd.DataFrame, on_left: str, by: str, on_right: str = "game_date"
) -> pd.DataFrame:
    """For each left row, the last right row with the same `by` and right date strictly before."""
    left_sorted = left.sort_values(on_left)
    right_sorted = right.sort_values(on_right)
    merged = pd.merge_asof(
        left_sorted,
        right_sorted,
        left_on=on_left,
        right_on=on_right,
        by=by,
        allow_exact_matches=False,
        direction="backward",
        suffixes=("", "_hist"),
    )
    return merged


def upcoming_player_game_context(
    schedule: pd.DataFrame, history: pd.DataFrame, prop_players: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Who is expected to play on each scheduled date, with rest and recent load.

    `history` is player_game_summary; only games strictly before each row's date are used, so the
    same call serves one date (daily, same-day) and a range (backfill). `prop_players` holds
    (game_date, player_id) with a resolved prop line on that date: such a player outside the
    rotation rule (back from injury) is expected too, with his most recent team, and
    `expected_reason` says which rule put each player in ("rotation" or "prop_line").
    """
    slots = team_slots(schedule)
    if slots.empty or history.empty:
        return _empty_context()
    hist = history[["player_id", "player_name", "team_abbr", "game_id", "game_date", "minutes"]]
    hist = hist.assign(game_date=pd.to_datetime(hist["game_date"]))
    hist = hist.sort_values(["game_date", "game_id"])

    # Rank each team's games; a slot on date D sees the team's games ranked below its own cutoff.
    team_games = hist[["team_abbr", "game_id", "game_date"]].drop_duplicates(
        ["team_abbr", "game_id"]
    )
    team_games = team_games.sort_values(["team_abbr", "game_date"])
    team_games["team_game_no"] = team_games.groupby("team_abbr").cumcount() + 1
    slot_counts = asof_before(
        slots[["game_date", "team_abbr"]]
        .drop_duplicates()
        .rename(columns={"game_date": "target_date"}),
        team_games[["team_abbr", "game_date", "team_game_no"]],
        on_left="target_date",
        by="team_abbr",
    )[["target_date", "team_abbr", "team_game_no"]].rename(columns={"team_game_no": "games_before"})

    window = slot_counts.dropna(subset=["games_before"])
    window = pd.concat(
        [window.assign(team_game_no=window["games_before"] - k) for k in range(ROTATION_GAMES)],
        ignore_index=True,
    )
    window = window[window["team_game_no"] >= 1]
    # Only the games inside some target's window can make a player expected.
    window_games = (
        window[["team_abbr", "team_game_no"]]
        .drop_duplicates()
        .merge(
            team_games[["team_abbr", "team_game_no", "game_id"]], on=["team_abbr", "team_game_no"]
        )
    )
    recent = hist[hist["game_id"].isin(window_games["game_id"].unique())]
    appearances = recent[["player_id", "player_name", "team_abbr", "game_id", "game_date"]].merge(
        team_games[["team_abbr", "game_id", "team_game_no"]], on=["team_abbr", "game_id"]
    )
    candidates = window[["target_date", "team_abbr", "team_game_no"]].merge(
        appearances, on=["team_abbr", "team_game_no"]
    )
    candidates = candidates.drop_duplicates(["target_date", "team_abbr", "player_id"])[
        ["target_date", "team_abbr", "player_id"]
    ].assign(expected_reason="rotation")
    if prop_players is not None and len(prop_players):
        extra = prop_players[["game_date", "player_id"]].rename(
            columns={"game_date": "target_date"}
        )
        extra = extra.assign(
            target_date=pd.to_datetime(extra["target_date"]),
            player_id=extra["player_id"].astype(str),
            team_abbr=None,
            expected_reason="prop_line",
        ).drop_duplicates(["target_date", "player_id"])
        candidates = pd.concat([candidates, extra], ignore_index=True)

    # Keep a player only for his most recent team before D (a traded player moves with the trade).
    players = hist[hist["player_id"].isin(candidates["player_id"].unique())]
    last_game = asof_before(
        candidates[["target_date", "player_id"]].drop_duplicates(),
        players[["player_id", "game_date", "team_abbr", "player_name"]].rename(
            columns={"team_abbr": "last_team"}
        ),
        on_left="target_date",
        by="player_id",
    )
    candidates = candidates.merge(last_game, on=["target_date", "player_id"])
    candidates["team_abbr"] = candidates["team_abbr"].fillna(candidates["last_team"])
    candidates = candidates[candidates["team_abbr"] == candidates["last_team"]]
    # A rotation player keeps that reason; a prop-line player only adds when not already expected.
    rank = candidates["expected_reason"].map({"rotation": 0, "prop_line": 1})
    candidates = (
        candidates.assign(_rank=rank)
        .sort_values("_rank", kind="stable")
        .drop_duplicates(["target_date", "player_id"])
        .drop(columns="_rank")
    )

    context = slots.rename(columns={"game_date": "target_date"}).merge(
        candidates[
            ["target_date", "team_abbr", "player_id", "player_name", "game_date", "expected_reason"]
        ].rename(columns={"game_date": "last_game_date"}),
        on=["target_date", "team_abbr"],
    )
    context = context.merge(
        _recent_load(context[["target_date", "player_id"]], players),
        on=["target_date", "player_id"],
    )
    days_rest = (context["target_date"] - context["last_game_date"]).dt.days.astype(float)
    out = pd.DataFrame(
        {
            "game_date": context["target_date"],
            "game_id": context["game_id"],
            "player_id": context["player_id"],
            "player_name": context["player_name"],
            "team_abbr": context["team_abbr"],
            "opponent_abbr": context["opponent_abbr"],
            "is_home": context["is_home"].astype(bool),
            "days_rest": days_rest,
            "back_to_back": days_rest == 1,
            "games_last_7d": context["games_last_7d"],
            "games_last_14d": context["games_last_14d"],
            "minutes_last_7d": context["minutes_last_7d"],
            "minutes_last_14d": context["minutes_last_14d"],
            "expected_reason": context["expected_reason"],
        }
    )
    return out.sort_values(["game_date", "game_id", "player_id"]).reset_index(drop=True)


def _recent_load(targets: pd.DataFrame, hist: pd.DataFrame) -> pd.DataFrame:
    """Games and minutes in the 7 and 14 days before each (target_date, player_id)."""
    h = hist[["player_id", "game_date", "minutes"]].sort_values(["player_id", "game_date"]).copy()
    h["cum_games"] = h.groupby("player_id").cumcount() + 1.0
    h["cum_minutes"] = h.groupby("player_id")["minutes"].cumsum()
    h = h[["player_id", "game_date", "cum_games", "cum_minutes"]]
    t = targets.drop_duplicates().copy()
    at_d = asof_before(t, h, on_left="target_date", by="player_id")
    out = at_d[["target_date", "player_id", "cum_games", "cum_minutes"]].fillna(0.0)
    for days in (7, 14):
        shifted = t.assign(window_start=t["target_date"] - pd.Timedelta(days=days))
        before = asof_before(shifted, h, on_left="window_start", by="player_id")[
            ["target_date", "player_id", "cum_games", "cum_minutes"]
        ].fillna(0.0)
        merged = out[["target_date", "player_id", "cum_games", "cum_minutes"]].merge(
            before, on=["target_date", "player_id"], suffixes=("", "_start")
        )
        out[f"games_last_{days}d"] = (merged["cum_games"] - merged["cum_games_start"]).to_numpy()
        out[f"minutes_last_{days}d"] = (
            merged["cum_minutes"] - merged["cum_minutes_start"]
        ).to_numpy()
    return out.drop(columns=["cum_games", "cum_minutes"])


def _empty_context() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "game_date": pd.Series(dtype="datetime64[ns]"),
            "game_id": pd.Series(dtype=str),
            "player_id": pd.Series(dtype=str),
            "player_name": pd.Series(dtype=str),
            "team_abbr": pd.Series(dtype=str),
            "opponent_abbr": pd.Series(dtype=str),
            "is_home": pd.Series(dtype=bool),
            "days_rest": pd.Series(dtype=float),
            "back_to_back": pd.Series(dtype=bool),
            "games_last_7d": pd.Series(dtype=float),
            "games_last_14d": pd.Series(dtype=float),
            "minutes_last_7d": pd.Series(dtype=float),
            "minutes_last_14d": pd.Series(dtype=float),
            "expected_reason": pd.Series(dtype=str),
        }
    )


def implied_team_totals(
    game_odds: pd.DataFrame, schedule: pd.DataFrame, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Implied points per team and game from the books' spread and total (pre-tip, before as_of).

    Per book the latest snapshot captured before tip-off (and before `as_of`); the game's spread
    (home side) and total are the medians over books; home total = (total - home spread) / 2.
    Returns game_date, team_abbr, game_total, team_spread, implied_team_total.
    """
    columns = ["game_date", "team_abbr", "game_total", "team_spread", "implied_team_total"]
    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype(
        {"game_date": "datetime64[ns]", "team_abbr": object}
    )
    if game_odds.empty or schedule.empty:
        return empty
    dates = pd.to_datetime(schedule["game_date"]).unique()
    odds = game_odds[
        pd.to_datetime(game_odds["game_date"]).isin(dates)
        & game_odds["market"].isin(["spread", "total"])
    ].copy()
    odds["game_date"] = pd.to_datetime(odds["game_date"])
    odds["captured_at"] = pd.to_datetime(odds["captured_at"], utc=True)
    keep = ~(odds["captured_at"] >= pd.to_datetime(odds["commence_time"], utc=True))
    if as_of is not None:
        cutoff = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
        keep &= odds["captured_at"] < cutoff
    odds = odds[keep & odds["line"].notna()]
    odds = odds[
        ((odds["market"] == "spread") & (odds["side"] == "home"))
        | ((odds["market"] == "total") & (odds["side"] == "over"))
    ]
    if odds.empty:
        return empty
    keys = ["game_date", "home_team", "away_team", "market", "bookmaker"]
    latest = odds.groupby(keys)["captured_at"].transform("max")
    books = odds[odds["captured_at"] == latest].groupby(keys)["line"].median()
    games = books.groupby(level=["game_date", "home_team", "away_team", "market"]).median()
    wide = games.unstack("market").reindex(columns=["spread", "total"]).reset_index()
    sched = schedule[["game_date", "home_team", "away_team"]].assign(
        game_date=pd.to_datetime(schedule["game_date"])
    )
    wide = sched.merge(wide, on=["game_date", "home_team", "away_team"], how="inner")
    home = pd.DataFrame(
        {
            "game_date": wide["game_date"],
            "team_abbr": wide["home_team"],
            "game_total": wide["total"],
            "team_spread": wide["spread"],
        }
    )
    away = pd.DataFrame(
        {
            "game_date": wide["game_date"],
            "team_abbr": wide["away_team"],
            "game_total": wide["total"],
            "team_spread": -wide["spread"],
        }
    )
    out = pd.concat([home, away], ignore_index=True)
    out["implied_team_total"] = (out["game_total"] - out["team_spread"]) / 2.0
    out = out.dropna(subset=["game_total", "team_spread"], how="all")
    return out[columns].sort_values(["game_date", "team_abbr"]).reset_index(drop=True)


def enrich_context(
    context: pd.DataFrame,
    lines: pd.DataFrame,
    team_totals: pd.DataFrame,
    team_pace: pd.DataFrame,
    markets: tuple[str, ...] = STATS,
) -> pd.DataFrame:
    """Add the consensus line per market (`line_{market}`), implied team total and team/opp pace.

    `lines` is the consensus (game_date, player_id, market, line); `team_totals` comes from
    implied_team_totals; `team_pace` has team_abbr, game_date, pace_l10 (rolling, before D).
    """
    out = context.copy()
    if len(lines):
        wide = (
            lines[lines["market"].isin(markets)]
            .pivot_table(index=["game_date", "player_id"], columns="market", values="line")
            .reindex(columns=list(markets))
        )
        wide.columns = [f"line_{m}" for m in wide.columns]
        out = out.merge(wide.reset_index(), on=["game_date", "player_id"], how="left")
    for market in markets:
        if f"line_{market}" not in out:
            out[f"line_{market}"] = np.nan
    out = out.merge(
        team_totals[["game_date", "team_abbr", "game_total", "team_spread", "implied_team_total"]],
        on=["game_date", "team_abbr"],
        how="left",
    )
    pace = team_pace[["team_abbr", "game_date", "pace_l10"]]
    out = out.merge(
        pace.rename(columns={"pace_l10": "team_pace"}), on=["team_abbr", "game_date"], how="left"
    )
    out = out.merge(
        pace.rename(columns={"team_abbr": "opponent_abbr", "pace_l10": "opp_pace"}),
        on=["opponent_abbr", "game_date"],
        how="left",
    )
    return out.sort_values(["game_date", "game_id", "player_id"]).reset_index(drop=True)
