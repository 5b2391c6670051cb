"""Backtest and promotion tasks: read the warehouse (or import a folder), run the pure evaluation."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from models.backtest import ablate_availability, real_line_rows, report, walk_forward
from models.evaluation import evaluate
from models.policy import recommend
from models.promotion import GateResult, backtest_tags, gate_tags, promotion_gate
from models.training import NUM_ROUNDS
from resources import model_registry, warehouse
from resources.clock import now_utc
from resources.input_gaps import EmptyInputError, require_joinable_dates
from resources.retry import TASK_RETRY_OPTIONS
from resources.settings import Settings
from resources.training_data import data_settings, training_frame


@task(name="backtest", cache_policy=NO_CACHE, **TASK_RETRY_OPTIONS)
def run_backtest(
    settings: Settings,
    markets: list[str],
    start: date,
    end: date,
    data_dir: Path | None = None,
    train_start: date | None = None,
    num_rounds: int = NUM_ROUNDS,
    progress: Path | None = None,
    trials: int = 0,
    availability: str = "both",
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Walk-forward backtest of `markets` on real lines in [start, end]; returns the report and scored rows.

    With `progress`, the report of the folds done so far is written there after every fold.
    `availability` names the availability features the models see (models.backtest.ABLATIONS).
    A window that gives no scored player-game raises EmptyInputError saying which input is missing.
    """
    scoped = data_settings(settings, data_dir)
    what = f"backtest {start}..{end} has no player-game to evaluate"
    inputs = require_joinable_dates(scoped, start, end, markets, what)
    first = train_start or scoped.backtest_train_start
    frame = ablate_availability(
        training_frame(scoped, first, end + timedelta(days=1)), availability
    )

    def summarise(scored: pd.DataFrame, folds: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            **(evaluate(scored) if len(scored) else {"n": 0}),
            "window": [start.isoformat(), end.isoformat()],
            "train_start": first.isoformat(),
            "warehouse": scoped.resolved_warehouse_url,
            "min_expected_value": scoped.min_expected_value,
            "optuna_trials_per_fold": trials,
            "availability": availability,
            "markets": report(scored, markets),
            "folds": folds,
        }

    def on_fold(scored: pd.DataFrame, folds: list[dict[str, Any]]) -> None:
        if progress is not None:
            progress.write_text(json.dumps(summarise(scored, folds), indent=2, default=str))

    scored, folds = walk_forward(
        frame,
        markets,
        pd.Timestamp(start),
        pd.Timestamp(end),
        scoped.min_expected_value,
        None,
        num_rounds,
        on_fold,
        trials,
    )
    if scored.empty:
        raise EmptyInputError(inputs.explain(what))
    return summarise(scored, folds), scored


def _training_end(name: str, version: str) -> date:
    """The exclusive end of a registered version's training window (tags, else run params)."""
    window = model_registry.training_window(name, version)
    return window[1] if window else date(1900, 1, 1)


def _last_line_date(settings: Settings, market: str) -> date | None:
    """The latest game date with a real prop line of the market in the warehouse."""
    found = warehouse.read_sql(
        settings.resolved_warehouse_url,
        "SELECT MAX(game_date) AS d FROM raw_prop_lines WHERE market = :m",
        {"m": market},
    )
    value = found["d"].iloc[0] if len(found) else None
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _gate_rows(settings: Settings, market: str, start: date) -> tuple[pd.DataFrame, date | None]:
    """The market's real-line rows from `start` to the last line in the warehouse, and that date."""
    last = _last_line_date(settings, market)
    if last is None or last < start:
        return pd.DataFrame(), last
    frame = training_frame(settings, start, last + timedelta(days=1))
    rows = real_line_rows(frame, pd.Timestamp(start), pd.Timestamp(last) + pd.Timedelta(days=1))
    return rows[rows["market"] == market].reset_index(drop=True), last


def _score(
    settings: Settings, loaded: model_registry.LoadedModel, rows: pd.DataFrame
) -> dict[str, Any]:
    """`evaluate` of a loaded model's predictions on the rows (n=0 without rows)."""
    if rows.empty:
        return {"n": 0}
    out = model_registry.predict_with(loaded, rows)
    scored = pd.concat([rows.drop(columns=list(out.columns), errors="ignore"), out], axis=1)
    scored = recommend(
        scored.assign(p_over_market=scored["p_over_devig"]), settings.min_expected_value
    )
    return evaluate(scored)


def _gate_rule(settings: Settings) -> str:
    return (
        f"n >= {settings.promote_min_rows}, Brier <= champion + {settings.promote_brier_tolerance}, "
        f"MAE <= champion + {settings.promote_mae_tolerance}"
    )


@task(name="promote", cache_policy=NO_CACHE, **TASK_RETRY_OPTIONS)
def compare_aliases(settings: Settings, market: str) -> dict[str, Any]:
    """Challenger against champion on the same real-line rows after both training windows; move the alias if the gate passes.

    The verdict (pass / fail / not run, the numbers, the reasons) and the challenger's own
    backtest numbers against the line and the market are written onto the challenger version
    as tags and description, so the MLflow UI shows them beside the alias.
    """
    model_registry.configure(settings.resolved_mlflow_uri, settings.mlflow_artifacts_dir)
    name = model_registry.model_name(settings.model_name_prefix, market)
    challenger = model_registry.load_by_alias(name, "challenger")
    champion = model_registry.load_by_alias(name, settings.champion_alias)
    same = challenger.version == champion.version
    start = max(_training_end(name, challenger.version), _training_end(name, champion.version))
    rows, last = _gate_rows(settings, market, start)
    metrics = {"challenger": _score(settings, challenger, rows)}
    metrics["champion"] = metrics["challenger"] if same else _score(settings, champion, rows)
    if same:
        verdict = "not run"
        gate = GateResult(
            False, [f"challenger v{challenger.version} is already {settings.champion_alias}"]
        )
    elif rows.empty:
        verdict = "fail"
        gate = GateResult(False, [f"no real lines of {market} on or after {start}"])
    else:
        gate = promotion_gate(
            metrics["challenger"],
            metrics["champion"],
            settings.promote_min_rows,
            settings.promote_mae_tolerance,
            settings.promote_brier_tolerance,
        )
        verdict = "pass" if gate.passed else "fail"
    if gate.passed:
        model_registry.set_champion(name, challenger.version, "gate", settings.champion_alias)
    window = (str(start), None if rows.empty else str(last))
    tags = gate_tags(
        gate,
        verdict,
        now_utc(settings).isoformat(timespec="seconds"),
        champion.version,
        metrics["challenger"],
        metrics["champion"],
        _gate_rule(settings),
    )
    if not rows.empty:
        tags |= backtest_tags(metrics["challenger"], window)
    model_registry.tag_version(name, challenger.version, tags)
    keep = ("n", "mae", "market_mae", "brier", "market_brier", "bets", "hit_rate", "roi")
    return {
        "market": market,
        "challenger_model": name,
        "promoted": gate.passed,
        "verdict": verdict,
        "reasons": gate.reasons,
        "window": list(window),
        "challenger": {
            "version": challenger.version,
            **{k: metrics["challenger"].get(k) for k in keep},
        },
        "champion": {"version": champion.version, **{k: metrics["champion"].get(k) for k in keep}},
    }
