"""Best price across books at the same line: fresh quotes only, never another line."""

from __future__ import annotations

import pandas as pd
import pytest

from models.bet_pricing import best_prices, profit_at

D = pd.Timestamp("2024-04-02")


def _quote(book: str, line: float, over: float, under: float, at: str, tip: float = 60.0) -> dict:
    return {
        "game_date": D,
        "player_id": "1",
        "market": "points",
        "bookmaker": book,
        "line": line,
        "over_price": over,
        "under_price": under,
        "captured_at": pd.Timestamp(at, tz="UTC"),
        "minutes_before_tip": tip,
    }


def test_best_fresh_price_at_the_same_line() -> None:
    quotes = pd.DataFrame(
        [
            _quote("a", 20.5, -110, -110, "2024-04-02 22:00"),
            _quote("b", 20.5, 105, -125, "2024-04-02 21:50"),
            _quote("c", 20.5, 190, -275, "2024-04-02 19:00"),  # stale: 3 h before the others
            _quote("d", 21.5, 200, -300, "2024-04-02 22:00"),  # another line
            _quote("e", 20.5, 300, -500, "2024-04-02 23:30", tip=-5),  # in-play
        ]
    )
    bets = pd.DataFrame(
        {
            "game_date": [D, D],
            "player_id": ["1", "1"],
            "market": ["points", "points"],
            "line": [20.5, 20.5],
            "recommendation": ["OVER", "UNDER"],
            "over_price": [-110.0, -110.0],
            "under_price": [-110.0, -110.0],
            "actual": [25.0, 25.0],
        }
    )
    priced = best_prices(bets, quotes)
    assert priced["best_price"].tolist() == [105.0, -110.0]
    assert priced["books_at_line"].tolist() == [2, 2]
    assert profit_at(priced, "best_price").tolist() == pytest.approx([1.05, -1.0])
