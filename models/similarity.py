"""The `similarity` system: a player's per-minute output in past games of the same context.

Context cells are home/away x rest (back-to-back, one day off, two or more). For every player and
cell the per-minute rate of the market stat is an exponentially weighted mean over his earlier games
in that cell, shrunk toward his overall weighted rate by the number of games in the cell; the
prediction is that rate times the projected minutes, scaled by the opponent's defence factor.
Only games strictly before the target date count (as-of join), so it is point-in-time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SIMILARITY_HALFLIFE_GAMES = 15.0
SIMILARITY_SHRINK_GAMES = 8.0
OPP_DEFENCE_EXPONENT = 0.5


def rest_bucket(days_rest: pd.Series) -> pd.Series:
    """0 = back-to-back (1 day), 1 = one day off (2 days), 2 = two or more days off or unknown."""
    d = days_rest.astype(float)
    return pd.Series(np.where(d <= 1, 0, np.where(d == 2, 1, 2)), index=days_rest.index)


def context_cell(is_home: pd.Series, days_rest: pd.Series) -> pd.Series:
    """Context cell id: home (0/1) x rest bucket (0-2)."""
    return (is_home.astype(float) > 0.5).astype(int) * 3 + rest_bucket(days_rest)


def _game_rates(games: pd.DataFrame, market: str) -> pd.DataFrame:
    """Per player game: date, context cell and per-minute rate of the market stat."""
    g = games[games["minutes"].astype(float) > 0].sort_values(["player_id", "game_date"])
    g = g[["player_id", "game_date", "is_home", "minutes", market]].reset_index(drop=True)
    rest = g.groupby("player_id", sort=False)["game_date"].diff().dt.days
    out = pd.DataFrame(
        {
            "player_id": g["player_id"].astype(str),
            "game_date": pd.to_datetime(g["game_date"]),
            "cell": context_cell(g["is_home"], rest.fillna(3.0)),
            "rate": g[market].astype(float) / g["minutes"].astype(float),
        }
    )
    return out


def _ewm_state(rates: pd.DataFrame, keys: list[str], prefix: str) -> pd.DataFrame:
    """Exponentially weighted rate and game count after each game, per group of `keys`."""
    r = rates.sort_values([*keys, "game_date"]).reset_index(drop=True)
    grouped = r.groupby(keys, sort=False)["rate"]
    ewm = grouped.ewm(halflife=SIMILARITY_HALFLIFE_GAMES).mean()
    state = r[[*keys, "game_date"]].copy()
    state[f"{prefix}_rate"] = ewm.reset_index(level=list(range(len(keys))), drop=True).sort_index()
    state[f"{prefix}_n"] = r.groupby(keys, sort=False).cumcount().add(1).astype(float)
    # One state per key and date (a player plays at most once a day; keep the last to be safe).
    return state.drop_duplicates([*keys, "game_date"], keep="last")


def _asof(targets: pd.DataFrame, state: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Latest state strictly before each target's game_date (targets keep their order)."""
    t = targets.assign(_order=np.arange(len(targets))).sort_values("game_date")
    s = state.sort_values("game_date")
    merged = pd.merge_asof(
        t, s, on="game_date", by=by, allow_exact_matches=False, direction="backward"
    )
    return merged.sort_values("_order").reset_index(drop=True)


def similarity_mean(games: pd.DataFrame, targets: pd.DataFrame, market: str) -> np.ndarray:
    """Context-matched per-minute rate x projected minutes x opponent defence, per target row.

    `games` is player_game_summary (any dates: only games before each target count); `targets`
    has player_id, game_date, is_home, days_rest, projected_minutes, opp_def_factor, stat_ewm.
    Rows without history fall back to `stat_ewm` (0 when that is missing too).
    """
    if targets.empty:
        return np.zeros(0, dtype=float)
    rates = _game_rates(games, market)
    t = pd.DataFrame(
        {
            "player_id": targets["player_id"].astype(str).to_numpy(),
            "game_date": pd.to_datetime(targets["game_date"]).to_numpy(),
            "cell": context_cell(
                targets["is_home"].reset_index(drop=True),
                targets["days_rest"].reset_index(drop=True).fillna(3.0),
            ).to_numpy(),
        }
    )
    overall = _asof(t, _ewm_state(rates, ["player_id"], "all"), ["player_id"])
    cell = _asof(t, _ewm_state(rates, ["player_id", "cell"], "cell"), ["player_id", "cell"])
    n = cell["cell_n"].fillna(0.0).to_numpy()
    cell_rate = cell["cell_rate"].fillna(0.0).to_numpy()
    all_rate = overall["all_rate"].to_numpy(dtype=float)
    rate = (n * cell_rate + SIMILARITY_SHRINK_GAMES * all_rate) / (n + SIMILARITY_SHRINK_GAMES)
    minutes = targets["projected_minutes"].astype(float).to_numpy()
    defence = targets["opp_def_factor"].astype(float).fillna(1.0).clip(0.5, 1.5).to_numpy()
    mean = rate * minutes * defence**OPP_DEFENCE_EXPONENT
    fallback = targets["stat_ewm"].astype(float).fillna(0.0).to_numpy()
    out = np.where(np.isfinite(mean), mean, fallback)
    return np.asarray(np.clip(out, 0.0, None), dtype=float)


def add_similarity(frame: pd.DataFrame, games: pd.DataFrame) -> pd.DataFrame:
    """`frame` (feature-store rows of any markets) with a `similarity_mean` column per market."""
    out = frame.copy()
    out["similarity_mean"] = np.nan
    for market, idx in out.groupby("market", sort=False).groups.items():
        rows = out.loc[idx]
        out.loc[idx, "similarity_mean"] = similarity_mean(games, rows, str(market))
    return out
