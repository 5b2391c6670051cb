"""The replay source: serves the bundled real data day by day, as of a clock.

A game's box score exists only once the game has ended before the clock; prop-line and game-odds
snapshots exist only once captured before the clock, injury-report rows once their report was
published before it. Payloads are JSON documents of rows in the
raw-table columns, labelled source="replay", so they go through the same raw store, contracts and
loads as the live HTTP sources.
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
def load_replay_data(data_dir: str) -> ReplayData:
    """Read every bundled file under `data_dir` (layout of ../shared/data) once per process."""
    root = Path(data_dir)
    players = _concat(
        [importers.read_player_logs(p) for p in sorted(root.glob("player_game_logs/*.csv.gz"))]
    )
    teams = _concat(
        [importers.read_team_logs(p)[0] for p in sorted(root.glob("team_game_logs/*.csv.gz"))]
    )
    props = _concat([importers.read_props(p) for p in sorted(root.glob("props/*.csv.gz"))])
    odds = _concat([importers.read_game_odds(p) for p in sorted(root.glob("game_odds/*.csv.gz"))])
    if teams.empty:
        raise SourceError("replay", f"no team game logs under {root / 'team_game_logs'}")
    schedule = importers.schedule_from_team_rows(teams, source="replay")
    tips = _known_tipoffs(props, odds)
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
    players = importers.canonical_game_ids(players, schedule)
    injuries = _concat(
        [
            injury_report.read_report_csv(p)[0]
            for p in sorted(root.glob("injuries/official_injury_report_*.csv*"))
        ]
    )
    return ReplayData(schedule, players, teams, props, odds, injuries)


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
        data = load_replay_data(str(self.data_dir))
        day = pd.Timestamp(game_date)
        games = data.schedule[data.schedule["game_date"] == day]
        if kind == "schedule":
            rows = games.drop(columns=["tipoff_known"])
        elif kind in ("player_boxscores", "team_boxscores"):
            ended = games.loc[games["tipoff_utc"] + GAME_DURATION <= self.clock, "game_id"]
            table = data.player_boxscores if kind == "player_boxscores" else data.team_boxscores
            rows = table[table["game_id"].isin(ended)]
        elif kind == injury_report.KIND:
            table = data.injury_reports
            if table.empty:
                return []
            rows = table[(table["game_date"] == day) & (table["report_time"] < self.clock)]
        elif kind in ("prop_lines", "game_odds"):
            table = data.prop_lines if kind == "prop_lines" else data.game_odds
            rows = table[(table["game_date"] == day) & (table["captured_at"] < self.clock)]
        else:
            raise SourceError("replay", f"kind {kind!r} is not served by the replay source")
        if rows.empty and kind != "schedule":
            return []
        return [_payload(kind, game_date, rows, self.clock.to_pydatetime())]


def parse_replay_payload(payload: RawPayload) -> pd.DataFrame:
    """Rows of a replay payload as a frame (types are coerced by the table's contract)."""
    try:
        body = json.loads(payload.content)
    except json.JSONDecodeError as exc:
        raise SourceError("replay", f"payload is not JSON: {exc}", url=payload.url) from exc
    if not isinstance(body, dict) or "rows" not in body:
        raise SourceError("replay", "payload has no 'rows' field", url=payload.url)
    return pd.DataFrame(body["rows"])
