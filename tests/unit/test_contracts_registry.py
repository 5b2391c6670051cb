"""The registry: every table the code writes has a contract, and each contract keeps its key."""

from __future__ import annotations

import ast
import re

import pandera.pandas as pa
import pytest

from contracts.registry import TABLES
from tests.conftest import REPO

# Every table the platform writes (issue 12). A new table is added here and in TABLES together.
WRITTEN_TABLES = {
    "raw_schedule",
    "raw_player_boxscores",
    "raw_team_boxscores",
    "raw_prop_lines",
    "raw_game_odds",
    "raw_injury_report",
    "quarantine",
    "player_registry",
    "prop_name_resolution",
    "player_game_summary",
    "team_game_summary",
    "upcoming_player_game_context",
    "player_daily_cache",
    "team_defense_summary",
    "player_composite_factors",
    "prop_line_consensus",
    "ml_feature_store",
    "coverage",
    "player_prop_predictions",
    "prediction_grades",
    "system_daily_performance",
    "phase_cache",
}
WRITE_METHODS = {"replace_partition", "replace_dates", "upsert", "append"}
# Module constants that list table names (FEATURE_TABLES, SUMMARY_TABLES, KIND_TABLE, ...).
TABLE_CONSTANT = re.compile(r"(^|_)TABLES?$")
# Key columns a contract may leave nullable: a whole-payload quarantine row has no field, and a
# load without a stored payload has no path.
NULLABLE_KEY_COLUMNS = {("quarantine", "payload_path"), ("quarantine", "field")}


def _strings(node: ast.AST) -> list[str]:
    """String constants of a literal: tuple/list/set items, dict values, arguments of a call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for item in node.elts for s in _strings(item)]
    if isinstance(node, ast.Dict):
        return [s for value in node.values for s in _strings(value)]
    if isinstance(node, ast.Call):
        return [s for arg in node.args for s in _strings(arg)]
    return []


def _written_table_names() -> dict[str, set[str]]:
    """Table name -> where it is written, from the source of tasks/, resources/ and flows/.

    A name counts when it is a string literal given as the table of a warehouse write
    (`warehouse.replace_partition(url, "t", ...)`, `wh.replace_dates("t", ...)`, ...), or a string
    in a module constant named *_TABLE / *_TABLES (the names loops and lookups write from).
    """
    found: dict[str, set[str]] = {}
    for folder in ("tasks", "resources", "flows"):
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            where = str(path.relative_to(REPO))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in WRITE_METHODS
                ):
                    continue
                owner = node.func.value
                # The module functions take the URL first; Warehouse methods take the table first.
                position = 1 if isinstance(owner, ast.Name) and owner.id == "warehouse" else 0
                if node.func.attr == "append" and len(node.args) < 2:
                    continue  # list.append
                if len(node.args) > position:
                    for name in _strings(node.args[position]):
                        found.setdefault(name, set()).add(f"{where}:{node.lineno}")
            for statement in tree.body:
                if isinstance(statement, ast.Assign):
                    targets, value = statement.targets, statement.value
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    targets, value = [statement.target], statement.value
                else:
                    continue
                for target in targets:
                    if isinstance(target, ast.Name) and TABLE_CONSTANT.search(target.id):
                        for name in _strings(value):
                            found.setdefault(name, set()).add(f"{where}:{target.id}")
    return found


def test_registry_holds_exactly_the_written_tables() -> None:
    assert set(TABLES) == WRITTEN_TABLES
    for name, spec in TABLES.items():
        assert spec.name == name
        assert issubclass(spec.contract, pa.DataFrameModel)


def test_every_table_written_in_the_source_has_a_contract() -> None:
    written = _written_table_names()
    unregistered = {name: sorted(where) for name, where in written.items() if name not in TABLES}
    assert not unregistered, (
        f"tables written without a contract: {unregistered}; add a DataFrameModel in contracts/ "
        "and register it in contracts/registry.py TABLES"
    )


def test_the_source_scan_sees_every_registered_table() -> None:
    # If a write moves to a shape the scan cannot read, say so rather than pass on nothing.
    missing = set(TABLES) - set(_written_table_names())
    assert not missing, (
        f"no write of {sorted(missing)} found by the scan in tasks/ resources/ flows/"
    )


@pytest.mark.parametrize("table", sorted(TABLES))
def test_natural_key_and_date_column_are_contract_columns(table: str) -> None:
    spec = TABLES[table]
    columns = spec.contract.to_schema().columns
    for column in spec.natural_key:
        assert column in columns, f"{table}: key column {column} not in the contract"
        nullable = columns[column].nullable
        assert nullable == ((table, column) in NULLABLE_KEY_COLUMNS), (table, column)
    if spec.date_column is not None:
        assert spec.date_column in columns


@pytest.mark.parametrize("table", sorted(TABLES))
def test_contract_uniqueness_is_the_registered_key(table: str) -> None:
    # Raw contracts leave duplicates to split_valid (quarantined, first row kept); the derived
    # ones declare their key so a plain .validate also refuses duplicates. check_write adds the
    # registered key to every table either way.
    unique = TABLES[table].contract.to_schema().unique
    if table.startswith("raw_") or table == "quarantine":
        assert unique is None
    else:
        assert list(unique or []) == list(TABLES[table].natural_key)
