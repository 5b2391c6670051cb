"""check_write: every table the platform writes passes its contract on real data, and breaks loudly.

The real tables are built from the bundled data with the same pure functions the phases call:
raw rows through split_valid, phases 3-4 through build_feature_tables, the crosswalk, the EWMA
baseline's predictions through the policy, and their grades against the real box scores.
"""

from __future__ import annotations

import functools
import time

import pandas as pd
import pytest

from contracts.raw import Quarantine
from contracts.registry import TABLES
from contracts.validate import (
    SHOWN_KEYS,
    ContractViolation,
    UnregisteredTableError,
    check_write,
    coerce_to_contract,
    split_valid,
)
from features.analytics import player_game_summary
from features.crosswalk import player_registry, prop_name_resolution
from features.pipeline import build_feature_tables, coverage_counts, resolve_prop_lines
from models.grading import daily_performance, grade_predictions
from models.prediction import baseline_predictions, finish_predictions
from resources.sources.replay import load_replay_data
from tests.conftest import REPO
from tests.unit.contract_rules import assert_breaks_only, broken_rules

# Two season openers (history from the season before only) and three March dates with prop lines.
TARGET_DATES = [pd.Timestamp(d) for d in ("2023-10-24", "2023-10-25")] + [
    pd.Timestamp(d) for d in ("2024-03-10", "2024-03-11", "2024-03-12")
]
HISTORY_FROM = pd.Timestamp("2023-01-01")
LOADED_AT = pd.Timestamp("2024-03-13T15:00:00Z")  # the morning after the last target date


def _on_dates(frame: pd.DataFrame, dates: list[pd.Timestamp]) -> pd.DataFrame:
    return frame[pd.to_datetime(frame["game_date"]).isin(dates)].reset_index(drop=True)


def _baseline_predictions(store: pd.DataFrame) -> pd.DataFrame:
    """The EWMA baseline system's predictions, assembled as the predict phase does."""
    frames = [
        baseline_predictions(rows.reset_index(drop=True), str(market))
        for market, rows in store.groupby("market", sort=True)
    ]
    return finish_predictions(frames, 0.0)


@functools.cache
def real_tables() -> dict[str, pd.DataFrame]:
    """Every written table, built from the bundled real data for TARGET_DATES."""
    data = load_replay_data(str(REPO / "data"))
    last = max(TARGET_DATES)
    raw = {
        "raw_schedule": _on_dates(data.schedule, TARGET_DATES),
        "raw_player_boxscores": data.player_boxscores[
            (data.player_boxscores["game_date"] >= HISTORY_FROM)
            & (data.player_boxscores["game_date"] <= last)
        ],
        "raw_team_boxscores": data.team_boxscores[
            (data.team_boxscores["game_date"] >= HISTORY_FROM)
            & (data.team_boxscores["game_date"] <= last)
        ],
        "raw_prop_lines": _on_dates(data.prop_lines, TARGET_DATES),
        "raw_game_odds": _on_dates(data.game_odds, TARGET_DATES),
    }
    tables: dict[str, pd.DataFrame] = {}
    quarantined = []
    for name, rows in raw.items():
        spec = TABLES[name]
        result = split_valid(
            rows,
            spec.contract,
            table_name=name,
            source="replay",
            payload_path=f"replay://{name}",
            now=LOADED_AT,
            natural_key=list(spec.natural_key),
            date_column=spec.date_column,
        )
        tables[name] = result.good
        quarantined.append(result.quarantine)
    tables["quarantine"] = pd.concat(quarantined, ignore_index=True)

    box, schedule = tables["raw_player_boxscores"], tables["raw_schedule"]
    built = build_feature_tables(
        schedule,
        box,
        tables["raw_team_boxscores"],
        tables["raw_prop_lines"],
        None,
        game_odds=tables["raw_game_odds"],
    )
    for name in built.__dataclass_fields__:
        tables[name] = getattr(built, name)
    tables["coverage"] = coverage_counts(TARGET_DATES, built)
    tables["player_registry"] = player_registry(box)
    tables["prop_name_resolution"] = prop_name_resolution(
        resolve_prop_lines(tables["raw_prop_lines"], box), box
    )
    predictions = _baseline_predictions(built.ml_feature_store)
    played = _on_dates(player_game_summary(box), TARGET_DATES)
    grades = grade_predictions(predictions, played, schedule, LOADED_AT)
    tables["player_prop_predictions"] = predictions
    tables["prediction_grades"] = grades
    tables["system_daily_performance"] = daily_performance(grades, predictions, played)
    return tables


