"""Crosswalk contracts: the player registry and prop-name resolution keep real rows, refuse broken ones."""

from __future__ import annotations

import pandas as pd
import pytest

from contracts.crosswalk import RESOLUTIONS, PlayerRegistry, PropNameResolution
from features.identity import RESOLUTIONS as IDENTITY_RESOLUTIONS
from tests.unit.contract_rules import Mutation, assert_rule_breaks, set_value


@pytest.fixture
def registry() -> pd.DataFrame:
    """Kevin Durant's two teams of 2022-23 (traded in February 2023) and Devin Booker's."""
    return pd.DataFrame(
        {
            "player_id": ["201142", "201142", "1626164"],
            "team_abbr": ["BKN", "PHX", "PHX"],
            "canonical_name": ["Kevin Durant", "Kevin Durant", "Devin Booker"],
            "normalized_name": ["kevin durant", "kevin durant", "devin booker"],
            "first_date": pd.to_datetime(["2022-10-19", "2023-03-01", "2022-10-19"]),
            "last_date": pd.to_datetime(["2023-01-08", "2023-04-09", "2023-04-09"]),
            "n_games": [39, 8, 53],
        }
    )


REGISTRY_RULES: list[tuple[str, Mutation]] = [
    ("first_date after last_date", set_value("first_date", pd.Timestamp("2023-02-01"))),
    ("more games than days between first_date and last_date", set_value("n_games", 92)),
    ("isin(", set_value("team_abbr", "NJN")),
    ("greater_than_or_equal_to(1", set_value("n_games", 0)),
    ("str_length(", set_value("canonical_name", "")),
    ("multiple_fields_uniqueness", set_value("team_abbr", "PHX")),
]


@pytest.mark.parametrize(("rule", "mutate"), REGISTRY_RULES, ids=[r for r, _ in REGISTRY_RULES])
def test_player_registry_rules(registry: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PlayerRegistry, registry, rule, mutate)


@pytest.fixture
def resolution() -> pd.DataFrame:
    """Names of 2024-03-10 prop lines: an exact match, an alias, and a name nobody matched."""
    return pd.DataFrame(
        {
            "game_date": pd.Timestamp("2024-03-10"),
            "player_name": ["Kevin Durant", "Nicolas Claxton", "Jalen Hood-Schifino"],
            "normalized_name": ["kevin durant", "nicolas claxton", "jalen hood schifino"],
            "player_id": pd.array(["201142", "1629651", pd.NA], dtype="string"),
            "resolution": ["exact", "alias", "unresolved"],
            "n_rows": [44, 30, 2],
            "n_books": [11, 8, 1],
            "played": pd.array([True, False, pd.NA], dtype="boolean"),
        }
    )


RESOLUTION_RULES: list[tuple[str, Mutation]] = [
    ("player_id missing exactly when unresolved", set_value("resolution", "unresolved")),
    ("player_id missing exactly when unresolved", set_value("resolution", "exact", row=2)),
    ("played known for an unresolved name", set_value("played", True, row=2)),
    ("n_books > n_rows", set_value("n_books", 45)),
    ("isin(", set_value("resolution", "fuzzy")),
    ("greater_than_or_equal_to(1", set_value("n_books", 0)),
    ("multiple_fields_uniqueness", set_value("player_name", "Kevin Durant", row=1)),
]


@pytest.mark.parametrize(("rule", "mutate"), RESOLUTION_RULES, ids=[r for r, _ in RESOLUTION_RULES])
def test_prop_name_resolution_rules(resolution: pd.DataFrame, rule: str, mutate: Mutation) -> None:
    assert_rule_breaks(PropNameResolution, resolution, rule, mutate)


def test_resolution_labels_are_the_identity_module_labels() -> None:
    assert RESOLUTIONS == IDENTITY_RESOLUTIONS
