"""Turn the paths given on the command line into the Python files to check."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

PYTHON_SUFFIXES = (".py", ".pyi")
# Folders that hold environments, caches or build output rather than the project's own code.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".eggs", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist",
})
LOCKFILE_NAME = "loadlint.lock"


class PathError(Exception):
    """A path given by the user does not exist."""


def python_files(paths: Sequence[str]) -> Iterator[str]:
    """Files named explicitly are checked whatever their suffix; folders are walked in sorted order."""
    for given in paths:
        if os.path.isfile(given):
            yield given
        elif os.path.isdir(given):
            yield from _walk(given)
        else:
            raise PathError(f"{given}: no such file or directory")


def _walk(folder: str) -> Iterator[str]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(PYTHON_SUFFIXES):
                yield os.path.join(root, name) if root != "." else name


def find_lockfile(paths: Sequence[str], cwd: Path) -> Path | None:
    """The nearest `loadlint.lock` above the first checked path, else in the working directory."""
    for given in paths:
        start = Path(given).resolve()
        for folder in [start, *start.parents] if start.is_dir() else start.parents:
            candidate = folder / LOCKFILE_NAME
            if candidate.is_file():
                return candidate
    candidate = cwd / LOCKFILE_NAME
    return candidate if candidate.is_file() else None