# Registered tables the bundled data cannot produce, and why (their own tests build their frames).
NOT_FROM_BUNDLED_DATA: dict[str, str] = {
    "phase_cache": "cache bookkeeping of resources/cache_keys, no domain data",
    "raw_injury_report": "no official injury reports are bundled",
}


def test_real_tables_cover_every_registered_table() -> None:
    tables = real_tables()
    assert set(tables) == set(TABLES) - set(NOT_FROM_BUNDLED_DATA)
    assert all(len(frame) for frame in tables.values()), {k: len(v) for k, v in tables.items()}
    # The slice exercises the rules' edge cases: season openers, lines, calls, voids, post-tip lines.
    assert tables["player_daily_cache"]["prior_season_only"].any()
    assert tables["ml_feature_store"]["has_line"].any()
    assert set(tables["player_prop_predictions"]["recommendation"]) >= {"OVER", "UNDER", "NO_LINE"}
    assert {"win", "loss", "void"} <= set(tables["prediction_grades"]["result"])


@pytest.mark.parametrize("table", sorted(set(TABLES) - set(NOT_FROM_BUNDLED_DATA)))
def test_every_real_table_keeps_its_contract(table: str) -> None:
    check_write(table, real_tables()[table])


def test_unregistered_table_is_refused() -> None:
    frame = real_tables()["coverage"]
    with pytest.raises(UnregisteredTableError, match="add a pandera DataFrameModel"):
        check_write("coverage_by_week", frame)
    with pytest.raises(UnregisteredTableError):
        check_write("coverage_by_week", frame.iloc[0:0])


def test_an_empty_frame_only_clears_partitions() -> None:
    check_write("ml_feature_store", pd.DataFrame({"game_date": pd.Series(dtype="datetime64[ns]")}))
    check_write("system_daily_performance", pd.DataFrame())


def test_coerce_to_contract_returns_what_validate_returns() -> None:
    from contracts.predictions import PlayerPropPredictions

    predictions = real_tables()["player_prop_predictions"]
    raw = predictions.assign(
        player_id=predictions["player_id"].astype("int64"),  # text coerced from numbers
        line=predictions["line"].astype(object),
        model_version=1,
        unnamed=0,  # dropped by the filtering contract
    )
    for frame in (raw, raw.iloc[0:0], predictions):
        expected = PlayerPropPredictions.validate(frame)
        pd.testing.assert_frame_equal(
            coerce_to_contract(PlayerPropPredictions, frame), expected, check_exact=True
        )
    assert all(
        isinstance(v, str) for v in coerce_to_contract(PlayerPropPredictions, raw)["player_id"]
    )


def test_an_empty_payload_splits_into_nothing() -> None:
    spec = TABLES["raw_prop_lines"]
    result = split_valid(
        pd.DataFrame(),
        spec.contract,
        table_name="raw_prop_lines",
        source="replay",
        payload_path="replay://prop_lines/empty",
        now=LOADED_AT,
        natural_key=list(spec.natural_key),
    )
    assert result.good.empty and result.quarantine.empty
    assert list(result.good.columns) == list(spec.contract.to_schema().columns)


