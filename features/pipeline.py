"""Phases 3-4 composed: from raw tables to the feature store, for one date or a range of dates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.analytics import (
    STATS,
    enrich_context,
    implied_team_totals,
    player_game_summary,
    team_game_summary,
    team_slots,
    upcoming_player_game_context,
)
from features.availability import HISTORY, attach_availability, player_availability
from features.identity import normalize_names, resolve_player_ids
from features.lines import consensus_lines
from features.precompute import (
    ml_feature_store,
    player_composite_factors,
    player_daily_cache,
    postseason_flags,
    team_defense_summary,
)


@dataclass(frozen=True)
class FeatureTables:
    """Every phase 3-4 table built for a set of target dates."""

    upcoming_player_game_context: pd.DataFrame
    player_daily_cache: pd.DataFrame
    team_defense_summary: pd.DataFrame
    player_composite_factors: pd.DataFrame
    prop_line_consensus: pd.DataFrame
    ml_feature_store: pd.DataFrame
    player_game_summary: pd.DataFrame
    team_game_summary: pd.DataFrame


def resolve_prop_lines(snapshots: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Attach NBA player ids to prop-line snapshots (resolution column says how; NA when unresolved)."""
    if snapshots.empty:
        return snapshots.assign(
            player_id=pd.Series(dtype="string"), resolution=pd.Series(dtype=str)
        )
    players = player_games[["player_id", "player_name", "team_abbr", "game_date"]]
    return resolve_player_ids(snapshots, players)


