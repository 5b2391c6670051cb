"""Player availability, point in time: injury-report status, absences, vacated minutes, missing lines.

Three groups of features per (game_date, player_id):

- rest (box scores only): days since the player's last game, his team's games he missed in a row;
- report (official injury report): his latest pre-game status, and for his team and the opponent
  the recent minutes and shots of players listed Out or Doubtful (vacated), starters among them;
- market (prop lines): teammates who usually have a line and have none today (count and their
  minutes), and how far teammates' lines today sit from their own recent lines.

Point in time: box scores and earlier lines count only strictly before the game date; a report
row counts only when published before the tip-off and before `as_of` (None: before tip-off only,
the view of a run just before the games). Missing means unknown, never zero: report features are
NaN for a team with no usable report row for the game; market features are NaN where the team has
no line that day or no line history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.analytics import STATS

# Report status -> code (higher: less likely to play). A player a covering report does not list is 0.
STATUS_CODE: dict[str, float] = {
    "Available": 0.0,
    "Probable": 1.0,
    "Questionable": 2.0,
    "Doubtful": 3.0,
    "Out": 4.0,
}
ABSENT_STATUSES: tuple[str, ...] = ("Out", "Doubtful")
# Team games behind "recent minutes" of a listed player (an absence of 20 games already counts 0).
RECENT_TEAM_GAMES = 10
# No starter flag in the data: a starter is a player averaging this many minutes per team game.
STARTER_MINUTES = 24.0
# A player "usually has a line" with a line on this many of his team's last line dates.
USUAL_LINE_DATES, USUAL_LINE_MIN = 5, 3
RECENT_LINES = 5
# Lines older than this before a date say nothing about who usually has one today.
LINE_HISTORY_DAYS = 45
HISTORY = pd.Timedelta(days=LINE_HISTORY_DAYS)

REST_FEATURES: tuple[str, ...] = ("days_since_last_game", "games_missed_in_row")
REPORT_FEATURES: tuple[str, ...] = (
    "injury_status",
    "vacated_minutes",
    "vacated_shots",
    "starters_out",
    "opp_vacated_minutes",
)
MARKET_FEATURES: tuple[str, ...] = (
    "missing_line_teammates",
    "missing_line_minutes",
    "teammate_line_shift",
)
AVAILABILITY_FEATURES: tuple[str, ...] = (*REST_FEATURES, *REPORT_FEATURES, *MARKET_FEATURES)
KEYS = ["game_date", "player_id"]


def usable_reports(reports: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Report rows published before tip-off (else before the game date) and before `as_of`."""
    if reports.empty:
        return reports
    published = pd.to_datetime(reports["report_time"], utc=True)
    day_start = (
        pd.to_datetime(reports["game_date"]).dt.tz_localize("America/New_York").dt.tz_convert("UTC")
    )
    tip = pd.to_datetime(reports["tipoff_utc"], utc=True).fillna(day_start)
    ok = published < tip
    if as_of is not None:
        ok &= published < pd.Timestamp(as_of).tz_convert("UTC")
    out = reports[ok & reports["player_id"].notna()].copy()
    out["game_date"] = pd.to_datetime(out["game_date"])
    out["player_id"] = out["player_id"].astype(str)
    out["report_time"] = published[ok & reports["player_id"].notna()]
    return out


def latest_statuses(usable: pd.DataFrame) -> pd.DataFrame:
    """Per (game_date, player_id): the team and status of the latest usable report row."""
    cols = ["game_date", "player_id", "team_abbr", "status"]
    if usable.empty:
        return pd.DataFrame(columns=cols)
    ordered = usable.sort_values("report_time", kind="stable")
    return ordered.drop_duplicates(KEYS, keep="last")[cols].reset_index(drop=True)


def _team_games(player_games: pd.DataFrame) -> pd.DataFrame:
    """Each team's games in order: team_abbr, game_id, game_date, team_game_no (1, 2, ...)."""
    games = player_games[["team_abbr", "game_id", "game_date"]].drop_duplicates(
        ["team_abbr", "game_id"]
    )
    games = games.assign(game_date=pd.to_datetime(games["game_date"]))
    games = games.sort_values(["team_abbr", "game_date", "game_id"]).reset_index(drop=True)
    games["team_game_no"] = games.groupby("team_abbr").cumcount() + 1
    return games


