"""Prop-line maths and selection: implied probabilities, de-vig, main lines and consensus lines."""

from __future__ import annotations

from typing import overload

import numpy as np
import pandas as pd

BOOK_KEYS: tuple[str, ...] = ("game_date", "event_id", "_player", "market", "bookmaker")
CONSENSUS_KEYS: tuple[str, ...] = ("game_date", "_player", "market")


@overload
def american_to_implied(price: float) -> float: ...
@overload
def american_to_implied(price: pd.Series) -> pd.Series: ...
def american_to_implied(price: float | pd.Series) -> float | pd.Series:
    """Return the implied probability (with vig) of American odds; NaN where the price is missing."""
    p = np.asarray(price, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p < 0, -p / (100.0 - p), 100.0 / (p + 100.0))
    if isinstance(price, pd.Series):
        return pd.Series(out, index=price.index, name=price.name, dtype="float64")
    return float(out)


@overload
def devig_two_way(over_price: float, under_price: float) -> float: ...
@overload
def devig_two_way(over_price: pd.Series, under_price: pd.Series) -> pd.Series: ...
def devig_two_way(
    over_price: float | pd.Series, under_price: float | pd.Series
) -> float | pd.Series:
    """Return the no-vig P(over) by multiplicative normalisation of the two implied probabilities."""
    p_over = american_to_implied(over_price)
    p_under = american_to_implied(under_price)
    return p_over / (p_over + p_under)


@overload
def payout_per_unit(price: float) -> float: ...
@overload
def payout_per_unit(price: pd.Series) -> pd.Series: ...
def payout_per_unit(price: float | pd.Series) -> float | pd.Series:
    """Return the profit of a winning 1-unit stake at American odds (+150 -> 1.5, -110 -> 0.909)."""
    p = np.asarray(price, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p < 0, 100.0 / -p, p / 100.0)
    if isinstance(price, pd.Series):
        return pd.Series(out, index=price.index, name=price.name, dtype="float64")
    return float(out)


def _player_key(snapshots: pd.DataFrame) -> pd.Series:
    """Return the player key of each row: player_id when known, else "name:" + player_name."""
    by_name = "name:" + snapshots["player_name"].astype(str)
    if "player_id" not in snapshots.columns:
        return by_name
    return snapshots["player_id"].astype("object").where(snapshots["player_id"].notna(), by_name)


def main_lines(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Return each book's main line per game, player and market from its latest pre-tip snapshot."""
    # Unknown tip-off (NA) counts as pre-tip: that file layout records snapshots taken before tip.
    # A capture at or after a known commence time is in-play whatever minutes_before_tip says.
    in_play = snapshots["minutes_before_tip"] < 0
    if "commence_time" in snapshots.columns:
        commence = pd.to_datetime(snapshots["commence_time"], utc=True)
        in_play |= commence.notna() & (
            pd.to_datetime(snapshots["captured_at"], utc=True) >= commence
        )
    df = snapshots[~in_play].copy()
    df["_player"] = _player_key(df)
    keys = list(BOOK_KEYS)
    latest = df.groupby(keys, dropna=False)["captured_at"].transform("max")
    df = df[df["captured_at"] == latest].copy()
    gap = (american_to_implied(df["over_price"]) - american_to_implied(df["under_price"])).abs()
    df["_missing"] = gap.isna()
    df["_gap"] = gap.fillna(np.inf)
    df = df.sort_values([*keys, "_missing", "_gap", "line"], kind="stable")
    df = df.drop_duplicates(keys, keep="first")
    df["p_over_devig"] = devig_two_way(df["over_price"], df["under_price"])
    return df.drop(columns=["_player", "_missing", "_gap"]).reset_index(drop=True)


def consensus_lines(snapshots: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Return one consensus line per game date, player and market from the books' main lines.

    The line is the median of the books' main lines; `p_over_devig` the median de-vigged P(over)
    of the books at exactly that line. Both prices come from one real book at that line: the one
    whose de-vigged probability is nearest that median (then lowest hold, then name). Taking the
    best price per side across books instead would pair quotes no single book offered and would
    pick up any book whose sides are swapped or stale (a betrivers threes quote of over +190 /
    under -275 at a line where every other book has the over near -190 did exactly that).
    """
    df = snapshots
    if as_of is not None:
        cutoff = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
        df = df[df["captured_at"] < cutoff]
    books = main_lines(df)
    books["_player"] = _player_key(books)
    keys = list(CONSENSUS_KEYS)
    grouped = books.groupby(keys, dropna=False)
    books["_consensus"] = grouped["line"].transform("median")
    books["_n_books"] = grouped["bookmaker"].transform("nunique")
    at_line = books["line"] == books["_consensus"]
    group_keys = [books[k] for k in keys]
    any_at_line = at_line.groupby(group_keys, dropna=False).transform("any")
    books["_p_use"] = books["p_over_devig"].where(at_line | ~any_at_line)
    books["_p_median"] = books["_p_use"].groupby(group_keys, dropna=False).transform("median")
    hold = american_to_implied(books["over_price"]) + american_to_implied(books["under_price"])
    books["_rank_at_line"] = (~at_line).astype(int)
    books["_rank_dist"] = (books["p_over_devig"] - books["_p_median"]).abs().fillna(np.inf)
    books["_rank_hold"] = hold.fillna(np.inf)
    books = books.sort_values(
        [*keys, "_rank_at_line", "_rank_dist", "_rank_hold", "bookmaker"], kind="stable"
    )
    priced = books.drop_duplicates(keys, keep="first")[keys].assign(
        over_price=books["over_price"].where(at_line),
        under_price=books["under_price"].where(at_line),
    )

    first_cols = [c for c in ("event_id", "player_id", "player_name") if c in books.columns]
    agg: dict[str, tuple[str, str]] = {c: (c, "first") for c in first_cols}
    agg.update(
        line=("_consensus", "first"),
        n_books=("_n_books", "first"),
        p_over_devig=("_p_median", "first"),
        captured_at=("captured_at", "max"),
    )
    out = books.groupby(keys, dropna=False, sort=True).agg(**agg).reset_index()
    out = out.merge(priced, on=keys, how="left", validate="one_to_one")
    out["n_books"] = out["n_books"].astype("int64")
    out["line_source"] = "consensus"
    columns = ["game_date", *first_cols, "market", "line", "n_books", "over_price", "under_price"]
    return out[[*columns, "p_over_devig", "captured_at", "line_source"]]