def resolve_prop_lines_before(snapshots: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Resolve prop names using only games strictly before each snapshot's game date.

    Each (player, normalised name) pair is its own candidate and game dates move one day later,
    so a name a player carried only on or after D, or his team on D itself, cannot decide a match
    on D: one date and a range resolve identically, and future rows cannot change a resolution.
    """
    games = player_games[["player_id", "player_name", "team_abbr", "game_date"]].sort_values(
        "game_date", kind="stable"
    )
    # Identity needs each candidate's team as of a date: the first game of every team stint
    # gives the same answer as every game, at a fraction of the rows (the shift looks back only).
    previous = games.groupby(["player_id", "player_name"], sort=False)["team_abbr"].shift()
    stints = games[games["team_abbr"] != previous]
    names = stints["player_name"].astype(str)
    unique = names.drop_duplicates()
    normalised = pd.Series(normalize_names(unique).to_numpy(), index=unique.to_numpy())
    pair = stints["player_id"].astype(str) + "|" + names.map(normalised)
    shifted = stints.assign(
        player_id=pair,
        game_date=pd.to_datetime(stints["game_date"]) + pd.Timedelta(days=1),
    )
    resolved = resolve_prop_lines(snapshots, shifted)
    resolved["player_id"] = resolved["player_id"].str.split("|").str[0].astype("string")
    return resolved


def build_consensus(
    snapshots: pd.DataFrame, player_games: pd.DataFrame, as_of: pd.Timestamp | None
) -> pd.DataFrame:
    """Resolved consensus line per (game_date, player_id, market) from pre-tip snapshots before as_of."""
    resolved = resolve_prop_lines_before(snapshots, player_games)
    resolved = resolved[resolved["player_id"].notna()]
    if resolved.empty:
        return pd.DataFrame(
            columns=[
                "game_date",
                "player_id",
                "market",
                "line",
                "over_price",
                "under_price",
                "p_over_devig",
                "n_books",
            ]
        )
    lines = consensus_lines(resolved, as_of=as_of)
    lines["game_date"] = pd.to_datetime(lines["game_date"])
    lines["player_id"] = lines["player_id"].astype(str)
    return lines


def build_feature_tables(
    schedule: pd.DataFrame,
    raw_player_boxscores: pd.DataFrame,
    raw_team_boxscores: pd.DataFrame,
    prop_snapshots: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
    game_odds: pd.DataFrame | None = None,
    injury_reports: pd.DataFrame | None = None,
) -> FeatureTables:
    """Phases 3-4 for every game in `schedule` (one date or many), from games strictly before each date.

    Box scores on or after a target date may be present (backfill): every join is as-of strictly
    before the target date, so they cannot leak. `as_of` bounds prop-line and game-odds snapshots
    (same-day runs); snapshots captured after tip-off never count. `injury_reports` (rows of
    raw_injury_report for the dates) count when published before tip-off and `as_of`. Prop
    snapshots of the LINE_HISTORY_DAYS before each date (when given) are the line history of the
    market-implied availability features (features/availability.py).
    """
    player_games = (
        player_game_summary(raw_player_boxscores) if len(raw_player_boxscores) else _empty_pgs()
    )
    team_games = team_game_summary(raw_team_boxscores) if len(raw_team_boxscores) else _empty_tgs()
    dates = pd.to_datetime(schedule["game_date"]).unique()
    snapshot_dates = pd.to_datetime(prop_snapshots["game_date"]) if len(prop_snapshots) else None
    window_snapshots = (
        prop_snapshots[(snapshot_dates >= min(dates) - HISTORY) & (snapshot_dates <= max(dates))]
        if snapshot_dates is not None and len(dates)
        else prop_snapshots
    )
    history_for_names = (
        player_games[player_games["game_date"] < max(dates)] if len(dates) else player_games
    )
    window_lines = (
        build_consensus(window_snapshots, history_for_names, as_of)
        if len(window_snapshots)
        else pd.DataFrame(columns=["game_date", "player_id", "market", "line"])
    )
    lines = window_lines[pd.to_datetime(window_lines["game_date"]).isin(dates)]
    context = upcoming_player_game_context(schedule, player_games, lines)
    seasons = schedule.drop_duplicates("game_date").set_index(
        pd.to_datetime(schedule.drop_duplicates("game_date")["game_date"])
    )["season"]
    targets = context.assign(season=context["game_date"].map(seasons))
    cache = player_daily_cache(player_games, targets)
    slots = team_slots(schedule)
    defense = team_defense_summary(player_games, team_games, slots[["team_abbr", "game_date"]])
    factors = player_composite_factors(context, cache, defense)
    totals = implied_team_totals(
        game_odds if game_odds is not None else pd.DataFrame(), schedule, as_of
    )
    store = ml_feature_store(context, cache, factors, lines).merge(
        totals[["game_date", "team_abbr", "team_spread", "implied_team_total"]],
        on=["game_date", "team_abbr"],
        how="left",
    )
    availability = player_availability(
        context,
        player_games,
        injury_reports if injury_reports is not None else pd.DataFrame(),
        window_lines,
        as_of,
    )
    store = attach_availability(store, availability)
    store["postseason"] = store["game_id"].map(postseason_flags(schedule))
    context = enrich_context(context, lines, totals, defense)
    return FeatureTables(context, cache, defense, factors, lines, store, player_games, team_games)


# Per precompute table: the key counted (players or teams) and the columns that carry history.
# A row counts for coverage only when at least one of these holds a real value.
COVERAGE_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "player_daily_cache": (
        "player_id",
        tuple(f"{s}_l{w}" for s in ("minutes", *STATS) for w in (5, 10, 20)),
    ),
    "team_defense_summary": (
        "team_abbr",
        (*(f"allowed_{s}" for s in STATS), "pace_l10", "def_rating_l10"),
    ),
    "player_composite_factors": (
        "player_id",
        ("projected_minutes", "usage_spike", *(f"opp_def_factor_{s}" for s in STATS)),
    ),
    "ml_feature_store": ("player_id", ("stat_l5", "stat_l10", "stat_l20", "stat_ewm")),
}


def coverage_counts(dates: list[pd.Timestamp], tables: FeatureTables | None) -> pd.DataFrame:
    """Per date and precompute table: expected players (teams) against those with real values.

    Expected players come from the context; expected teams are the teams scheduled on the date.
    """
    columns = ["game_date", "table_name", "expected", "actual", "ratio"]
    rows: list[dict[str, object]] = []
    if tables is None:
        return pd.DataFrame(columns=columns)
    ctx = tables.upcoming_player_game_context
    expected = {
        "player_id": ctx.groupby("game_date")["player_id"].nunique(),
        "team_abbr": pd.concat(
            [
                ctx[["game_date", "team_abbr"]],
                ctx[["game_date", "opponent_abbr"]].rename(columns={"opponent_abbr": "team_abbr"}),
            ]
        )
        .groupby("game_date")["team_abbr"]
        .nunique(),
    }
    for name, (key, value_columns) in COVERAGE_COLUMNS.items():
        frame = getattr(tables, name)
        present = [c for c in value_columns if c in frame.columns]
        real = frame[frame[present].notna().any(axis=1)] if present else frame.iloc[0:0]
        # Only keys the context expects count (a table may hold extra rows, never extra coverage).
        wanted = ctx[["game_date", "player_id"]] if key == "player_id" else None
        if wanted is not None and len(real):
            real = real.merge(wanted.drop_duplicates(), on=["game_date", "player_id"])
        actual = real.groupby("game_date")[key].nunique() if len(real) else pd.Series(dtype=int)
        for d in dates:
            stamp = pd.Timestamp(d)
            e, a = int(expected[key].get(stamp, 0)), int(actual.get(stamp, 0))
            rows.append(
                {
                    "game_date": stamp,
                    "table_name": name,
                    "expected": e,
                    "actual": a,
                    "ratio": a / e if e else 1.0,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _empty_pgs() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "game_id",
            "game_date",
            "season",
            "season_type",
            "player_id",
            "player_name",
            "team_abbr",
            "opponent_abbr",
            "is_home",
            "starter",
            "minutes",
            "points",
            "rebounds",
            "assists",
            "threes",
            "pra",
            "fga",
            "fta",
            "tov",
            "usage_proxy",
        ]
    ).astype({"game_date": "datetime64[ns]"})


def _empty_tgs() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "game_id",
            "game_date",
            "season",
            "team_abbr",
            "opponent_abbr",
            "is_home",
            "points",
            "points_allowed",
            "possessions",
            "pace",
            "off_rating",
            "def_rating",
        ]
    ).astype({"game_date": "datetime64[ns]"})


def low_coverage(coverage: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Coverage rows below the threshold or without a ratio (nothing expected reads 100%)."""
    if coverage.empty:
        return coverage
    ratio = pd.to_numeric(coverage["ratio"], errors="coerce")
    return coverage[ratio.isna() | (ratio < threshold)]


def low_coverage_message(coverage: pd.DataFrame, threshold: float) -> str | None:
    """The one wording of low coverage: 'table date actual/expected (ratio < threshold); ...'."""
    low = low_coverage(coverage, threshold)
    if low.empty:
        return None
    records: list[dict[str, Any]] = low.to_dict("records")  # type: ignore[assignment]
    return "; ".join(
        f"{r['table_name']} {pd.Timestamp(str(r['game_date'])).date()} "
        f"{int(r['actual'])}/{int(r['expected'])} ({float(r['ratio']):.0%} < {threshold:.0%})"
        for r in records
    )
