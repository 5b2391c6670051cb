"""The import graph: six layers with no upward arrow, tasks/ holds only tasks, no private imports.

flows -> tasks -> resources -> models -> features -> contracts (a module may import its own layer
and the layers below it, never one above).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

LAYERS = ("contracts", "features", "models", "resources", "tasks", "flows")
RANK = {name: i for i, name in enumerate(LAYERS)}


def _modules() -> list[Path]:
    return sorted(p for layer in LAYERS for p in (REPO / layer).rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names imported from it, line) for every import of the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
    return found


def _layer(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in RANK else None


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_upward_import(path: Path) -> None:
    own = path.relative_to(REPO).parts[0]
    upward = [
        f"line {line}: {module}"
        for module, _, line in _imports(path)
        if (layer := _layer(module)) is not None and RANK[layer] > RANK[own]
    ]
    assert not upward, f"{path.relative_to(REPO)} imports a layer above {own}: {upward}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_private_name_imported_from_another_module(path: Path) -> None:
    private = [
        f"line {line}: from {module} import {name}"
        for module, names, line in _imports(path)
        if _layer(module) is not None
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private, f"{path.relative_to(REPO)} imports private names: {private}"


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (REPO / "tasks").glob("*.py") if p.name != "__init__.py"),
    ids=lambda p: p.name,
)
def test_tasks_modules_define_only_tasks(path: Path) -> None:
    """Every public function of tasks/ is a Prefect task (helpers are private, IO is in resources/)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    public = [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    assert public, f"{path.name} defines no task"
    not_tasks = [
        f.name
        for f in public
        if not any(
            (isinstance(d, ast.Call) and getattr(d.func, "id", "") == "task")
            or getattr(d, "id", "") == "task"
            for d in f.decorator_list
        )
    ]
    assert not not_tasks, f"{path.name}: public functions that are not tasks: {not_tasks}"
