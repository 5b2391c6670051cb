"""Phase 4: rolling player form, team defence and pace, composite factors, the ML feature store.

Every table is computed on each player's (or team's) game sequence *including* the game, then
joined to a target date D with an as-of join that only matches games strictly before D. That one
rule makes every feature point-in-time, for one date or a whole range, with no loop over dates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from features.analytics import STATS, asof_before
from features.availability import AVAILABILITY_FEATURES

# v2: availability features (features/availability.py) in the model's inputs.
# v3: `postseason` (the game is a playoff or play-in game) and `team_spread` (the market's point
# spread for the player's team, negative when favoured) in the model's inputs.
FEATURE_VERSION = "v3"
FORM_STATS: tuple[str, ...] = ("minutes", *STATS)
WINDOWS: tuple[int, ...] = (5, 10, 20)
EWM_HALFLIFE_GAMES = 5.0
DEFENCE_WINDOW_GAMES = 15
PACE_WINDOW_GAMES = 10

# The per-market feature vector the models see (market-specific columns use the `stat_` prefix).
MODEL_FEATURES: tuple[str, ...] = (
    "stat_l5",
    "stat_l10",
    "stat_l20",
    "stat_std_l10",
    "stat_season",
    "stat_ewm",
    "stat_per36_l10",
    "stat_trend",
    "minutes_l5",
    "minutes_l10",
    "minutes_std_l10",
    "minutes_ewm",
    "projected_minutes",
    "usage_l10",
    "usage_spike",
    "days_rest",
    "back_to_back",
    "games_last_7d",
    "minutes_last_7d",
    "is_home",
    "postseason",
    "team_spread",
    "team_pace",
    "opp_pace",
    "pace_diff",
    "opp_def_factor",
    "games_this_season",
    "quality_score",
    *AVAILABILITY_FEATURES,
)


def _grouped(values: pd.Series, keys: list[pd.Series]) -> Any:
    return values.groupby(keys, sort=False)


def _roll(
    values: pd.Series, keys: list[pd.Series], window: int, min_periods: int, how: str
) -> pd.Series:
    """Rolling aggregate within groups, aligned back to the input index (Cython, no lambdas)."""
    rolled = getattr(_grouped(values, keys).rolling(window, min_periods=min_periods), how)()
    return rolled.reset_index(level=list(range(len(keys))), drop=True).sort_index()


def _lag_matrix(values: np.ndarray, pos: np.ndarray, rows: np.ndarray, depth: int) -> np.ndarray:
    """Row r, column k: the value k games before row `rows[r]` of its group (NaN before its start).

    Rows are sorted by group then time and `pos` is each row's position inside its group.
    """
    lags = np.arange(depth)
    idx = rows[:, None] - lags[None, :]
    valid = pos[rows][:, None] >= lags[None, :]
    return np.where(valid, values[np.clip(idx, 0, None)], np.nan)


def _window_stats(values: np.ndarray, pos: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Means over the last 5/10/20 games, std and sum over the last 10 (NaN values skipped)."""
    lags = _lag_matrix(values, pos, rows, max(WINDOWS))
    present = ~np.isnan(lags)
    filled = np.where(present, lags, 0.0)
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for w in WINDOWS:
            n = present[:, :w].sum(axis=1)
            out[f"l{w}"] = np.where(n >= 1, filled[:, :w].sum(axis=1) / n, np.nan)
        n10 = present[:, :10].sum(axis=1)
        sum10 = filled[:, :10].sum(axis=1)
        mean10 = out["l10"]
        squares = np.where(present[:, :10], (lags[:, :10] - mean10[:, None]) ** 2, 0.0)
        out["std_l10"] = np.where(n10 >= 2, np.sqrt(squares.sum(axis=1) / (n10 - 1)), np.nan)
        out["sum_l10"] = np.where(n10 >= 1, sum10, np.nan)
    return out


