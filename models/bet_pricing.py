"""Bet prices beside the headline: the best price across books at the same line, with a staleness
guard. Reported separately, never mixed into the one-book EV rule's figures.

The headline prices a bet at one real book's quote (features/lines.py). A bettor with several
accounts could take the best quote for his side among the books offering the *same line*; a quote
counts only when it is that book's latest pre-tip snapshot and was captured within
`stale_minutes` of the freshest quote of the prop (quotes left hanging are where swapped or stale
sides come from). Closing-line value is not measured: the bets are priced at each book's latest
pre-tip quote, so no later quote of the same prop exists to close against. (The Mar-May 2024 file
has one snapshot for 97.4% of its book-props, 133,431 of 137,045; 3,614 have two or three.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.lines import payout_per_unit

STALE_MINUTES = 30.0
PROP_KEYS = ["game_date", "player_id", "market"]


def latest_book_quotes(quotes: pd.DataFrame) -> pd.DataFrame:
    """Per prop and book: the latest pre-tip snapshot (unknown tip-off counts as pre-tip)."""
    pre_tip = quotes[~(quotes["minutes_before_tip"] < 0)]
    pre_tip = pre_tip.assign(captured_at=pd.to_datetime(pre_tip["captured_at"], utc=True))
    latest = pre_tip.groupby([*PROP_KEYS, "bookmaker"])["captured_at"].transform("max")
    return pre_tip[pre_tip["captured_at"] == latest]


def best_prices(
    bets: pd.DataFrame, quotes: pd.DataFrame, stale_minutes: float = STALE_MINUTES
) -> pd.DataFrame:
    """Bets with `best_price` (best quote for the bet's side at its line among fresh books) and
    `books_at_line`; bets no fresh book quotes at the line keep their own price."""
    fresh = latest_book_quotes(quotes)
    prop_latest = fresh.groupby(PROP_KEYS)["captured_at"].transform("max")
    age = (prop_latest - fresh["captured_at"]).dt.total_seconds() / 60.0
    fresh = fresh[age <= stale_minutes]
    keyed = bets.reset_index().assign(game_date=pd.to_datetime(bets["game_date"]).to_numpy())
    keyed["player_id"] = keyed["player_id"].astype(str)
    fresh = fresh.assign(
        game_date=pd.to_datetime(fresh["game_date"]), player_id=fresh["player_id"].astype(str)
    )
    joined = keyed[["index", *PROP_KEYS, "line", "recommendation"]].merge(
        fresh[[*PROP_KEYS, "line", "over_price", "under_price"]], on=[*PROP_KEYS, "line"]
    )
    side = np.where(joined["recommendation"] == "OVER", joined["over_price"], joined["under_price"])
    joined = joined.assign(_payout=payout_per_unit(pd.Series(side, index=joined.index)))
    joined = joined[joined["_payout"].notna()]
    best = joined.loc[joined.groupby("index")["_payout"].idxmax()].set_index("index")
    out = bets.copy()
    own = np.where(out["recommendation"] == "OVER", out["over_price"], out["under_price"])
    out["best_price"] = (
        best["over_price"]
        .where(best["recommendation"] == "OVER", best["under_price"])
        .reindex(out.index)
    )
    out["best_price"] = out["best_price"].fillna(pd.Series(own, index=out.index))
    out["books_at_line"] = joined.groupby("index").size().reindex(out.index).fillna(0).astype(int)
    return out


def profit_at(bets: pd.DataFrame, price_column: str) -> pd.Series:
    """Profit per unit of each bet at the price in `price_column` (push 0)."""
    a, ln = bets["actual"].astype(float), bets["line"].astype(float)
    won = np.where(bets["recommendation"] == "OVER", a > ln, a < ln)
    payout = payout_per_unit(bets[price_column].astype(float))
    return pd.Series(
        np.where(a == ln, 0.0, np.where(won, payout, -1.0)), index=bets.index, dtype=float
    )
