"""The cases: what each one lints, and the loadlint and ruff commands it times side by side.

loadlint always runs offline, with a throwaway HF_HOME.  The single-file, many-findings and
many-calls cases run as a pre-commit hook does on changed files: `--no-cache` (every file extracted
afresh) with the transformers tables cached (derived once per installation); the cold tree has a
fresh empty LOADLINT_CACHE_DIR for every run, the warm tree every cache primed.  ruff runs with
`--no-cache`, and in the warm case also with a primed `--cache-dir`.  Every command runs in the
temporary folder, so no configuration of the repository applies to the inputs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bench.inputs import (
    Input,
    copy_transformers,
    write_calls_file,
    write_config_project,
    write_notebooks,
    write_repository,
    write_training_script,
)
from bench.models import ModelSet, model_set
from bench.timing import Command

LOADLINT_OK_CODES = (0, 1, 2)  # clean, findings, some file could not be checked
COMMAND_TARGET_S = 0.15  # `loadlint --version`, `rules` and `rule CODE` answer at once
MANY_FINDINGS_TYPES = 50
REPOSITORY_FILES, REPOSITORY_LOADS, REPOSITORY_WRONG_SHARE = 300, 2000, 0.25
NOTEBOOKS, CONFIGURED_SCRIPTS = 40, 40
RUFF_CLASSIC_RULES = "E4,E7,E9,F"


@dataclass
class Case:
    name: str
    label: str
    loadlint: Command
    ruff: Command | None  # `ruff check --no-cache` on the same input, or ruff's matching command
    ruff_cache: Command | None = None  # ruff with a primed cache (the warm case)
    baseline: Command | None = None  # loadlint on the same input with every call right (many findings)
    adds: str | None = None  # the baseline is the same code without this (notebooks, configs): what it adds
    target_s: float | None = None  # loadlint's median should stay at or under this
    generated: Input | None = None

    @property
    def loadlint_commands(self) -> list[Command]:
        return [command for command in (self.loadlint, self.baseline) if command]

    @property
    def commands(self) -> list[Command]:
        return [*self.loadlint_commands, *(command for command in (self.ruff, self.ruff_cache) if command)]


class Workspace:
    """The temporary folder, the two tools, and the inputs, each made once, when a case first needs it."""

    def __init__(self, root: Path, tree: Path | None, ruff_select: bool) -> None:
        self.root = root
        self.given_tree = tree
        self.ruff_select = ruff_select
        loadlint = _sibling_or_path("loadlint")
        self.loadlint_argv = [loadlint] if loadlint else [sys.executable, "-m", "loadlint"]
        self.ruff = _sibling_or_path("ruff")
        self.env = os.environ | {"HF_HUB_OFFLINE": "1", "HF_HOME": str(root / "hf-home")}

    def versions(self) -> dict[str, str]:
        """What `--version` prints for each tool."""
        tools = {"loadlint": self.loadlint_argv, "ruff": [self.ruff] if self.ruff else None}
        return {
            name: subprocess.run([*argv, "--version"], capture_output=True, text=True, env=self.env).stdout.strip()
            for name, argv in tools.items()
            if argv
        }

    @cached_property
    def models(self) -> ModelSet:
        return model_set(MANY_FINDINGS_TYPES)

    @cached_property
    def lockfile(self) -> Path:
        path = self.inputs("") / "loadlint.lock"
        path.write_text(self.models.lockfile_text)
        return path

    @cached_property
    def tree(self) -> Path:
        return self.given_tree or copy_transformers(self.inputs("tree"))

    def inputs(self, name: str) -> Path:
        folder = self.root / "inputs" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def loadlint(self, *args: str, name: str = "loadlint") -> Command:
        return Command(name, [*self.loadlint_argv, *args], self.env, self.root, fresh_cache=True)

    def loadlint_check(
        self, path: Path, *, name: str = "loadlint", pinned: bool = True, warm: bool = False, tables: bool = False
    ) -> Command:
        """`loadlint check` with JSON output; `pinned`: the ids resolve from the benchmark's lockfile.
        Cold: every cache empty.  `tables`: the transformers tables cached (they are derived once per
        installation), each file extracted afresh (`--no-cache`), as a pre-commit run on changed files.
        `warm`: every cache primed."""
        argv = [*self.loadlint_argv, "check", str(path), "--offline", "--output-format", "json"]
        if pinned:
            argv += ["--lockfile", str(self.lockfile)]
        if tables:
            env = self.env | {"LOADLINT_CACHE_DIR": str(self.root / "loadlint-tables-cache")}
            return Command(name, [*argv, "--no-cache"], env, self.root, LOADLINT_OK_CODES, primed=True)
        if not warm:
            return Command(name, [*argv, "--no-cache"], self.env, self.root, LOADLINT_OK_CODES, fresh_cache=True)
        env = self.env | {"LOADLINT_CACHE_DIR": str(self.root / "loadlint-warm-cache")}
        return Command(name, argv, env, self.root, LOADLINT_OK_CODES, primed=True)

    def ruff_command(self, *args: str) -> Command | None:
        return Command(f"ruff {' '.join(args)}", [self.ruff, *args], self.env, self.root) if self.ruff else None

    def ruff_check(self, path: Path, *, cache: bool = False) -> Command | None:
        if not self.ruff:
            return None
        caching = ["--cache-dir", str(self.root / "ruff-cache")] if cache else ["--no-cache"]
        select = ["--select", RUFF_CLASSIC_RULES] if self.ruff_select else []
        argv = [self.ruff, "check", *caching, "--exit-zero", "--quiet", *select, str(path)]
        return Command("ruff (cache)" if cache else "ruff --no-cache", argv, self.env, self.root, primed=cache)


def _sibling_or_path(tool: str) -> str | None:
    """The tool installed beside this Python (its venv need not be on PATH), else the one on PATH."""
    sibling = Path(sys.executable).with_name(tool)
    return str(sibling) if sibling.is_file() else shutil.which(tool)


def _command_case(name: str, args: tuple[str, ...], ruff_args: tuple[str, ...]) -> Callable[[Workspace], Case]:
    def build(workspace: Workspace) -> Case:
        label = f"`loadlint {' '.join(args)}`"
        return Case(
            name, label, workspace.loadlint(*args), workspace.ruff_command(*ruff_args), target_s=COMMAND_TARGET_S
        )

    return build


def _single_file(workspace: Workspace) -> Case:
    script = write_training_script(workspace.inputs("single-file"), workspace.models.examples)
    return Case(
        "single-file",
        f"single file ({script.path.name}, {script.loads} loads)",
        workspace.loadlint_check(script.path, tables=True),
        workspace.ruff_check(script.path),
        generated=script,
    )


def _many_findings(workspace: Workspace) -> Case:
    models = workspace.models.generated
    calls = write_calls_file(workspace.inputs("many-findings") / "calls.py", models, right_only=False)
    right = write_calls_file(workspace.inputs("many-findings-right") / "calls.py", models, right_only=True)
    return Case(
        "many-findings",
        f"many findings ({len(models)} types, {calls.calls} calls)",
        workspace.loadlint_check(calls.path, tables=True),
        workspace.ruff_check(calls.path),
        baseline=workspace.loadlint_check(right.path, name="loadlint (right calls)", tables=True),
        generated=calls,
    )


def _many_calls(workspace: Workspace) -> Case:
    models = workspace.models
    repository = write_repository(
        workspace.inputs("many-calls"),
        [*models.examples, *models.generated],
        REPOSITORY_FILES,
        REPOSITORY_LOADS,
        REPOSITORY_WRONG_SHARE,
    )
    return Case(
        "many-calls",
        f"many calls ({REPOSITORY_FILES} files, {repository.loads:,} loads)",
        workspace.loadlint_check(repository.path, tables=True),
        workspace.ruff_check(repository.path),
        generated=repository,
    )


def _notebooks(workspace: Workspace) -> Case:
    notebooks, scripts = write_notebooks(workspace.inputs("notebooks"), workspace.models.examples, NOTEBOOKS)
    return Case(
        "notebooks",
        f"notebooks ({NOTEBOOKS} .ipynb, {notebooks.loads} loads; baseline: the same code as .py)",
        workspace.loadlint_check(notebooks.path, tables=True),
        workspace.ruff_check(notebooks.path),
        baseline=workspace.loadlint_check(scripts.path, name="loadlint (as .py)", tables=True),
        adds="reading the code from notebooks",
        generated=notebooks,
    )


def _configs(workspace: Workspace) -> Case:
    configured, constant = write_config_project(
        workspace.inputs("configs"), workspace.models.examples, CONFIGURED_SCRIPTS
    )
    return Case(
        "configs",
        f"configs ({CONFIGURED_SCRIPTS} scripts, ids from YAML and a launch script; baseline: constants)",
        workspace.loadlint_check(configured.path, tables=True),
        workspace.ruff_check(configured.path),
        baseline=workspace.loadlint_check(constant.path, name="loadlint (constant ids)", tables=True),
        adds="reading the ids from config files and the launch script",
        generated=configured,
    )


def _tree(warm: bool) -> Callable[[Workspace], Case]:
    def build(workspace: Workspace) -> Case:
        tree = workspace.tree
        files = sum(1 for _ in tree.rglob("*.py"))
        return Case(
            "tree-warm" if warm else "tree-cold",
            f"{tree.name} tree ({files:,} files), {'warm' if warm else 'cold'}",
            workspace.loadlint_check(tree, pinned=False, warm=warm),
            workspace.ruff_check(tree),
            ruff_cache=workspace.ruff_check(tree, cache=True) if warm else None,
        )

    return build


CASES: dict[str, Callable[[Workspace], Case]] = {
    "version": _command_case("version", ("--version",), ("--version",)),
    "rules": _command_case("rules", ("rules",), ("linter",)),
    "rule": _command_case("rule", ("rule", "LL001"), ("rule", "F401")),
    "single-file": _single_file,
    "many-findings": _many_findings,
    "many-calls": _many_calls,
    "notebooks": _notebooks,
    "configs": _configs,
    "tree-cold": _tree(warm=False),
    "tree-warm": _tree(warm=True),
}
