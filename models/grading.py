"""Grade OVER/UNDER calls against what happened and summarise each system's day (pure, no IO, no clock).

Rules (also in docs/exports.md):
- Only OVER/UNDER rows with a real line are graded; PASS and NO_LINE never are.
- The actual stat is found by (game_date, player_id), never by team, so a traded player whose
  prediction carries his old team is still graded on what he did.
- No box-score row for the player, but the game is in the box scores: void "did_not_play".
- The game is in the schedule, has no box scores and should have ended by `graded_at`
  (tip-off + GAME_FINAL_GRACE, or noon UTC the day after when tip-off is unknown): void
  "game_not_played" (postponed). A game that may still be running is not graded at all.
- The stat of the market is missing (playoff logs have no threes): void "stat_unavailable".
- Profit is in units staked at the American price of the side taken; NaN when that price is
  missing on a win or a loss; 0 on a push or a void (the stake comes back).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from contracts.rules import payout

MARKET_STAT: dict[str, str] = {
    "points": "points",
    "rebounds": "rebounds",
    "assists": "assists",
    "threes": "threes",
    "pra": "pra",
}
GRADE_COLUMNS: list[str] = [
    "game_date",
    "game_id",
    "player_id",
    "player_name",
    "market",
    "system_id",
    "recommendation",
    "line",
    "price",
    "predicted_mean",
    "actual",
    "result",
    "void_reason",
    "profit",
    "graded_at",
]
PERFORMANCE_COLUMNS: list[str] = [
    "game_date",
    "system_id",
    "market",
    "n_predictions",
    "n_with_line",
    "n_pass",
    "n_no_line",
    "n_bets",
    "wins",
    "losses",
    "pushes",
    "voids",
    "hit_rate",
    "n_priced",
    "profit",
    "roi",
    "n_actual",
    "mae",
]
EVALUATION_COLUMNS: list[str] = [
    "game_date",
    "game_id",
    "player_id",
    "market",
    "system_id",
    "recommendation",
    "predicted_mean",
    "line",
    "p_over",
    "actual",
    "went_over",
    "result",
]
GAME_FINAL_GRACE = pd.Timedelta(hours=6)
_KEY = ["game_date", "player_id", "market", "system_id"]


def beat_the_line(is_over: pd.Series, diff: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(won, lost) per call, from actual - line: an OVER wins above the line, an UNDER below it.

    On the line (a push) or without an actual, a call has neither won nor lost.
    """
    won = (is_over & (diff > 0)) | (~is_over & (diff < 0))
    lost = (is_over & (diff < 0)) | (~is_over & (diff > 0))
    return won, lost


def _long_actuals(box_scores: pd.DataFrame) -> pd.DataFrame:
    """One row per (game_date, player_id, market) with the played game's id and the market's stat."""
    box = box_scores.assign(
        game_date=pd.to_datetime(box_scores["game_date"]).dt.normalize(),
        player_id=box_scores["player_id"].astype(str),
        game_id=box_scores["game_id"].astype(str),
    )
    long = box.melt(
        id_vars=["game_date", "player_id", "game_id"],
        value_vars=list(MARKET_STAT.values()),
        var_name="stat",
        value_name="actual",
    )
    stat_to_market = {stat: market for market, stat in MARKET_STAT.items()}
    long["market"] = long["stat"].map(stat_to_market)
    long = long.rename(columns={"game_id": "played_game_id"}).drop(columns="stat")
    return long.drop_duplicates(subset=["game_date", "player_id", "market"], keep="first")


def _game_should_be_over(schedule: pd.DataFrame, graded_at: pd.Timestamp) -> pd.Series:
    """Per schedule row: True when the game would have ended by graded_at (tip-off + grace)."""
    tip = pd.to_datetime(schedule["tipoff_utc"], utc=True) if "tipoff_utc" in schedule else None
    day_after = pd.to_datetime(schedule["game_date"]).dt.normalize().dt.tz_localize(
        "UTC"
    ) + pd.Timedelta(hours=36)
    deadline = day_after if tip is None else (tip + GAME_FINAL_GRACE).fillna(day_after)
    return deadline <= graded_at