def _rolling_state(g: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Rolling form over the games up to and including each of `rows` (positions in `g`).

    `g` is sorted by player, date and game with a 0..n-1 index. Windows come from a lag matrix
    (each wanted row sees its player's previous 19 games); EWM and season means run over every
    row (they depend on the whole sequence) and are then taken at `rows`. No per-player or
    per-date loop, and only the rows a target needs pay for the windows.
    """
    player = g.groupby("player_id", sort=False)
    pos = player.cumcount().to_numpy()
    out = g.loc[rows, ["player_id", "game_date", "season"]].reset_index(drop=True)
    columns: dict[str, np.ndarray] = {}
    sums: dict[str, np.ndarray] = {}
    form = g[list(FORM_STATS)].astype(float)
    for stat in FORM_STATS:
        stats = _window_stats(form[stat].to_numpy(), pos, rows)
        for w in WINDOWS:
            columns[f"{stat}_l{w}"] = stats[f"l{w}"]
        columns[f"{stat}_std_l10"] = stats["std_l10"]
        sums[stat] = stats["sum_l10"]
    ewm = (
        form.groupby(g["player_id"], sort=False)
        .ewm(halflife=EWM_HALFLIFE_GAMES, ignore_na=True)
        .mean()
    )
    ewm = ewm.reset_index(level=0, drop=True).sort_index()
    season_keys = [g["player_id"], g["season"]]
    season_sum = form.fillna(0.0).groupby(season_keys, sort=False).cumsum()
    season_n = form.notna().astype(float).groupby(season_keys, sort=False).cumsum()
    season_mean = season_sum / season_n.where(season_n > 0)
    minutes_sum = np.where(sums["minutes"] > 0, sums["minutes"], np.nan)
    for stat in FORM_STATS:
        columns[f"{stat}_ewm"] = ewm[stat].to_numpy()[rows]
        columns[f"{stat}_season"] = season_mean[stat].to_numpy()[rows]
    for stat in STATS:
        columns[f"{stat}_per36_l10"] = 36.0 * sums[stat] / minutes_sum
    usage = _window_stats(g["usage_proxy"].astype(float).to_numpy(), pos, rows)
    for w in WINDOWS:
        columns[f"usage_l{w}"] = usage[f"l{w}"]
    out = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    counter = pos[rows] + 1.0
    out["games_in_l20"] = np.clip(counter, None, 20.0)
    season_pos = g.groupby(["player_id", "season"], sort=False).cumcount().to_numpy()
    out["games_this_season_after"] = season_pos[rows] + 1.0
    out["games_total_after"] = counter
    return out


def player_daily_cache(history: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Rolling form of each (player_id, game_date) target from games strictly before game_date.

    `history` is player_game_summary; `targets` needs player_id, game_date and season (of D).
    """
    # Rolling form is per player: computing it for the target players only gives identical values.
    g = history[history["player_id"].isin(targets["player_id"])]
    g = g.sort_values(["player_id", "game_date", "game_id"]).reset_index(drop=True)
    t = targets[["player_id", "game_date", "season"]].drop_duplicates(["player_id", "game_date"])
    t = t.rename(columns={"game_date": "target_date", "season": "target_season"})
    link = asof_before(
        t,
        pd.DataFrame({"player_id": g["player_id"], "game_date": g["game_date"], "_row": g.index}),
        on_left="target_date",
        by="player_id",
    ).drop(columns=["game_date"])
    rows = np.unique(link["_row"].dropna().to_numpy(dtype=np.int64))
    state = _rolling_state(g, rows).assign(_row=rows).drop(columns=["player_id"])
    merged = link.merge(state, on="_row", how="left").drop(columns=["_row"])
    new_season = merged["season"] != merged["target_season"]
    season_cols = [f"{s}_season" for s in FORM_STATS]
    merged.loc[new_season, season_cols] = np.nan
    merged["games_this_season"] = (
        merged["games_this_season_after"].where(~new_season, 0.0).fillna(0.0)
    )
    merged["games_total"] = merged["games_total_after"].fillna(0.0)
    merged["prior_season_only"] = new_season & (merged["games_total"] > 0)
    merged["last_game_date"] = merged["game_date"]
    for stat in STATS:
        merged[f"{stat}_trend"] = merged[f"{stat}_l5"] - merged[f"{stat}_l20"]
    merged = merged.drop(
        columns=["game_date", "season", "games_this_season_after", "games_total_after"]
    )
    return (
        merged.rename(columns={"target_date": "game_date", "target_season": "season"})
        .sort_values(["game_date", "player_id"])
        .reset_index(drop=True)
    )


def team_defense_summary(
    history: pd.DataFrame, team_games: pd.DataFrame, targets: pd.DataFrame
) -> pd.DataFrame:
    """Per (team_abbr, game_date): rolling pace and stats allowed per game, relative to the league.

    `history` is player_game_summary (what opponents' players scored), `team_games` is
    team_game_summary, `targets` has team_abbr and game_date (D). Only games before D count.
    The league reference on D is the mean over every team with history before D (not only the
    teams playing on D), so one date and a range give the same numbers.
    """
    allowed = (
        history.groupby(["game_id", "game_date", "opponent_abbr"], as_index=False)[list(STATS)]
        .sum(min_count=1)
        .rename(columns={"opponent_abbr": "team_abbr"})
        .sort_values(["team_abbr", "game_date", "game_id"])
        .reset_index(drop=True)
    )
    team = [allowed["team_abbr"]]
    state = allowed[["team_abbr", "game_date"]].copy()
    for stat in STATS:
        state[f"allowed_{stat}"] = _roll(
            allowed[stat].astype(float), team, DEFENCE_WINDOW_GAMES, 3, "mean"
        )
    pace = (
        team_games.sort_values(["team_abbr", "game_date", "game_id"])[
            ["team_abbr", "game_date", "pace", "def_rating"]
        ]
        .reset_index(drop=True)
        .copy()
    )
    pace_keys = [pace["team_abbr"]]
    pace["pace_l10"] = _roll(pace["pace"].astype(float), pace_keys, PACE_WINDOW_GAMES, 3, "mean")
    pace["def_rating_l10"] = _roll(
        pace["def_rating"].astype(float), pace_keys, PACE_WINDOW_GAMES, 3, "mean"
    )
    wanted = targets[["team_abbr", "game_date"]].drop_duplicates()
    wanted = wanted.assign(game_date=pd.to_datetime(wanted["game_date"]))
    teams = pd.Series(
        sorted(set(state["team_abbr"]) | set(pace["team_abbr"]) | set(wanted["team_abbr"])),
        name="team_abbr",
        dtype=object,
    )
    t = pd.DataFrame({"target_date": wanted["game_date"].drop_duplicates()}).merge(
        teams, how="cross"
    )
    out = asof_before(t, state, on_left="target_date", by="team_abbr").drop(columns=["game_date"])
    out = out.merge(
        asof_before(
            t,
            pace[["team_abbr", "game_date", "pace_l10", "def_rating_l10"]],
            on_left="target_date",
            by="team_abbr",
        ).drop(columns=["game_date"]),
        on=["team_abbr", "target_date"],
    )
    for stat in STATS:
        league = out.groupby("target_date")[f"allowed_{stat}"].transform("mean")
        out[f"def_factor_{stat}"] = out[f"allowed_{stat}"] / league
    out["league_pace"] = out.groupby("target_date")["pace_l10"].transform("mean")
    out = out.rename(columns={"target_date": "game_date"}).merge(
        wanted, on=["team_abbr", "game_date"]
    )
    return out.sort_values(["game_date", "team_abbr"]).reset_index(drop=True)


def player_composite_factors(
    context: pd.DataFrame, cache: pd.DataFrame, defense: pd.DataFrame
) -> pd.DataFrame:
    """Fatigue, usage spike, pace differential, opponent defence by stat, projected minutes.

    fatigue = minutes played in the 7 days before D / 7 + 5 on a back-to-back (minutes-per-day
    load plus a fixed penalty for no rest day); usage_spike = usage proxy over the last 5 games /
    over the last 20 - 1 (0 = steady role, > 0 = bigger role lately; NaN without usage);
    team_pace / opp_pace = the team's and opponent's mean pace over their last 10 games;
    pace_diff = mean of the two minus the league's mean pace (all teams as of D), so > 0 means a
    faster game than a league-average one; opp_def_factor_{stat} = what the opponent allowed per
    game in its last 15 games (summed over opposing players) / the league mean of the same;
    projected_minutes = 0.5 * minutes_l5 + 0.3 * minutes_l10 + 0.2 * minutes_l20, times 0.97 on a
    back-to-back. Every input is as of strictly before D.
    """
    c = context.merge(cache, on=["game_date", "player_id"], how="left", suffixes=("", "_cache"))
    team = defense.rename(columns={"team_abbr": "team_abbr"})[
        ["team_abbr", "game_date", "pace_l10", "league_pace"]
    ]
    opp = defense.drop(columns=["league_pace"]).rename(
        columns={"team_abbr": "opponent_abbr", "pace_l10": "opp_pace_l10"}
    )
    c = c.merge(team, on=["team_abbr", "game_date"], how="left").merge(
        opp, on=["opponent_abbr", "game_date"], how="left"
    )
    out = c[["game_date", "player_id", "game_id", "team_abbr", "opponent_abbr"]].copy()
    out["fatigue"] = (c["minutes_last_7d"] / 7.0) + 5.0 * c["back_to_back"].astype(float)
    out["usage_spike"] = c["usage_l5"] / c["usage_l20"].where(c["usage_l20"] > 0) - 1.0
    out["team_pace"] = c["pace_l10"]
    out["opp_pace"] = c["opp_pace_l10"]
    out["pace_diff"] = (c["pace_l10"] + c["opp_pace_l10"]) / 2.0 - c["league_pace"]
    for stat in STATS:
        out[f"opp_def_factor_{stat}"] = c[f"def_factor_{stat}"]
    # Projected minutes: recent minutes, shaded down on a back-to-back.
    base = 0.5 * c["minutes_l5"] + 0.3 * c["minutes_l10"] + 0.2 * c["minutes_l20"]
    out["projected_minutes"] = base * np.where(c["back_to_back"].astype(bool), 0.97, 1.0)
    return out


# Recent-form weight kept when every game behind it is from a previous season.
PRIOR_SEASON_WEIGHT = 0.5


def quality_score(cache: pd.DataFrame) -> pd.Series:
    """How much real history stands behind a row's features, 0 (none) to 1 (20+ games, 10+ this season).

    0.7 * min(games, 20) / 20 (halved when all of it is from a previous season) + 0.3 *
    min(games this season, 10) / 10: a season's first game with last season's history is 0.35.
    """
    recent = (cache["games_in_l20"].fillna(0.0) / 20.0).clip(0, 1)
    if "prior_season_only" in cache:
        stale = cache["prior_season_only"].fillna(False).astype(bool)
        recent = recent.where(~stale, recent * PRIOR_SEASON_WEIGHT)
    season = (cache["games_this_season"].fillna(0.0) / 10.0).clip(0, 1)
    return (0.7 * recent + 0.3 * season).round(4)


def ml_feature_store(
    context: pd.DataFrame,
    cache: pd.DataFrame,
    factors: pd.DataFrame,
    lines: pd.DataFrame,
    markets: tuple[str, ...] = STATS,
) -> pd.DataFrame:
    """One row per player, date and market: the model's feature vector, line, quality and flags.

    `lines` is the consensus per (game_date, player_id, market) with line, over_price, under_price,
    p_over_devig; a player without a line still gets a row (recommendation NO_LINE later).
    """
    base = context.merge(
        cache, on=["game_date", "player_id"], how="left", suffixes=("", "_cache")
    ).merge(
        factors.drop(columns=["game_id", "team_abbr", "opponent_abbr"]),
        on=["game_date", "player_id"],
        how="left",
    )
    base["quality_score"] = quality_score(base)
    frames = []
    for market in markets:
        f = base[
            [
                "game_date",
                "game_id",
                "player_id",
                "player_name",
                "team_abbr",
                "opponent_abbr",
                "season",
                "is_home",
                "days_rest",
                "back_to_back",
                "games_last_7d",
                "minutes_last_7d",
                "minutes_l5",
                "minutes_l10",
                "minutes_std_l10",
                "minutes_ewm",
                "projected_minutes",
                "usage_l10",
                "usage_spike",
                "team_pace",
                "opp_pace",
                "pace_diff",
                "games_this_season",
                "games_total",
                "quality_score",
            ]
        ].copy()
        f["market"] = market
        for suffix in ("l5", "l10", "l20", "std_l10", "season", "ewm", "per36_l10", "trend"):
            f[f"stat_{suffix}"] = base[f"{market}_{suffix}"]
        f["opp_def_factor"] = base[f"opp_def_factor_{market}"]
        frames.append(f)
    store = pd.concat(frames, ignore_index=True)
    line_cols = [
        "game_date",
        "player_id",
        "market",
        "line",
        "over_price",
        "under_price",
        "p_over_devig",
        "n_books",
    ]
    if lines.empty:
        for col in line_cols[3:]:
            store[col] = np.nan
    else:
        store = store.merge(lines[line_cols], on=["game_date", "player_id", "market"], how="left")
    store["is_home"] = store["is_home"].astype(float)
    store["back_to_back"] = store["back_to_back"].astype(float)
    store["has_history"] = store["games_total"] > 0
    store["has_line"] = store["line"].notna()
    store["feature_version"] = FEATURE_VERSION
    return store.sort_values(["game_date", "market", "player_id"]).reset_index(drop=True)


POSTSEASON_TYPES: tuple[str, ...] = ("Playoffs", "PlayIn")


def postseason_flags(schedule: pd.DataFrame) -> pd.Series:
    """1.0 for a playoff or play-in game, 0.0 for a regular-season one, NaN when unknown; by game_id."""
    games = schedule.drop_duplicates("game_id").set_index("game_id")["season_type"]
    return games.isin(POSTSEASON_TYPES).astype(float).where(games.notna())


def attach_actuals(store: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Add `actual` (the stat the market is graded on) and `minutes_actual` (what the minutes model
    learns) to feature rows whose game has been played."""
    long = player_games.melt(
        id_vars=["game_date", "player_id", "minutes"],
        value_vars=list(STATS),
        var_name="market",
        value_name="actual",
    ).rename(columns={"minutes": "minutes_actual"})
    long["game_date"] = pd.to_datetime(long["game_date"])
    return store.merge(long, on=["game_date", "player_id", "market"], how="left")
