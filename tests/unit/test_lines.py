"""Tests of features.lines on real Odds API rows (Alex Caruso points, CHI @ GSW, 2024-03-07 ET)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.lines import (
    american_to_implied,
    consensus_lines,
    devig_two_way,
    main_lines,
    payout_per_unit,
)

TIP = pd.Timestamp("2024-03-08T03:10:00Z")

# (bookmaker, market_last_update, line, over_price, under_price) copied from
# props/oddsapi_player_props_2024-03-02_to_2024-05-25.csv.gz, event de22fdfd..., player_points.
CARUSO = [
    ("betmgm", "2024-03-07T13:17:55Z", 8.5, -120.0, -115.0),
    ("betonlineag", "2024-03-07T13:19:30Z", 8.5, -110.0, -118.0),
    ("betrivers", "2024-03-07T13:19:54Z", 6.5, -250.0, 163.0),
    ("betrivers", "2024-03-07T13:19:54Z", 7.5, -165.0, 118.0),
    ("betrivers", "2024-03-07T13:19:54Z", 8.5, -109.0, -121.0),
    ("betrivers", "2024-03-07T13:19:54Z", 9.5, 125.0, -177.0),
    ("betrivers", "2024-03-07T13:19:54Z", 10.5, 170.0, -265.0),
    ("bovada", "2024-03-07T13:18:01Z", 8.5, -115.0, -115.0),
    ("draftkings", "2024-03-07T13:19:39Z", 8.5, np.nan, -115.0),
    ("fanduel", "2024-03-07T13:19:43Z", 8.5, -111.0, -115.0),
    ("pointsbetus", "2024-03-07T13:18:21Z", 8.5, -120.0, -110.0),
    ("williamhill_us", "2024-03-07T13:17:55Z", 8.5, -119.0, -115.0),
]


def snapshots(
    rows: list[tuple[str, str, float, float, float]], player: str = "Alex Caruso"
) -> pd.DataFrame:
    """Build RawPropLines-shaped snapshots for one player and market of the Caruso game."""
    captured = pd.to_datetime([r[1] for r in rows], utc=True)
    return pd.DataFrame(
        {
            "event_id": "de22fdfdb4c59c222cbfd9816ea3bee4",
            "game_date": pd.Timestamp("2024-03-07"),
            "commence_time": TIP,
            "home_team": "GSW",
            "away_team": "CHI",
            "bookmaker": [r[0] for r in rows],
            "market": "points",
            "player_name": player,
            "line": [r[2] for r in rows],
            "over_price": [r[3] for r in rows],
            "under_price": [r[4] for r in rows],
            "captured_at": captured,
            "minutes_before_tip": (TIP - captured).total_seconds() / 60,
            "source": "oddsapi",
        }
    )


def test_implied_probability_of_known_prices() -> None:
    assert american_to_implied(-110) == pytest.approx(110 / 210)
    assert american_to_implied(130) == pytest.approx(100 / 230)
    assert american_to_implied(100) == pytest.approx(0.5)
    assert american_to_implied(-100) == pytest.approx(0.5)
    s = american_to_implied(pd.Series([-150.0, 130.0, np.nan], index=[5, 6, 7]))
    assert list(s.index) == [5, 6, 7]
    assert s.iloc[:2].tolist() == pytest.approx([0.6, 100 / 230])
    assert np.isnan(s.iloc[2])


def test_devig_two_way() -> None:
    assert devig_two_way(-110, -110) == pytest.approx(0.5)
    assert devig_two_way(-150, 130) == pytest.approx(13.8 / 23.8)
    assert devig_two_way(-150, 130) == pytest.approx(0.5798319327731093)
    both = devig_two_way(pd.Series([-110.0, np.nan]), pd.Series([-110.0, -115.0]))
    assert both.iloc[0] == pytest.approx(0.5)
    assert np.isnan(both.iloc[1])


def test_payout_per_unit() -> None:
    assert payout_per_unit(150) == pytest.approx(1.5)
    assert payout_per_unit(-110) == pytest.approx(100 / 110)
    assert payout_per_unit(-100) == pytest.approx(1.0)
    assert payout_per_unit(pd.Series([100.0, -200.0])).tolist() == pytest.approx([1.0, 0.5])


def test_main_line_is_the_alternate_closest_to_even() -> None:
    main = main_lines(snapshots(CARUSO)).set_index("bookmaker")
    assert len(main) == 8
    assert main.loc["betrivers", "line"] == 8.5
    assert main.loc["betrivers", "over_price"] == -109.0
    assert main.loc["bovada", "p_over_devig"] == pytest.approx(0.5)


def test_missing_price_kept_only_when_nothing_better() -> None:
    rows = [
        ("draftkings", "2024-03-07T13:19:39Z", 8.5, np.nan, -115.0),
        ("draftkings", "2024-03-07T13:19:39Z", 7.5, -165.0, 118.0),
    ]
    main = main_lines(snapshots(rows))
    assert main["line"].tolist() == [7.5]
    only_missing = main_lines(snapshots(CARUSO)).set_index("bookmaker").loc["draftkings"]
    assert only_missing["line"] == 8.5
    assert np.isnan(only_missing["over_price"])
    assert np.isnan(only_missing["p_over_devig"])


def test_latest_pre_tip_snapshot_per_book() -> None:
    rows = [
        ("fanduel", "2024-03-07T13:19:43Z", 8.5, -111.0, -115.0),
        ("fanduel", "2024-03-07T23:00:00Z", 9.5, -110.0, -110.0),
        ("fanduel", "2024-03-08T03:30:00Z", 12.5, -110.0, -110.0),  # after tip: ignored
    ]
    main = main_lines(snapshots(rows))
    assert main["line"].tolist() == [9.5]
    assert main["captured_at"].iloc[0] == pd.Timestamp("2024-03-07T23:00:00Z")


def test_consensus_line_prices_and_devig() -> None:
    cons = consensus_lines(snapshots(CARUSO))
    assert len(cons) == 1
    row = cons.iloc[0]
    assert row["line"] == 8.5
    assert row["n_books"] == 8
    # One real book's prices: bovada's de-vigged 0.500 is the median of the seven books at 8.5
    # (the best over was betrivers' -109 and the best under pointsbetus' -110: no book offered both).
    assert (row["over_price"], row["under_price"]) == (-115.0, -115.0)
    main = main_lines(snapshots(CARUSO))
    assert row["p_over_devig"] == pytest.approx(main["p_over_devig"].median())
    assert row["captured_at"] == pd.Timestamp("2024-03-07T13:19:54Z")
    assert row["line_source"] == "consensus"
    assert row["player_name"] == "Alex Caruso"


def test_consensus_devig_uses_only_books_at_the_consensus_line() -> None:
    rows = [
        ("betmgm", "2024-03-07T13:17:55Z", 8.5, -120.0, -115.0),
        ("bovada", "2024-03-07T13:18:01Z", 8.5, -115.0, -115.0),
        ("fanduel", "2024-03-07T13:19:43Z", 9.5, 150.0, -200.0),
    ]
    row = consensus_lines(snapshots(rows)).iloc[0]
    assert row["line"] == 8.5
    expected = np.median([devig_two_way(-120.0, -115.0), devig_two_way(-115.0, -115.0)])
    assert row["p_over_devig"] == pytest.approx(expected)
    assert row["over_price"] == -115.0
    assert row["under_price"] == -115.0


def test_consensus_prices_ignore_a_book_with_swapped_sides() -> None:
    # Real 2024-11-02 Gary Trent Jr. threes quotes (oddsapi_player_threes_2024-25.csv.gz):
    # betrivers' over +190 / under -275 at 1.5 disagrees with every other book.
    rows = [
        ("betmgm", "2024-03-07T13:17:55Z", 1.5, -200.0, 145.0),
        ("betonlineag", "2024-03-07T13:17:55Z", 1.5, -185.0, 141.0),
        ("betrivers", "2024-03-07T13:17:55Z", 1.5, 190.0, -275.0),
        ("bovada", "2024-03-07T13:17:55Z", 1.5, -200.0, 150.0),
        ("draftkings", "2024-03-07T13:17:55Z", 1.5, -175.0, 135.0),
        ("fanduel", "2024-03-07T13:17:55Z", 1.5, -170.0, 130.0),
        ("williamhill_us", "2024-03-07T13:17:55Z", 1.5, -189.0, 136.0),
    ]
    row = consensus_lines(snapshots(rows)).iloc[0]
    assert row["over_price"] < 0 < row["under_price"]
    implied = american_to_implied(row["over_price"]) + american_to_implied(row["under_price"])
    assert implied > 1.0  # a real book's quote carries a vig; the best-per-side pair would not


def test_consensus_median_between_lines_has_no_exact_prices() -> None:
    rows = [
        ("betmgm", "2024-03-07T13:17:55Z", 8.5, -120.0, -115.0),
        ("fanduel", "2024-03-07T13:19:43Z", 9.5, 150.0, -200.0),
    ]
    row = consensus_lines(snapshots(rows)).iloc[0]
    assert row["line"] == 9.0
    assert np.isnan(row["over_price"]) and np.isnan(row["under_price"])
    expected = np.median([devig_two_way(-120.0, -115.0), devig_two_way(150.0, -200.0)])
    assert row["p_over_devig"] == pytest.approx(expected)


def test_as_of_excludes_later_snapshots() -> None:
    rows = [
        ("fanduel", "2024-03-07T13:19:43Z", 8.5, -111.0, -115.0),
        ("fanduel", "2024-03-07T23:00:00Z", 9.5, -110.0, -110.0),
        ("bovada", "2024-03-07T23:30:00Z", 10.5, -110.0, -110.0),
    ]
    snaps = snapshots(rows)
    cons = consensus_lines(snaps, as_of=pd.Timestamp("2024-03-07T23:00:00Z"))
    assert cons["line"].tolist() == [8.5]
    assert cons["n_books"].tolist() == [1]
    naive = consensus_lines(snaps, as_of=pd.Timestamp("2024-03-07 23:00:01"))
    assert naive["line"].tolist() == [9.5]
    assert consensus_lines(snaps)["line"].tolist() == [10.0]


def test_players_and_markets_kept_apart_by_player_id() -> None:
    a = snapshots(CARUSO[:2]).assign(player_id="1627936")
    b = snapshots(CARUSO[:2], player="A. Caruso").assign(player_id="1627936")
    c = snapshots(CARUSO[:2], player="Coby White").assign(player_id=pd.NA, market="assists")
    cons = consensus_lines(pd.concat([a, b, c], ignore_index=True))
    assert len(cons) == 2
    assert cons.set_index("market").loc["points", "n_books"] == 2
    assert cons.set_index("market").loc["points", "player_id"] == "1627936"


def test_empty_snapshots() -> None:
    cons = consensus_lines(snapshots(CARUSO).iloc[0:0])
    assert cons.empty
    assert "p_over_devig" in cons.columns
