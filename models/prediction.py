"""Assemble every system's predictions for feature-store rows (pure: the champion's output is given).

Five systems per market: `baseline_ewma` (no registry), the champion's members `lgbm`,
`similarity` and `minutes` (rate x predicted minutes; default dispersion) and its `ensemble`
(stacked mean, calibrated P(over)).
"""

from __future__ import annotations

import pandas as pd

from contracts.columns import PLAYER_IN_GAME_COLUMNS
from contracts.predictions import PlayerPropPredictions
from contracts.validate import coerce_to_contract
from models.distribution import DEFAULT_ALPHA, p_over, p_under
from models.policy import recommend
from models.systems import baseline_ewma_mean

# A prediction's identifying columns and the line it is made against.
BASE_COLUMNS = [*PLAYER_IN_GAME_COLUMNS, "market", "line", "over_price", "under_price"]
MEMBER_SYSTEMS = ("lgbm", "similarity", "minutes")
# The system whose calls are published (exports, best bets, live grading, the status record).
EXPORT_SYSTEM = "ensemble"


def prediction_base(rows: pd.DataFrame) -> pd.DataFrame:
    """The identifying columns, the line and its source, and the de-vigged market P(over)."""
    base = rows[BASE_COLUMNS].copy()
    base["line_source"] = rows["line"].notna().map({True: "consensus", False: None})
    base["p_over_market"] = rows["p_over_devig"]
    return base


def _with_mean(
    base: pd.DataFrame, market: str, system_id: str, name: str, version: str, mean: object
) -> pd.DataFrame:
    """`base` with a system's mean and its negative-binomial P(over/under) at the market's alpha."""
    alpha = DEFAULT_ALPHA[market]
    means = pd.Series(mean, index=base.index, dtype=float).to_numpy()
    has_line = base["line"].notna().to_numpy()
    line = base["line"].astype(float).fillna(0.0).to_numpy()
    return base.assign(
        system_id=system_id,
        model_name=name,
        model_version=version,
        predicted_mean=means,
        p_over=pd.Series(p_over(means, line, alpha), index=base.index).where(has_line),
        p_under=pd.Series(p_under(means, line, alpha), index=base.index).where(has_line),
    )


def baseline_predictions(rows: pd.DataFrame, market: str) -> pd.DataFrame:
    """The EWMA baseline system's rows for one market (it needs no registered model)."""
    mean = baseline_ewma_mean(rows)
    return _with_mean(prediction_base(rows), market, "baseline_ewma", "baseline_ewma", "v1", mean)


def market_predictions(
    rows: pd.DataFrame, market: str, model_name: str, model_version: str, champion: pd.DataFrame
) -> list[pd.DataFrame]:
    """The five systems' rows for one market; `champion` is the registered model's output on `rows`."""
    rows = rows.reset_index(drop=True)
    champion = champion.reset_index(drop=True)
    base = prediction_base(rows)
    frames = [baseline_predictions(rows, market)]
    for system_id in MEMBER_SYSTEMS:
        member = champion[f"{system_id}_mean"]
        frames.append(_with_mean(base, market, system_id, model_name, model_version, member))
    frames.append(
        base.assign(
            system_id=EXPORT_SYSTEM,
            model_name=model_name,
            model_version=model_version,
            predicted_mean=champion["predicted_mean"].to_numpy(),
            p_over=champion["p_over"].to_numpy(),
            p_under=champion["p_under"].to_numpy(),
        )
    )
    return frames


def finish_predictions(frames: list[pd.DataFrame], min_expected_value: float) -> pd.DataFrame:
    """Concatenate systems' rows, add edge / EV / recommendation, coerced to the contract's types.

    The rules are checked where the rows are written (`Warehouse.replace_dates` -> `check_write`).
    """
    if not frames:
        return pd.DataFrame(columns=list(PlayerPropPredictions.to_schema().columns))
    predictions = recommend(pd.concat(frames, ignore_index=True), min_expected_value)
    return coerce_to_contract(PlayerPropPredictions, predictions)


def model_versions(predictions: pd.DataFrame, system_id: str = EXPORT_SYSTEM) -> dict[str, str]:
    """Registered model name -> version used by a system (run tags, status export)."""
    if predictions.empty:
        return {}
    rows = predictions[predictions["system_id"] == system_id]
    return {str(k): str(v) for k, v in rows.groupby("model_name")["model_version"].first().items()}
