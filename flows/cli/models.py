"""Model commands: train (with optuna tuning), backtest, promote."""

from __future__ import annotations

import json
import math
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.environment import ParameterError, checked, date_option, environment
from resources.parameters import check_markets, check_order

if TYPE_CHECKING:
    from resources.settings import Settings


class Availability(StrEnum):
    """Availability features the backtest's models see (models.backtest.ABLATIONS)."""

    none = "none"
    report = "report"
    market = "market"
    both = "both"


def _markets(settings: Settings, market: str) -> list[str]:
    """The markets a `--market` option names ('all' or one of settings.markets); a usage error otherwise."""
    return checked(lambda: check_markets("--market", market, settings.markets))


def _fmt(value: Any, spec: str) -> str:
    """`value` formatted with `spec`, or "n/a" when it is missing."""
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format(value, spec)
    )


def backtest_lines(result: dict[str, Any]) -> list[str]:
    """Human-readable table of a backtest result."""
    lines = [
        f"walk-forward backtest {result['window'][0]}..{result['window'][1]} (train from {result['train_start']}), real lines only",
        "MAE: published mean (anchored to the line); model: the line-free stack",
        f"{'market':9} {'n':>6} {'MAE':>6} {'model':>6} {'line':>6} {'EWMA':>6} {'L10':>6} {'bias':>6} "
        f"{'Brier':>6} {'raw':>6} {'mkt':>6} {'bets':>5} {'hit':>6} {'hit 95%':>13} {'ROI':>7} {'ROI 95%':>15}",
    ]
    for market, m in result["markets"].items():
        if market == "all" or not m.get("n"):
            continue
        lo, hi = m["hit_rate_ci95"]
        rlo, rhi = m["roi_ci95"]
        lines.append(
            f"{market:9} {m['n']:6d} {m['mae']:6.3f} {_fmt(m.get('model_mae'), '6.3f')} {m['market_mae']:6.3f} {m['baseline_mae']:6.3f} "
            f"{m['last10_mae']:6.3f} {m['bias']:+6.2f} {m['brier']:6.4f} {m['brier_raw']:6.4f} "
            f"{m['market_brier']:6.4f} {m['bets']:5d} {_fmt(m['hit_rate'], '6.3f')} "
            f"[{_fmt(lo, '.3f')},{_fmt(hi, '.3f')}] {_fmt(m['roi'], '+7.3f')} [{_fmt(rlo, '+.3f')},{_fmt(rhi, '+.3f')}]"
        )
    return lines


def train(
    market: Annotated[str, typer.Option(help="A market or 'all'.")] = "all",
    start: Annotated[date, date_option("--start", help="First training game date.")] = date(
        2021, 10, 1
    ),
    end: Annotated[
        date | None,
        date_option(
            "--end",
            help="Train on games strictly before this date (default: settings.train_cutoff).",
        ),
    ] = None,
    trials: Annotated[
        int,
        typer.Option(
            min=0,
            help="optuna trials per market (walk-forward folds before the cutoff); 0 = defaults.",
        ),
    ] = 0,
    num_rounds: Annotated[int, typer.Option(min=1, help="LightGBM boosting rounds.")] = 300,
    if_missing: Annotated[
        bool, typer.Option(help="Skip markets that already have a champion.")
    ] = False,
) -> None:
    """Tune, train, log and register market models (new versions get the alias 'challenger')."""
    settings = environment()
    markets = _markets(settings, market)
    cutoff = end or settings.train_cutoff
    checked(lambda: check_order("--start", start, "--end", cutoff, strict=True))
    if not if_missing:  # say what is missing before MLflow is even imported
        from resources.input_gaps import require_training_games

        require_training_games(settings, start, cutoff)
    from tasks.training import train_markets

    results = train_markets.fn(
        markets,
        start,
        cutoff,
        only_if_missing=if_missing,
        trials=trials,
        num_rounds=num_rounds,
    )
    for m, r in results.items():
        tuned = f", tuned walk-forward MAE {r['best_mae']:.3f}" if "best_mae" in r else ""
        typer.echo(
            f"{m:9} {r['model']} v{r['version']} (challenger): holdout MAE stack {r['holdout_mae_blend']:.3f} "
            f"(lgbm {r['holdout_mae_lgbm']:.3f}, similarity {r['holdout_mae_similarity']:.3f}, "
            f"minutes {r['holdout_mae_minutes']:.3f}, baseline {r['holdout_mae_baseline']:.3f}), "
            f"n_train={int(r['n_train'])}{tuned}"
        )
    if not results:
        typer.echo("every market already has a champion; nothing trained")