def _utc(ts: pd.Timestamp) -> pd.Timestamp:
    """The timestamp in UTC (naive values are taken as UTC)."""
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _gradable_calls(
    predictions: pd.DataFrame,
    box_scores: pd.DataFrame,
    schedule: pd.DataFrame,
    graded_at: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.Series]:
    """The OVER/UNDER calls with a real line that can be graded now, with their actuals.

    Also the void reason of each (NA when not void). A call can be graded when the player has a
    box-score row, or his game is in the box scores (did not play), or his game should have ended
    but has no box scores (postponed).
    """
    calls = predictions[
        predictions["recommendation"].isin(["OVER", "UNDER"]) & predictions["line"].notna()
    ].copy()
    calls["game_date"] = pd.to_datetime(calls["game_date"]).dt.normalize()
    calls["player_id"] = calls["player_id"].astype(str)
    calls["game_id"] = calls["game_id"].astype(str)
    merged = calls.merge(
        _long_actuals(box_scores), on=["game_date", "player_id", "market"], how="left"
    )
    merged["has_row"] = merged["played_game_id"].notna()

    finished_games = set(box_scores["game_id"].astype(str))
    sched = schedule.assign(game_id=schedule["game_id"].astype(str))
    postponed_games = (
        set(sched.loc[_game_should_be_over(sched, graded_at), "game_id"]) - finished_games
    )
    postponed = ~merged["has_row"] & merged["game_id"].isin(postponed_games)
    did_not_play = ~merged["has_row"] & merged["game_id"].isin(finished_games)
    gradable = merged["has_row"] | postponed | did_not_play
    merged = merged[gradable].copy()

    void_reason = pd.Series(pd.NA, index=merged.index, dtype="object")
    void_reason[did_not_play[gradable]] = "did_not_play"
    void_reason[postponed[gradable]] = "game_not_played"
    void_reason[merged["has_row"] & merged["actual"].isna()] = "stat_unavailable"
    return merged, void_reason


def grade_predictions(
    predictions: pd.DataFrame,
    box_scores: pd.DataFrame,
    schedule: pd.DataFrame,
    graded_at: pd.Timestamp,
) -> pd.DataFrame:
    """Grade OVER/UNDER calls with a real line: win/loss/push/void with reason and profit in units."""
    graded_at = _utc(graded_at)
    merged, void_reason = _gradable_calls(predictions, box_scores, schedule, graded_at)

    is_over = merged["recommendation"] == "OVER"
    won, lost = beat_the_line(is_over, merged["actual"] - merged["line"])
    result = np.select([void_reason.notna(), won, lost], ["void", "win", "loss"], default="push")

    price = merged["over_price"].where(is_over, merged["under_price"]).astype(float)
    profit = pd.Series(0.0, index=merged.index)
    profit[result == "win"] = payout(price)[result == "win"]
    profit[result == "loss"] = -1.0
    profit[(result == "loss") & price.isna()] = np.nan

    # The game actually played (a traded player's box row) wins over the prediction's game id.
    game_id = merged["played_game_id"].where(merged["has_row"], merged["game_id"])
    out = pd.DataFrame(
        {
            "game_date": merged["game_date"],
            "game_id": game_id.astype(str),
            "player_id": merged["player_id"],
            "player_name": merged["player_name"].astype(str),
            "market": merged["market"].astype(str),
            "system_id": merged["system_id"].astype(str),
            "recommendation": merged["recommendation"].astype(str),
            "line": merged["line"].astype(float),
            "price": price,
            "predicted_mean": merged["predicted_mean"].astype(float),
            "actual": merged["actual"].where(void_reason.isna()).astype(float),
            "result": result,
            "void_reason": void_reason,
            "profit": profit.astype(float),
            "graded_at": pd.Series(graded_at, index=merged.index).astype("datetime64[ns, UTC]"),
        },
        columns=GRADE_COLUMNS,
    )
    return out.sort_values(_KEY, kind="mergesort").reset_index(drop=True)


