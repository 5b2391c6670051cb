"""Breaking one contract rule in a copy of good rows: the mutations, and the check that only it broke.

A mutation edits a frame in place. Its row is a position (0 first, -1 last) or a selector that
picks the row(s) from the frame (`where`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

Mutation = Callable[[pd.DataFrame], None]
Selector = Callable[[pd.DataFrame], pd.Index]
Row = int | Selector


def broken_rules(model: type[pa.DataFrameModel], frame: pd.DataFrame) -> set[str]:
    """The names of the contract's checks that `frame` fails (empty when it keeps the contract)."""
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return set(exc.failure_cases["check"].astype(str))
    return set()


def assert_breaks_only(model: type[pa.DataFrameModel], frame: pd.DataFrame, rule: str) -> None:
    """`frame` fails exactly one check of `model`, whose name starts with `rule`."""
    broken = broken_rules(model, frame)
    assert len(broken) == 1 and next(iter(broken)).startswith(rule), broken


def assert_rule_breaks(
    model: type[pa.DataFrameModel], good: pd.DataFrame, rule: str, mutate: Mutation
) -> None:
    """`good` keeps the contract, and `mutate` on a copy of it breaks exactly `rule`."""
    assert broken_rules(model, good) == set()
    bad = good.copy()
    mutate(bad)
    assert_breaks_only(model, bad, rule)


def where(**equals: object) -> Selector:
    """The first row whose columns equal the values given (fails when there is none)."""

    def rows(frame: pd.DataFrame) -> pd.Index:
        keep = np.ones(len(frame), dtype=bool)
        for column, value in equals.items():
            keep &= (frame[column] == value).to_numpy()
        assert keep.sum() >= 1, equals
        return frame.index[keep][:1]

    return rows


def _at(frame: pd.DataFrame, row: Row) -> Any:
    """The index label(s) of `row` in `frame`."""
    return row(frame) if callable(row) else frame.index[row]


def set_value(column: str, value: object, row: Row = 0) -> Mutation:
    """Set one column of one row."""
    return set_values(row, **{column: value})


def set_values(row: Row, **values: Any) -> Mutation:
    """Set several columns of one row."""

    def mutate(frame: pd.DataFrame) -> None:
        at = _at(frame, row)
        for column, value in values.items():
            frame.loc[at, column] = value

    return mutate


def shift(column: str, by: float, row: Row = -1) -> Mutation:
    """Add `by` to one column of one row."""

    def mutate(frame: pd.DataFrame) -> None:
        at = _at(frame, row)
        frame.loc[at, column] = frame.loc[at, column] + by

    return mutate


def same_teams(row: Row = -1) -> Mutation:
    """Make a row's opponent its own team."""

    def mutate(frame: pd.DataFrame) -> None:
        at = _at(frame, row)
        frame.loc[at, "opponent_abbr"] = frame.loc[at, "team_abbr"]

    return mutate


def all_of(*mutations: Mutation) -> Mutation:
    """Every mutation, in order."""

    def mutate(frame: pd.DataFrame) -> None:
        for one in mutations:
            one(frame)

    return mutate