def backtest(
    market: Annotated[str, typer.Option(help="A market or 'all'.")] = "points",
    start: Annotated[date, date_option("--start", help="First reported game date.")] = date(
        2024, 3, 1
    ),
    end: Annotated[date, date_option("--end", help="Last reported game date (inclusive).")] = date(
        2024, 5, 31
    ),
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the full result here.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Import this folder (../shared/data layout) into its own state dir and use it."
        ),
    ] = None,
    train_start: Annotated[
        date | None,
        date_option(
            "--train-start",
            help="First training game date (default: settings.backtest_train_start).",
        ),
    ] = None,
    num_rounds: Annotated[int, typer.Option(min=1, help="LightGBM boosting rounds.")] = 300,
    trials: Annotated[
        int,
        typer.Option(
            min=0,
            help="optuna trials per market inside every fold (training rows only); 0 = defaults.",
        ),
    ] = 0,
    availability: Annotated[
        Availability,
        typer.Option(help="Availability features the models see (ablation)."),
    ] = Availability.both,
    scored_path: Annotated[
        Path | None, typer.Option("--scored", help="Write every scored row here (CSV).")
    ] = None,
) -> None:
    """Walk-forward backtest on real lines: retrain before each monthly fold, score it, report."""
    checked(lambda: check_order("--start", start, "--end", end))
    if train_start is not None:
        checked(lambda: check_order("--train-start", train_start, "--start", start, strict=True))
    for name, path in (("--json", json_path), ("--scored", scored_path)):
        if path is not None and path.is_dir():
            raise ParameterError(f"{name}: expected a file path to write, found a folder at {path}")
    if data is not None and not data.is_dir():
        found = "a file" if data.exists() else "nothing"
        raise ParameterError(
            f"--data: expected a folder (../shared/data layout), found {found} at {data}"
        )
    settings = environment()
    markets = _markets(settings, market)
    from tasks.backtest import run_backtest

    result, _scored = run_backtest.fn(
        settings,
        markets,
        start,
        end,
        data,
        train_start,
        num_rounds,
        trials=trials,
        availability=availability.value,
    )
    if scored_path is not None:
        scored_path.parent.mkdir(parents=True, exist_ok=True)
        _scored.to_csv(scored_path, index=False)
        typer.echo(f"wrote {scored_path}")
    for line in backtest_lines(result):
        typer.echo(line)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, indent=2, default=str, allow_nan=True))
        typer.echo(f"wrote {json_path}")


def promote(
    market: Annotated[str, typer.Option(help="A market or 'all'.")] = "all",
) -> None:
    """Challenger vs champion on the same real-line window; move 'champion' only if the gate passes.

    The verdict, the numbers and the reasons are written onto the challenger version (tags and
    description), with its backtest MAE against the line and Brier against the market.
    """
    settings = environment()
    from tasks.backtest import compare_aliases

    for m in _markets(settings, market):
        r = compare_aliases.fn(settings, m)
        outcome = "PROMOTED" if r["promoted"] else "kept champion"
        typer.echo(f"{m}: {outcome} (gate {r['verdict']}); window {r.get('window')}")
        for alias in ("challenger", "champion"):
            c = r[alias]
            typer.echo(
                f"  {alias:10} v{c['version']}: n={c['n']} MAE {_fmt(c.get('mae'), '.3f')} "
                f"(line {_fmt(c.get('market_mae'), '.3f')}) Brier {_fmt(c.get('brier'), '.4f')} "
                f"(market {_fmt(c.get('market_brier'), '.4f')}) bets={_fmt(c.get('bets'), 'd')} "
                f"hit {_fmt(c.get('hit_rate'), '.3f')} ROI {_fmt(c.get('roi'), '+.3f')}"
            )
        for reason in r["reasons"]:
            typer.echo(f"  - {reason}")
        typer.echo(f"  verdict written to {r['challenger_model']} v{r['challenger']['version']}")


def register(app: typer.Typer) -> None:
    """Add `train`, `backtest` and `promote` to the CLI."""
    app.command("train")(train)
    app.command("backtest")(backtest)
    app.command("promote")(promote)
