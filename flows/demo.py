"""`make demo`: the daily pipeline end to end on the bundled real data, then a plain summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
from prefect import flow

from models.prediction import EXPORT_SYSTEM
from resources.settings import Settings
from resources.warehouse import Warehouse


def run_demo(settings: Settings, echo: Callable[[str], object]) -> None:
    """Import history before the demo date, train if no champion, run the pipeline, summarise."""
    from resources.loading import import_dir
    from tasks.training import train_markets

    day = settings.demo_date
    first = day - timedelta(days=1)
    echo(
        f"1/4 importing bundled real data before {first} from {settings.data_dir} into {settings.resolved_warehouse_url}"
    )
    reports = import_dir(settings, settings.data_dir, before=first)
    echo(
        f"    {sum(r.rows_loaded for r in reports)} rows loaded, "
        f"{sum(r.rows_quarantined for r in reports)} quarantined (see `nba-props status`)"
    )
    echo(
        f"2/4 training models if no champion exists (games {settings.train_seasons[0][:4]}-10-01 .. {settings.train_cutoff})"
    )
    trained = train_markets.fn(
        settings.markets,
        pd.Timestamp(f"{settings.train_seasons[0][:4]}-10-01").date(),
        settings.train_cutoff,
        only_if_missing=True,
    )
    for r in trained.values():
        echo(f"    trained {r['model']} v{r['version']} (holdout MAE {r['holdout_mae_blend']:.2f})")
    if not trained:
        echo("    every market already has a champion: reusing it")
    echo(
        f"3/4 running daily-pipeline for {first} (same_day=true), then {day} (ingests and grades {first}); "
        f"replay source as of {settings.replay_clock_time} US-Eastern"
    )
    summary = demo_days(first, day)
    echo("4/4 what happened")
    for line in demo_summary(settings, day, summary):
        echo("    " + line)


@flow(name="demo", log_prints=True)
def demo_days(first: date, day: date) -> dict[str, object]:
    """The two demo runs as subflows of one parent run (one Prefect session, one UI entry)."""
    from flows.daily import daily_pipeline

    once = daily_pipeline.with_options(retries=0)  # a demo reports a failure at once
    once(game_date=first, same_day=True)
    return once(game_date=day, same_day=False)


def demo_summary(settings: Settings, day: object, summary: dict[str, object]) -> list[str]:
    """Plain-language lines about a finished run."""
    wh = Warehouse.from_settings(settings)
    d = pd.Timestamp(str(day))
    prev = d - timedelta(days=1)
    games = wh.read_dates("raw_schedule", [d])
    preds = wh.read_dates("player_prop_predictions", [d], system_id=EXPORT_SYSTEM)
    grades = wh.read_dates("prediction_grades", [prev], system_id=EXPORT_SYSTEM)
    calls = preds["recommendation"].value_counts().to_dict() if len(preds) else {}
    record = grades["result"].value_counts().to_dict() if len(grades) else {}
    profit = float(grades["profit"].sum()) if len(grades) else 0.0
    exports = settings.resolved_exports
    return [
        f"games on {d.date()}: {len(games)}",
        f"players predicted: {preds['player_id'].nunique() if len(preds) else 0} "
        f"({len(preds)} player-markets, {int(preds['line'].notna().sum()) if len(preds) else 0} with a real line)",
        f"calls: OVER {calls.get('OVER', 0)}, UNDER {calls.get('UNDER', 0)}, PASS {calls.get('PASS', 0)}, NO_LINE {calls.get('NO_LINE', 0)}",
        f"yesterday ({prev.date()}) graded: W {record.get('win', 0)} L {record.get('loss', 0)} "
        f"P {record.get('push', 0)} V {record.get('void', 0)}, profit {profit:+.2f} units at real prices",
        f"exports: {exports}/predictions/{d.date()}.json, results/{prev.date()}.json, best-bets/{d.date()}.json, status.json",
        f"drift report: {settings.reports_dir / 'drift' / f'{d.date()}.html'}",
        *availability_lines(settings, d.date()),
        "Prefect UI: `make serve`, then http://127.0.0.1:4200 ; MLflow UI: http://127.0.0.1:5000",
    ]


def availability_lines(settings: Settings, day: date, market: str = "points") -> list[str]:
    """The player of `day` whose `market` prediction the injury report's absences moved most."""
    from resources.clock import run_as_of
    from tasks.availability import explain_availability

    result = explain_availability.fn(day, market, run_as_of(settings, day))
    if result["line"] is None:
        return [f"availability: {result['why']}"]
    return [
        f"availability (largest move on {day}): {result['line']}",
        "    move = published mean - mean with that teammate listed Available on the injury report;"
        " `nba-props explain-availability --date D --player NAME`",
    ]