def evaluation_frame(predictions: pd.DataFrame, box_scores: pd.DataFrame) -> pd.DataFrame:
    """Every prediction joined to the actual stat by (game_date, player_id): the input of MAE and calibration.

    `went_over` is True/False only with a real line and an actual that is not on the line;
    `result` is win/loss/push for OVER/UNDER calls with an actual, else NA.
    """
    preds = predictions.assign(
        game_date=pd.to_datetime(predictions["game_date"]).dt.normalize(),
        player_id=predictions["player_id"].astype(str),
        game_id=predictions["game_id"].astype(str),
    )
    merged = preds.merge(
        _long_actuals(box_scores)[["game_date", "player_id", "market", "actual"]],
        on=["game_date", "player_id", "market"],
        how="left",
    )
    diff = merged["actual"] - merged["line"]
    known = diff.notna() & (diff != 0)
    merged["went_over"] = (diff > 0).astype("boolean").where(known)
    is_over = merged["recommendation"] == "OVER"
    is_call = merged["recommendation"].isin(["OVER", "UNDER"]) & diff.notna()
    won, _ = beat_the_line(is_over, diff)
    result = pd.Series(
        np.where(diff == 0, "push", np.where(won, "win", "loss")), index=merged.index
    )
    merged["result"] = result.where(is_call)
    return merged[EVALUATION_COLUMNS].sort_values(_KEY, kind="mergesort").reset_index(drop=True)


_DAY_KEYS = ["game_date", "system_id", "market"]


def _prediction_counts(predictions: pd.DataFrame) -> pd.DataFrame:
    """Per day, system and market: predictions, those with a line, PASS and NO_LINE calls."""
    preds = predictions.assign(game_date=pd.to_datetime(predictions["game_date"]).dt.normalize())
    rec = preds["recommendation"]
    return (
        preds.assign(
            n_predictions=1,
            n_with_line=preds["line"].notna().astype(int),
            n_pass=(rec == "PASS").astype(int),
            n_no_line=(rec == "NO_LINE").astype(int),
        )
        .groupby(_DAY_KEYS, as_index=False)[["n_predictions", "n_with_line", "n_pass", "n_no_line"]]
        .sum()
    )


def _bet_record(grades: pd.DataFrame) -> pd.DataFrame:
    """Per day, system and market: bets, W/L/P/V, priced bets and their profit."""
    res = grades["result"]
    priced = (res != "void") & grades["price"].notna()
    return (
        grades.assign(
            n_bets=1,
            wins=(res == "win").astype(int),
            losses=(res == "loss").astype(int),
            pushes=(res == "push").astype(int),
            voids=(res == "void").astype(int),
            n_priced=priced.astype(int),
            profit=grades["profit"].where(priced, 0.0).fillna(0.0),
        )
        .groupby(_DAY_KEYS, as_index=False)[
            ["n_bets", "wins", "losses", "pushes", "voids", "n_priced", "profit"]
        ]
        .sum()
    )


def _mean_errors(rows: pd.DataFrame) -> pd.DataFrame:
    """Per day, system and market: how many rows have an actual, and their mean absolute error."""
    errors = rows.assign(abs_error=(rows["predicted_mean"] - rows["actual"]).abs())
    return (
        errors.dropna(subset=["abs_error"])
        .groupby(_DAY_KEYS, as_index=False)
        .agg(n_actual=("abs_error", "size"), mae=("abs_error", "mean"))
    )


def daily_performance(
    grades: pd.DataFrame,
    predictions: pd.DataFrame,
    box_scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per game_date, system_id and market: counts, W/L/P/V, hit rate, ROI and MAE, each with its n.

    MAE is over every prediction with an actual when `box_scores` is given (PASS and NO_LINE
    included); without it, over the graded calls that have an actual.
    """
    g = grades.assign(game_date=pd.to_datetime(grades["game_date"]).dt.normalize())
    errors = _mean_errors(
        evaluation_frame(predictions, box_scores) if box_scores is not None else g
    )
    out = (
        _prediction_counts(predictions)
        .merge(_bet_record(g), on=_DAY_KEYS, how="outer")
        .merge(errors, on=_DAY_KEYS, how="left")
    )
    int_cols = [c for c in PERFORMANCE_COLUMNS[3:] if c not in ("hit_rate", "roi", "mae", "profit")]
    out[int_cols] = out[int_cols].astype(float).fillna(0).astype(int)
    out["profit"] = out["profit"].fillna(0.0).astype(float)
    decided = out["wins"] + out["losses"]
    out["hit_rate"] = (out["wins"] / decided).where(decided > 0)
    out["roi"] = (out["profit"] / out["n_priced"]).where(out["n_priced"] > 0)
    out["mae"] = out["mae"].astype(float)
    return out[PERFORMANCE_COLUMNS].sort_values(_DAY_KEYS, kind="mergesort").reset_index(drop=True)
