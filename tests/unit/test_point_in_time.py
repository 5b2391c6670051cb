"""Point in time: future rows cannot change a date's features; backfill equals daily runs."""

from __future__ import annotations

import hashlib
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from features.pipeline import FeatureTables, build_feature_tables
from resources.sources.replay import ReplayData, load_replay_data
from tests.conftest import REPO

HISTORY_FROM = pd.Timestamp("2023-01-01")
SUMMARIES = ("player_game_summary", "team_game_summary")


@pytest.fixture(scope="module")
def data() -> ReplayData:
    """The bundled real data, box scores from 2023 on (last season's second half: enough history, fast)."""
    full = load_replay_data(str(REPO / "data"))
    players = full.player_boxscores[full.player_boxscores["game_date"] >= HISTORY_FROM]
    teams = full.team_boxscores[full.team_boxscores["game_date"] >= HISTORY_FROM]
    return ReplayData(full.schedule, players, teams, full.prop_lines, full.game_odds)


def _build(
    data: ReplayData,
    dates: list[pd.Timestamp],
    *,
    before: pd.Timestamp | None = None,
    players: pd.DataFrame | None = None,
    teams: pd.DataFrame | None = None,
    schedule: pd.DataFrame | None = None,
    props: pd.DataFrame | None = None,
    odds: pd.DataFrame | None = None,
) -> FeatureTables:
    """Features for `dates` from the given (or bundled) inputs, box scores before `before` if set."""
    sched = data.schedule if schedule is None else schedule
    p = data.player_boxscores if players is None else players
    t = data.team_boxscores if teams is None else teams
    if before is not None:
        p, t = p[p["game_date"] < before], t[t["game_date"] < before]
    return build_feature_tables(
        sched[sched["game_date"].isin(dates)],
        p,
        t,
        data.prop_lines if props is None else props,
        None,
        game_odds=data.game_odds if odds is None else odds,
    )


def _rows_on(tables: FeatureTables, day: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Every feature table's rows for one date, in a canonical row and column order."""
    out: dict[str, pd.DataFrame] = {}
    for f in fields(tables):
        if f.name in SUMMARIES:
            continue
        frame = getattr(tables, f.name)
        rows = frame[pd.to_datetime(frame["game_date"]) == day]
        rows = rows.sort_values(list(rows.columns[:4])).reset_index(drop=True)
        out[f.name] = rows[sorted(rows.columns)]
    return out


def _digest(frame: pd.DataFrame) -> str:
    """A hash of a frame's values, index and column names."""
    h = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    h.update(",".join(frame.columns).encode())
    return h.hexdigest()


def _poison(data: ReplayData, day: pd.Timestamp, seed: int) -> dict[str, pd.DataFrame]:
    """Every row on or after `day` (box scores), after `day` (schedule) or after tip-off (odds)
    replaced with garbage: random numbers, shuffled ids, names and teams."""
    rng = np.random.default_rng(seed)

    def garble(frame: pd.DataFrame, mask: pd.Series, shuffle: list[str]) -> pd.DataFrame:
        out = frame.copy()
        n = int(mask.sum())
        for col in out.columns:
            if col in shuffle:
                out.loc[mask, col] = rng.permutation(out.loc[mask, col].to_numpy())
            elif pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(
                out[col]
            ):
                out[col] = out[col].astype(float)
                out.loc[mask, col] = rng.integers(0, 70, n).astype(float)
        return out

    players = data.player_boxscores
    teams = data.team_boxscores
    sched = data.schedule
    props = data.prop_lines
    odds = data.game_odds
    after_tip = props["minutes_before_tip"] < 0
    return {
        "players": garble(
            players,
            players["game_date"] >= day,
            ["player_id", "game_id", "player_name", "team_abbr", "opponent_abbr"],
        ),
        "teams": garble(
            teams, teams["game_date"] >= day, ["game_id", "team_abbr", "opponent_abbr"]
        ),
        "schedule": garble(sched, sched["game_date"] > day, ["home_team", "away_team"]),
        "props": garble(
            props, (props["game_date"] > day) | after_tip, ["player_name", "home_team"]
        ),
        "odds": garble(odds, odds["captured_at"] >= odds["commence_time"], ["home_team"]),
    }


@pytest.mark.parametrize(
    "day",
    ["2023-10-26", "2024-01-15", "2024-04-10"],  # a season's first week, mid-season, late season
)
def test_future_poisoning_leaves_features_unchanged(data: ReplayData, day: str) -> None:
    d = pd.Timestamp(day)
    dates = [d, d + pd.Timedelta(days=1)]
    clean = _rows_on(_build(data, dates), d)
    poisoned = _rows_on(_build(data, dates, **_poison(data, d, seed=len(day))), d)
    assert len(clean["ml_feature_store"]) > 0
    for name, frame in clean.items():
        pd.testing.assert_frame_equal(frame, poisoned[name], check_exact=True, obj=name)
        assert _digest(frame) == _digest(poisoned[name]), name


def test_backfill_range_equals_one_date_runs(data: ReplayData) -> None:
    dates = [pd.Timestamp(d) for d in ("2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08")]
    backfill = _build(data, dates)
    for d in dates:
        daily = _rows_on(_build(data, [d], before=d), d)
        ranged = _rows_on(backfill, d)
        assert len(daily["upcoming_player_game_context"]) > 0
        for name, frame in daily.items():
            pd.testing.assert_frame_equal(frame, ranged[name], check_exact=True, obj=name)
