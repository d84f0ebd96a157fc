"""Imports flow one way: only the resolver's hub package touches huggingface_hub, nothing imports
transformers or torch (but the runtime worker, which runs as a process of its own and is imported by
nothing), rules never reach the network, and nothing imports the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "loadlint"
MODULES = sorted(PACKAGE.rglob("*.py"))
WORKER = "runtime/worker.py"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_import_direction(path: Path) -> None:
    names = imported(path)
    tops = {name.split(".")[0] for name in names}
    if relative(path) != WORKER:
        assert not tops & {"transformers", "torch"}, "the lint path never imports transformers or torch"
        assert "loadlint.runtime.worker" not in names, "the worker only ever runs as its own process"
    if "huggingface_hub" in tops:
        assert relative(path).startswith("resolve/hub/") or relative(path) == WORKER
    if not relative(path).startswith("cli/") and relative(path) != "__main__.py":
        assert not any(name == "loadlint.cli" or name.startswith("loadlint.cli.") for name in names)
    if relative(path).startswith("rules/"):
        assert not any(name.startswith(("loadlint.resolve", "loadlint.engine")) for name in names)
    if relative(path).startswith("report/"):
        assert not any(name.startswith(("loadlint.resolve", "loadlint.engine", "loadlint.rules")) for name in names)


@pytest.mark.parametrize("path", sorted((PACKAGE / "resolve" / "hub").glob("*.py")), ids=relative)
def test_huggingface_hub_is_imported_lazily(path: Path) -> None:
    tree = ast.parse(path.read_text())
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert not any("huggingface_hub" in ast.unparse(node) for node in top_level)


def test_nbformat_is_imported_only_by_the_notebook_package_and_lazily() -> None:
    """nbformat costs ~0.1 s to import: only a run that meets a notebook pays it."""
    for path in MODULES:
        tree = ast.parse(path.read_text())
        top_level = [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        assert not any("nbformat" in line for line in top_level), relative(path)
        if "nbformat" in {name.split(".")[0] for name in imported(path)}:
            assert relative(path).startswith("notebook/"), relative(path)