def test_violation_names_table_rules_and_first_keys() -> None:
    store = real_tables()["ml_feature_store"].copy()
    store.loc[0:6, "quality_score"] = 1.5  # seven rows out of range: five keys shown
    store.loc[10, "has_line"] = not store.loc[10, "has_line"]
    with pytest.raises(ContractViolation) as caught:
        check_write("ml_feature_store", store)
    error = caught.value
    assert isinstance(error, ValueError) and error.table == "ml_feature_store"
    by_rule = {(f.check, f.column): f for f in error.failures}
    assert set(by_rule) == {
        ("less_than_or_equal_to(1)", "quality_score"),
        ("has_line != line present", "row"),
    }
    out_of_range = by_rule[("less_than_or_equal_to(1)", "quality_score")]
    assert out_of_range.n_rows == 7 and len(out_of_range.keys) == SHOWN_KEYS
    first = store.iloc[0]
    first_key = (
        f"(game_date={first['game_date'].date()}, player_id={first['player_id']}, "
        f"market={first['market']})"
    )
    assert out_of_range.keys[0] == first_key
    message = str(error)
    assert message.startswith("ml_feature_store: 2 contract rule(s) broken")
    assert "less_than_or_equal_to(1) [quality_score]: 7 rows" in message
    assert first_key in message and "values 1.5" in message


def test_duplicate_natural_key_of_a_raw_table_is_refused() -> None:
    # Raw contracts declare no uniqueness (split_valid handles duplicates): check_write adds it.
    box = real_tables()["raw_player_boxscores"]
    doubled = pd.concat([box.head(3), box.head(1)], ignore_index=True)
    with pytest.raises(ContractViolation, match=r"duplicate_key \[game_id, player_id\]: 2 rows"):
        check_write("raw_player_boxscores", doubled)


def test_missing_column_is_named() -> None:
    grades = real_tables()["prediction_grades"].drop(columns=["profit"])
    with pytest.raises(ContractViolation, match=r"missing_column \[profit\]"):
        check_write("prediction_grades", grades)


def test_a_large_feature_store_is_checked_in_well_under_a_second_per_100k_rows() -> None:
    store = real_tables()["ml_feature_store"]
    # Copies of the real rows on other dates: same values, distinct keys, 100k+ rows.
    copies = -(-100_000 // len(store))
    big = pd.concat(
        [
            store.assign(game_date=store["game_date"] + pd.Timedelta(days=400 * i))
            for i in range(copies)
        ],
        ignore_index=True,
    )
    check_write("ml_feature_store", big.head(1000))  # the schema is built once per process
    start = time.perf_counter()
    check_write("ml_feature_store", big)
    elapsed = time.perf_counter() - start
    # About 0.4 s for 100k rows on the 2-core CI machine; the bound leaves room for a busy host.
    assert elapsed < 2.0, f"{len(big)} rows took {elapsed:.2f} s"


def _whole_payload_row(rule: str = "unparseable_payload", row_number: int = -1) -> pd.DataFrame:
    """The quarantine row of a payload that could not be parsed at all (an HTML error page)."""
    return pd.DataFrame(
        {
            "table_name": ["raw_player_boxscores"],
            "source": ["stats_nba"],
            "payload_path": ["raw/stats_nba/player_boxscores/2024-03-10/0001.json"],
            "row_number": [row_number],
            "field": [None],
            "rule": [rule],
            "message": ["body is not JSON: '<html><head><title>Access Denied'"],
            "row_json": ["null"],
            "quarantined_at": [LOADED_AT],
        }
    )


def test_quarantine_rules() -> None:
    rows = real_tables()["quarantine"]
    assert broken_rules(Quarantine, rows) == set()
    assert broken_rules(Quarantine, _whole_payload_row()) == set()
    whole = "row_number -1 exactly for an unparseable payload"
    assert_breaks_only(Quarantine, _whole_payload_row(rule="wrong_type"), whole)
    assert_breaks_only(Quarantine, rows.assign(row_number=-1), whole)
    assert_breaks_only(
        Quarantine,
        _whole_payload_row(rule="wrong_type", row_number=-2),
        "greater_than_or_equal_to(-1",
    )
    assert_breaks_only(Quarantine, rows.assign(rule=""), "str_length(")
