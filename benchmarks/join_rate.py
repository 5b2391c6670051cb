"""Measure how many prop player-dates resolve to a player id and join a box-score row.

Run from the repository root: `python benchmarks/join_rate.py [data_dir] [--json OUT]`.
Columns: player-dates = distinct (player id, else normalised name; US-Eastern game date);
resolved = share given a player id; joined = share whose id has a box-score row that date;
name-only = the README method (normalised name + date, no aliases or team check) for comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.record import Recorder, records  # noqa: E402
from features.calendar import EASTERN  # noqa: E402
from features.identity import normalize_names, resolve_player_ids, unresolved_names  # noqa: E402

README_RATES = {
    "3c threes 2024-25": 92.9,
    "3b Mar-May 2024": 91.9,
    "3d PRA 2023-24": 93.4,
    "3d PRA 2024-25": 96.6,
}


def et_date(utc: pd.Series) -> pd.Series:
    """Return the US-Eastern calendar date of UTC timestamps."""
    ts = pd.to_datetime(utc, utc=True)
    return ts.dt.tz_convert(EASTERN).dt.tz_localize(None).dt.normalize()


def load_props(data: Path) -> dict[str, pd.DataFrame]:
    """Load the four prop files as (player_name, game_date, home_team, away_team, season)."""
    props = data / "props"
    threes = pd.read_csv(props / "oddsapi_player_threes_2024-25.csv.gz", dtype=str)
    teams = threes["game"].str.split(" @ ", n=1, expand=True)
    b = pd.read_csv(props / "oddsapi_player_props_2024-03-02_to_2024-05-25.csv.gz", dtype=str)
    out = {
        "3c threes 2024-25": pd.DataFrame(
            {
                "player_name": threes["player"],
                "game_date": et_date(threes["game_time"]),
                "home_team": teams[1],
                "away_team": teams[0],
            }
        ),
        "3b Mar-May 2024": pd.DataFrame(
            {
                "player_name": b["player"],
                "game_date": et_date(b["commence_time"]),
                "home_team": b["home_team"],
                "away_team": b["away_team"],
            }
        ),
    }
    for season in ("2023-24", "2024-25"):
        pra = pd.read_csv(props / f"oddsapi_player_pra_{season}.csv.gz", dtype=str)
        out[f"3d PRA {season}"] = pd.DataFrame(
            {
                "player_name": pra["player_name"],
                "game_date": et_date(pra["timestamp"]),
                "home_team": pra["home_team"],
                "away_team": pra["away_team"],
            }
        )
    return out


def load_players(data: Path) -> pd.DataFrame:
    """Load every bundled player game log as (player_id, player_name, team_abbr, game_date)."""
    frames = []
    for path in sorted((data / "player_game_logs").glob("*.csv.gz")):
        logs = pd.read_csv(
            path,
            dtype=str,
            usecols=["PLAYER_ID", "PLAYER_NAME", "TEAM_ABBREVIATION", "GAME_DATE"],
        )
        frames.append(logs)
    logs = pd.concat(frames, ignore_index=True)
    return pd.DataFrame(
        {
            "player_id": logs["PLAYER_ID"],
            "player_name": logs["PLAYER_NAME"],
            "team_abbr": logs["TEAM_ABBREVIATION"],
            "game_date": pd.to_datetime(logs["GAME_DATE"]),
        }
    )


def main() -> None:
    """Print per-file resolution and box-score join rates next to the README's numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", default="data")
    parser.add_argument("--json", type=Path, default=None, help="write the result here")
    args = parser.parse_args()
    recorder = Recorder.start("join_rate")
    data = Path(args.data)
    players = load_players(data)
    played = set(zip(players["player_id"], players["game_date"], strict=True))
    played_names = set(
        zip(normalize_names(players["player_name"]), players["game_date"], strict=True)
    )
    print(
        f"{'file':<20} {'rows':>8} {'player-dates':>12} {'resolved':>9} {'joined':>8}"
        f" {'name-only':>9} {'README':>7} {'secs':>5}"
    )
    unresolved = []
    files: list[dict[str, Any]] = []
    all_props = load_props(data)
    for name, props in all_props.items():
        start = time.perf_counter()
        res = resolve_player_ids(props, players)
        secs = time.perf_counter() - start
        who = res["player_id"].astype(object).fillna("name:" + normalize_names(res["player_name"]))
        pd_ = res.assign(who=who).drop_duplicates(["who", "game_date"])
        resolved = pd_["player_id"].notna()
        joined = [
            (pid, d) in played for pid, d in zip(pd_["player_id"], pd_["game_date"], strict=True)
        ]
        norm = props.assign(norm=normalize_names(props["player_name"]))
        norm = norm.drop_duplicates(["norm", "game_date"])
        name_only = pd.Series(
            [k in played_names for k in zip(norm["norm"], norm["game_date"], strict=True)]
        )
        print(
            f"{name:<20} {len(res):>8} {len(pd_):>12} {100 * resolved.mean():>8.1f}%"
            f" {100 * pd.Series(joined).mean():>7.1f}% {100 * name_only.mean():>8.1f}%"
            f" {README_RATES[name]:>6.1f}% {secs:>5.2f}"
        )
        counts = res["resolution"].value_counts().to_dict()
        print(f"{'':<20} resolutions per row: {counts}")
        files.append(
            {
                "file": name,
                "rows": len(res),
                "player_dates": len(pd_),
                "resolved_pct": round(100 * float(resolved.mean()), 2),
                "joined_pct": round(100 * float(pd.Series(joined).mean()), 2),
                "name_only_pct": round(100 * float(name_only.mean()), 2),
                "readme_pct": README_RATES[name],
                "resolve_seconds": round(secs, 2),
                "resolutions": {str(k): int(v) for k, v in counts.items()},
            }
        )
        miss = unresolved_names(res)
        miss.insert(0, "file", name)
        unresolved.append(miss)
    print("\nunresolved names (top 40):")
    allmiss = pd.concat(unresolved, ignore_index=True)
    top = allmiss.sort_values("n_rows", ascending=False).head(40)
    print(top.to_string(index=False))
    dates = pd.concat([p["game_date"] for p in all_props.values()])
    recorder.write(
        args.json,
        sum(f["rows"] for f in files),
        "prop rows",
        [str(dates.min().date()), str(dates.max().date())],
        {
            "data": str(data.resolve()),
            "files": files,
            "unresolved_top": records(top),
        },
    )


if __name__ == "__main__":
    main()
