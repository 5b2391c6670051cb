"""The replay source: serves the bundled real data day by day, as of a clock.

A game's box score exists only once the game has ended before the clock; prop-line and game-odds
snapshots exist only once captured before the clock, injury-report rows once their report was
published before it. Payloads are JSON documents of rows in the
raw-table columns, labelled source="replay", so they go through the same raw store, contracts and
loads as the live HTTP sources. An empty answer is a payload without rows once it is final (every
game of the date over by the clock), so the raw store records that it was asked; before that it is
no payload (ask again later).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from features.calendar import EASTERN
from resources.sources import files as importers
from resources.sources import injury_report
from resources.sources.base import RawPayload, SourceError

# A game counts as ended this long after tip-off (NBA games last about 2h15m; overtime rarely 3h).
GAME_DURATION = timedelta(hours=3)
# When no source knows a tip-off time, assume the usual evening tip in US-Eastern time.
DEFAULT_TIP_EASTERN = "19:00"


@dataclass(frozen=True)
class ReplayData:
    """All bundled files read once into raw-table frames."""

    schedule: pd.DataFrame
    player_boxscores: pd.DataFrame
    team_boxscores: pd.DataFrame
    prop_lines: pd.DataFrame
    game_odds: pd.DataFrame
    # Official injury-report rows (report layout mapped to raw columns, names not yet resolved).
    injury_reports: pd.DataFrame = field(default_factory=pd.DataFrame)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _known_tipoffs(prop_lines: pd.DataFrame, game_odds: pd.DataFrame) -> pd.DataFrame:
    """Tip-off times by (game_date, home, away) from any odds snapshot that records them."""
    cols = ["game_date", "home_team", "away_team", "commence_time"]
    both = _concat([prop_lines[cols], game_odds[cols]]).dropna()
    first = both.groupby(["game_date", "home_team", "away_team"])["commence_time"].min()
    return first.reset_index().rename(columns={"commence_time": "tipoff_utc"})


@lru_cache(maxsize=2)
def _team_rows(data_dir: str) -> pd.DataFrame:
    """Team game logs under `data_dir` (raw_team_boxscores columns)."""
    root = Path(data_dir)
    teams = _concat(
        [importers.read_team_logs(p)[0] for p in sorted(root.glob("team_game_logs/*.csv.gz"))]
    )
    if teams.empty:
        raise SourceError("replay", f"no team game logs under {root / 'team_game_logs'}")
    return teams


@lru_cache(maxsize=2)
def _prop_lines(data_dir: str) -> pd.DataFrame:
    """Prop-line snapshots under `data_dir`."""
    paths = sorted(Path(data_dir).glob("props/*.csv.gz"))
    return _concat([importers.read_props(p) for p in paths])


@lru_cache(maxsize=2)
def _game_odds(data_dir: str) -> pd.DataFrame:
    """Game-odds snapshots under `data_dir`."""
    paths = sorted(Path(data_dir).glob("game_odds/*.csv.gz"))
    return _concat([importers.read_game_odds(p) for p in paths])


@lru_cache(maxsize=2)
def _schedule(data_dir: str) -> pd.DataFrame:
    """The schedule from the team logs, tip-offs from the odds snapshots (else 19:00 ET)."""
    schedule = importers.schedule_from_team_rows(_team_rows(data_dir), source="replay")
    tips = _known_tipoffs(_prop_lines(data_dir), _game_odds(data_dir))
    schedule = schedule.drop(columns="tipoff_utc").merge(
        tips, on=["game_date", "home_team", "away_team"], how="left"
    )
    default_tip = (
        pd.to_datetime(schedule["game_date"].dt.strftime("%Y-%m-%d") + " " + DEFAULT_TIP_EASTERN)
        .dt.tz_localize(EASTERN)
        .dt.tz_convert("UTC")
    )
    schedule["tipoff_known"] = schedule["tipoff_utc"].notna()
    schedule["tipoff_utc"] = schedule["tipoff_utc"].fillna(default_tip)
    return schedule


@lru_cache(maxsize=2)
def _player_rows(data_dir: str) -> pd.DataFrame:
    """Player game logs under `data_dir`, game ids made those of the schedule."""
    paths = sorted(Path(data_dir).glob("player_game_logs/*.csv.gz"))
    players = _concat([importers.read_player_logs(p) for p in paths])
    return importers.canonical_game_ids(players, _schedule(data_dir))


@lru_cache(maxsize=2)
def _injury_rows(data_dir: str) -> pd.DataFrame:
    """Official injury-report rows under `data_dir`."""
    paths = sorted(Path(data_dir).glob("injuries/official_injury_report_*.csv*"))
    return _concat([injury_report.read_report_csv(p)[0] for p in paths])


def load_replay_data(data_dir: str) -> ReplayData:
    """Read every bundled file under `data_dir` (layout of ../shared/data) once per process.

    Each kind of file is read on first use and kept (`ReplaySource.fetch` reads only the kinds it
    is asked for: a run fetching lines never parses the player logs).
    """
    if not any(Path(data_dir).glob("team_game_logs/*.csv.gz")):
        raise SourceError("replay", f"no team game logs under {Path(data_dir) / 'team_game_logs'}")
    return ReplayData(
        _schedule(data_dir),
        _player_rows(data_dir),
        _team_rows(data_dir),
        _prop_lines(data_dir),
        _game_odds(data_dir),
        _injury_rows(data_dir),
    )


def _payload(kind: str, game_date: date, rows: pd.DataFrame, as_of: datetime) -> RawPayload:
    body = {
        "source": "replay",
        "kind": kind,
        "game_date": game_date.isoformat(),
        "as_of": as_of.isoformat(),
        "rows": json.loads(rows.to_json(orient="records", date_format="iso")),
    }
    return RawPayload(
        source="replay",
        kind=kind,
        game_date=game_date,
        content=json.dumps(body, sort_keys=True).encode(),
        fetched_at=as_of,
        url=f"replay://{kind}/{game_date.isoformat()}",
    )


class ReplaySource:
    """GameDaySource over the bundled real data that answers as of `clock` (UTC)."""

    name = "replay"

    def __init__(self, data_dir: Path, clock: datetime) -> None:
        self.data_dir = data_dir
        self.clock = (
            pd.Timestamp(clock).tz_convert("UTC")
            if pd.Timestamp(clock).tzinfo
            else pd.Timestamp(clock, tz="UTC")
        )

    def fetch(self, kind: str, game_date: date) -> list[RawPayload]:
        data_dir = str(self.data_dir)
        day = pd.Timestamp(game_date)
        schedule = _schedule(data_dir)
        games = schedule[schedule["game_date"] == day]
        if kind == "schedule":
            rows = games.drop(columns=["tipoff_known"])
        elif kind in ("player_boxscores", "team_boxscores"):
            ended = games.loc[games["tipoff_utc"] + GAME_DURATION <= self.clock, "game_id"]
            if ended.empty:  # no game over: nothing to look up
                rows = pd.DataFrame()
            else:
                reader = _player_rows if kind == "player_boxscores" else _team_rows
                table = reader(data_dir)
                rows = table[table["game_id"].isin(ended)]
        elif kind == injury_report.KIND:
            table = _injury_rows(data_dir)
            if table.empty:
                return []
            rows = table[(table["game_date"] == day) & (table["report_time"] < self.clock)]
        elif kind in ("prop_lines", "game_odds"):
            table = _prop_lines(data_dir) if kind == "prop_lines" else _game_odds(data_dir)
            rows = table[(table["game_date"] == day) & (table["captured_at"] < self.clock)]
        else:
            raise SourceError("replay", f"kind {kind!r} is not served by the replay source")
        if rows.empty and kind != "schedule" and not self._final(games, game_date):
            return []
        return [_payload(kind, game_date, rows, self.clock.to_pydatetime())]

    def _final(self, games: pd.DataFrame, game_date: date) -> bool:
        """True when the clock is past the end of every game of the date (past the date's end in
        US-Eastern time when it has none): no box score or pre-tip snapshot can still appear, so an
        empty answer is final and is kept (a re-run does not ask again)."""
        if len(games):
            return bool((games["tipoff_utc"] + GAME_DURATION <= self.clock).all())
        day_end = pd.Timestamp(game_date + timedelta(days=1)).tz_localize(EASTERN)
        return bool(self.clock >= day_end)


def parse_replay_payload(payload: RawPayload) -> pd.DataFrame:
    """Rows of a replay payload as a frame (types are coerced by the table's contract)."""
    try:
        body = json.loads(payload.content)
    except json.JSONDecodeError as exc:
        raise SourceError("replay", f"payload is not JSON: {exc}", url=payload.url) from exc
    if not isinstance(body, dict) or "rows" not in body:
        raise SourceError("replay", "payload has no 'rows' field", url=payload.url)
    return pd.DataFrame(body["rows"])
