"""What a command imports: `--version`, `rules` and `rule` start without the linting machinery, and
`check` brings in only the reporter it prints with.  A pre-commit hook pays every import on every
commit, so these are checked by the modules a run imported, not by a clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import SAFE_PATH, write

from loadlint.report import FORMATS

NEVER = ("libcst", "typer", "click", "huggingface_hub", "torch", "transformers", "loadlint.runtime.controller", "nbformat")
# What only `model`, `check --add-noqa` and `check --watch` use.
NOT_CHECKING = ("watchfiles", "loadlint.watch", "loadlint.add_noqa", "loadlint.model_info", "loadlint.report.model")
REPORTERS = tuple(f"loadlint.report.{name}" for name in FORMATS)
LINTING = ("loadlint.engine", "loadlint.config")
CHECK_CONCISE = ("check", "--output-format", "concise", "app.py")
CONCISE = "loadlint.report.concise"


# The command runs in-process so that sys.modules tells what it imported, -X importtime how: the
# latter does not list a module imported with importlib.import_module (a reporter, for one).
PROBE = """
import contextlib, io, json, sys
from loadlint.cli import main
sys.argv = ["loadlint", *sys.argv[1:]]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported(*argv: str, cwd: Path) -> dict[str, tuple[str, ...]]:
    """The modules a `loadlint` command imported, each with the chain of imports that brought it in
    where importtime shows one: `("libcst", "loadlint.extract", "loadlint.rules.removed_auto_class", ...)`."""
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(cwd / "hf-home")}
    run = subprocess.run(
        [sys.executable, *SAFE_PATH, "-X", "importtime", "-c", PROBE, *argv],
        capture_output=True, text=True, cwd=cwd, env=environment, timeout=120, stdin=subprocess.DEVNULL,
    )
    outcome = json.loads(run.stdout)
    assert outcome["code"] == 0, run.stderr
    # `import time: self | cumulative | <two spaces a level>name`, a module after the ones it imported
    entries = [line.rpartition("|")[2][1:] for line in run.stderr.splitlines() if line.startswith("import time:")][1:]
    levels = [len(entry) - len(entry.lstrip()) for entry in entries]
    chains = {}
    for index, entry in enumerate(entries):
        chain, level = [entry.strip()], levels[index]
        for later, later_level in zip(entries[index + 1:], levels[index + 1:]):
            if later_level < level:
                chain.append(later.strip())
                level = later_level
        chains[chain[0]] = tuple(chain)
    return {module: chains.get(module, (module,)) for module in outcome["modules"]}


def unwanted(modules: dict[str, tuple[str, ...]], names: tuple[str, ...]) -> list[str]:
    """How the modules that are, or are inside, one of `names` came in: the chain of each one that
    something else imported (a package's own submodules would only repeat its chain)."""

    def listed(module: str) -> bool:
        return module in names or module.startswith(tuple(f"{name}." for name in names))

    return [" <- ".join(chain) for chain in modules.values() if listed(chain[0]) and not any(map(listed, chain[1:2]))]


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        pytest.param(("--version",), (*NEVER, *NOT_CHECKING, *REPORTERS, *LINTING, "loadlint.rules"), id="version"),
        pytest.param(("rules",), (*NEVER, *NOT_CHECKING, *REPORTERS, *LINTING), id="rules"),
        pytest.param(("rule", "LL001"), (*NEVER, *NOT_CHECKING, *REPORTERS, *LINTING), id="rule"),
        pytest.param(
            CHECK_CONCISE, (*NEVER, *NOT_CHECKING, *(name for name in REPORTERS if name != CONCISE)), id="check"
        ),
    ],
)
def test_a_command_imports_only_what_it_runs(tmp_path: Path, argv: tuple[str, ...], absent: tuple[str, ...]) -> None:
    write(tmp_path, "app.py", "import json\nprint(json.dumps({'model': 'gpt2'}))\n")  # loads no model
    modules = imported(*argv, cwd=tmp_path)
    assert not unwanted(modules, absent)
    assert argv != CHECK_CONCISE or CONCISE in modules