def _games_before(
    team_games: pd.DataFrame, keys: pd.DataFrame, date_col: str, strict: bool = True
) -> pd.Series:
    """Per key row: how many games its team played before `date_col` (on or before when not strict)."""
    left = keys[["team_abbr", date_col]].reset_index().sort_values(date_col)
    merged = pd.merge_asof(
        left,
        team_games[["team_abbr", "game_date", "team_game_no"]].sort_values("game_date"),
        left_on=date_col,
        right_on="game_date",
        by="team_abbr",
        allow_exact_matches=not strict,
        direction="backward",
    )
    counts = merged.set_index("index")["team_game_no"].reindex(keys.index)
    return counts.fillna(0.0).astype(float)


def recent_shares(
    player_games: pd.DataFrame, keys: pd.DataFrame, team_games: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per key (game_date, team_abbr, player_id): minutes and shots per team game over the team's
    last RECENT_TEAM_GAMES games before the date (games he missed count as 0)."""
    out = keys[["game_date", "team_abbr", "player_id"]].drop_duplicates().reset_index(drop=True)
    if out.empty or player_games.empty:
        return out.assign(recent_minutes=np.nan, recent_shots=np.nan)
    games = team_games if team_games is not None else _team_games(player_games)
    out["_before"] = _games_before(games, out, "game_date")
    rows = player_games[player_games["player_id"].isin(out["player_id"])]
    rows = rows.merge(games[["team_abbr", "game_id", "team_game_no"]], on=["team_abbr", "game_id"])
    shots = rows["fga"].fillna(0.0) + 0.44 * rows["fta"].fillna(0.0)
    rows = rows.assign(_shots=shots)[
        ["team_abbr", "player_id", "team_game_no", "minutes", "_shots"]
    ]
    joined = out.reset_index().merge(rows, on=["team_abbr", "player_id"])
    inside = (joined["team_game_no"] <= joined["_before"]) & (
        joined["team_game_no"] > joined["_before"] - RECENT_TEAM_GAMES
    )
    sums = joined[inside].groupby("index")[["minutes", "_shots"]].sum()
    window = out["_before"].clip(upper=RECENT_TEAM_GAMES)
    out["recent_minutes"] = (sums["minutes"].reindex(out.index).fillna(0.0) / window).where(
        window > 0
    )
    out["recent_shots"] = (sums["_shots"].reindex(out.index).fillna(0.0) / window).where(window > 0)
    return out.drop(columns="_before")


def rest_features(targets: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Days since the player's last game and his team's games since then (before the date)."""
    out = targets[["game_date", "player_id", "team_abbr"]].drop_duplicates(KEYS).copy()
    out["game_date"] = pd.to_datetime(out["game_date"])
    out = out.reset_index(drop=True)
    if player_games.empty:
        return out.assign(days_since_last_game=np.nan, games_missed_in_row=np.nan)
    history = player_games[["player_id", "game_date"]].assign(
        last_game=pd.to_datetime(player_games["game_date"]),
        game_date=pd.to_datetime(player_games["game_date"]),
    )
    left = out.reset_index().sort_values("game_date")
    last = pd.merge_asof(
        left,
        history.sort_values("game_date"),
        on="game_date",
        by="player_id",
        allow_exact_matches=False,
        direction="backward",
    ).set_index("index")["last_game"]
    out["last_game"] = last.reindex(out.index)
    out["days_since_last_game"] = (out["game_date"] - out["last_game"]).dt.days.astype(float)
    games = _team_games(player_games)
    before_now = _games_before(games, out, "game_date")
    seen = out["last_game"].notna()
    before_last = pd.Series(np.nan, index=out.index)
    if seen.any():
        before_last[seen] = _games_before(games, out[seen], "last_game", strict=False)
    out["games_missed_in_row"] = (before_now - before_last).clip(lower=0.0)
    return out.drop(columns=["last_game", "team_abbr"])


def report_features(
    targets: pd.DataFrame,
    player_games: pd.DataFrame,
    reports: pd.DataFrame,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """Status, vacated minutes/shots and starters out (team and opponent) from usable reports."""
    out = targets[["game_date", "player_id", "team_abbr", "opponent_abbr"]].drop_duplicates(KEYS)
    out = out.assign(game_date=pd.to_datetime(out["game_date"])).reset_index(drop=True)
    usable = usable_reports(reports, as_of) if len(reports) else reports
    if usable.empty:
        return out[KEYS].assign(**dict.fromkeys(REPORT_FEATURES, np.nan))
    covered = usable[["game_date", "team_abbr"]].drop_duplicates().assign(_covered=True)
    status = latest_statuses(usable)
    out = out.merge(status[["game_date", "player_id", "status"]], on=KEYS, how="left").merge(
        covered, on=["game_date", "team_abbr"], how="left"
    )
    is_covered = out["_covered"].notna()
    code = out["status"].map(STATUS_CODE)
    unlisted = pd.Series(np.where(is_covered, 0.0, np.nan), index=out.index)
    out["injury_status"] = code.fillna(unlisted)
    absent = status[status["status"].isin(ABSENT_STATUSES)]
    shares = recent_shares(player_games, absent)
    shares["_starter"] = (shares["recent_minutes"] >= STARTER_MINUTES).astype(float)
    team = shares.groupby(["game_date", "team_abbr"], as_index=False).agg(
        vacated_minutes=("recent_minutes", "sum"),
        vacated_shots=("recent_shots", "sum"),
        starters_out=("_starter", "sum"),
    )
    team = covered.merge(team, on=["game_date", "team_abbr"], how="left")
    for col in ("vacated_minutes", "vacated_shots", "starters_out"):
        team[col] = team[col].fillna(0.0)
    out = out.merge(team.drop(columns="_covered"), on=["game_date", "team_abbr"], how="left")
    # A listed player's own minutes are not vacated for him.
    own = out[["game_date", "player_id", "team_abbr"]].merge(
        shares[
            ["game_date", "player_id", "team_abbr", "recent_minutes", "recent_shots", "_starter"]
        ],
        on=["game_date", "player_id", "team_abbr"],
        how="left",
    )
    out["vacated_minutes"] -= own["recent_minutes"].fillna(0.0).to_numpy()
    out["vacated_shots"] -= own["recent_shots"].fillna(0.0).to_numpy()
    out["starters_out"] -= own["_starter"].fillna(0.0).to_numpy()
    for col in ("vacated_minutes", "vacated_shots", "starters_out"):
        out[col] = out[col].clip(lower=0.0).round(6)
    opp = team[["game_date", "team_abbr", "vacated_minutes"]].rename(
        columns={"team_abbr": "opponent_abbr", "vacated_minutes": "opp_vacated_minutes"}
    )
    out = out.merge(opp, on=["game_date", "opponent_abbr"], how="left")
    return out[[*KEYS, *REPORT_FEATURES]]


def _lines_with_teams(lines: pd.DataFrame, player_games: pd.DataFrame) -> pd.DataFrame:
    """Consensus lines (game_date, player_id, market, line) with each player's team as of the date
    (his latest game strictly before it); lines of players without an earlier game are dropped."""
    cols = ["game_date", "player_id", "team_abbr", "market", "line"]
    if lines.empty or player_games.empty:
        return pd.DataFrame(columns=cols)
    out = lines[["game_date", "player_id", "market", "line"]].dropna(subset=["line"])
    out = out.assign(
        game_date=pd.to_datetime(out["game_date"]), player_id=out["player_id"].astype(str)
    )
    teams = player_games[["player_id", "game_date", "team_abbr"]].assign(
        game_date=pd.to_datetime(player_games["game_date"]),
        player_id=player_games["player_id"].astype(str),
    )
    merged = pd.merge_asof(
        out.sort_values("game_date"),
        teams.sort_values("game_date"),
        on="game_date",
        by="player_id",
        allow_exact_matches=False,
        direction="backward",
    )
    return merged.dropna(subset=["team_abbr"])[cols].reset_index(drop=True)


def _missing_usual_lines(
    targets: pd.DataFrame, lines: pd.DataFrame, player_games: pd.DataFrame
) -> pd.DataFrame:
    """Per (game_date, team_abbr) with lines that day: teammates who usually have one and have none.

    "Usually": a line on USUAL_LINE_MIN of the team's last USUAL_LINE_DATES line dates within
    LINE_HISTORY_DAYS before the date (fewer such dates: unknown).
    """
    cols = ["game_date", "team_abbr", "missing_line_teammates", "missing_line_minutes"]
    team_dates = lines[["team_abbr", "game_date"]].drop_duplicates()
    team_dates = team_dates.sort_values(["team_abbr", "game_date"]).reset_index(drop=True)
    if team_dates.empty:
        return pd.DataFrame(columns=cols)
    team_dates["k"] = team_dates.groupby("team_abbr").cumcount()
    wanted = (
        targets[["game_date", "team_abbr"]]
        .drop_duplicates()
        .merge(team_dates, on=["game_date", "team_abbr"])
    )
    had = (
        lines[["team_abbr", "game_date", "player_id"]]
        .drop_duplicates()
        .merge(team_dates, on=["team_abbr", "game_date"])
    )
    window = pd.concat(
        [wanted.assign(k=wanted["k"] - j) for j in range(1, USUAL_LINE_DATES + 1)],
        ignore_index=True,
    ).merge(team_dates.rename(columns={"game_date": "line_date"}), on=["team_abbr", "k"])
    window = window[window["line_date"] >= window["game_date"] - HISTORY]
    sizes = window.groupby(["game_date", "team_abbr"]).size()
    known = sizes[sizes == USUAL_LINE_DATES].reset_index()[["game_date", "team_abbr"]]
    window = window.merge(known, on=["game_date", "team_abbr"])
    seen = window.merge(had[["team_abbr", "k", "player_id"]], on=["team_abbr", "k"])
    usual = seen.groupby(["game_date", "team_abbr", "player_id"], as_index=False).size()
    usual = usual[usual["size"] >= USUAL_LINE_MIN].drop(columns="size")
    today = had[["game_date", "team_abbr", "player_id"]].assign(_today=True)
    usual = usual.merge(today, on=["game_date", "team_abbr", "player_id"], how="left")
    missing = usual[usual["_today"].isna()].drop(columns="_today").reset_index(drop=True)
    # Still on the team: his latest game before the date was for this team (not traded away).
    if len(missing):
        still = _lines_with_teams(missing.assign(market="any", line=0.0), player_games).rename(
            columns={"team_abbr": "_team"}
        )
        missing = missing.merge(
            still[["game_date", "player_id", "_team"]], on=["game_date", "player_id"]
        )
        missing = missing[missing["_team"] == missing["team_abbr"]].drop(columns="_team")
    shares = recent_shares(player_games, missing)
    per_team = shares.groupby(["game_date", "team_abbr"], as_index=False).agg(
        missing_line_teammates=("player_id", "size"),
        missing_line_minutes=("recent_minutes", "sum"),
    )
    out = known.merge(per_team, on=["game_date", "team_abbr"], how="left")
    return out.fillna({"missing_line_teammates": 0.0, "missing_line_minutes": 0.0})[cols]


def _teammate_line_shift(targets: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Per (game_date, player_id, market): sum over teammates with a line today of that line minus
    their mean line over their last RECENT_LINES lines within LINE_HISTORY_DAYS (self excluded)."""
    cols = ["game_date", "player_id", "market", "teammate_line_shift"]
    if lines.empty:
        return pd.DataFrame(columns=cols)
    ordered = lines.sort_values(["player_id", "market", "game_date"]).reset_index(drop=True)
    grouped = ordered.groupby(["player_id", "market"], sort=False)
    total = pd.Series(0.0, index=ordered.index)
    count = pd.Series(0.0, index=ordered.index)
    for lag in range(1, RECENT_LINES + 1):
        earlier = grouped["line"].shift(lag)
        when = grouped["game_date"].shift(lag)
        ok = earlier.notna() & (when >= ordered["game_date"] - HISTORY)
        total += earlier.where(ok, 0.0)
        count += ok.astype(float)
    recent = (total / count).where(count > 0)
    shift = ordered.assign(_shift=ordered["line"] - recent).dropna(subset=["_shift"])
    team = shift.groupby(["game_date", "team_abbr", "market"], as_index=False).agg(
        _sum=("_shift", "sum"), _n=("_shift", "size")
    )
    rows = targets[["game_date", "player_id", "team_abbr"]].drop_duplicates(KEYS)
    rows = rows.assign(game_date=pd.to_datetime(rows["game_date"]))
    out = rows.merge(team, on=["game_date", "team_abbr"])
    out = out.merge(
        shift[["game_date", "player_id", "market", "_shift"]],
        on=["game_date", "player_id", "market"],
        how="left",
    )
    n = out["_n"] - out["_shift"].notna().astype(int)
    out["teammate_line_shift"] = (out["_sum"] - out["_shift"].fillna(0.0)).where(n > 0)
    return out[cols]


def market_features(
    targets: pd.DataFrame, lines: pd.DataFrame, player_games: pd.DataFrame
) -> pd.DataFrame:
    """Missing usual lines (team) and teammates' line shift (per market, wide) per target row.

    `lines` is the consensus (game_date, player_id, market, line) of the target dates and of the
    LINE_HISTORY_DAYS before each; only lines strictly before a date define "usual" and "recent".
    """
    rows = targets[["game_date", "player_id", "team_abbr"]].drop_duplicates(KEYS)
    rows = rows.assign(game_date=pd.to_datetime(rows["game_date"])).reset_index(drop=True)
    teamed = _lines_with_teams(lines, player_games)
    if len(rows):
        teamed = teamed[teamed["game_date"] <= rows["game_date"].max()]
    missing = _missing_usual_lines(rows, teamed, player_games)
    missing = missing.assign(game_date=pd.to_datetime(missing["game_date"]))  # empty: object dtype
    out = rows.merge(missing, on=["game_date", "team_abbr"], how="left")
    shift = _teammate_line_shift(rows, teamed)
    wide = shift.pivot_table(
        index=KEYS, columns="market", values="teammate_line_shift", aggfunc="first"
    )
    wide.columns = [f"teammate_line_shift_{m}" for m in wide.columns]
    out = out.merge(wide.reset_index(), on=KEYS, how="left") if len(wide) else out
    for m in STATS:
        if f"teammate_line_shift_{m}" not in out.columns:
            out[f"teammate_line_shift_{m}"] = np.nan
    return out.drop(columns="team_abbr")


def player_availability(
    targets: pd.DataFrame,
    player_games: pd.DataFrame,
    reports: pd.DataFrame,
    lines: pd.DataFrame,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """Every availability feature per (game_date, player_id) of `targets` (the context rows).

    `lines` is the consensus of the target dates and the LINE_HISTORY_DAYS before them;
    `teammate_line_shift` is per market: columns `teammate_line_shift_{market}`.
    """
    rest = rest_features(targets, player_games)
    report = report_features(targets, player_games, reports, as_of)
    market = market_features(targets, lines, player_games)
    return rest.merge(report, on=KEYS, how="left").merge(market, on=KEYS, how="left")


def attach_availability(store: pd.DataFrame, availability: pd.DataFrame) -> pd.DataFrame:
    """Feature-store rows with the availability columns (the market's own line shift per row)."""
    merged = store.merge(availability, on=KEYS, how="left")
    shift = pd.Series(np.nan, index=merged.index)
    for m in STATS:
        column = f"teammate_line_shift_{m}"
        if column in merged.columns:
            shift = shift.where(merged["market"] != m, merged[column])
    merged["teammate_line_shift"] = shift
    return merged.drop(columns=[c for c in merged.columns if c.startswith("teammate_line_shift_")])
