"""`loadlint check --watch`: check once, then again whenever a file the run checks or reads changes,
as Ruff's watch mode does (the screen cleared before each run, Ctrl-C ends it with exit 0).

What counts as a change: under the paths given, a file the run checks (as discovery's `include`,
`extension` and `recipes` say) or may read ids from (a YAML, JSON or TOML config, a shell script, a
Makefile, a README), and a configuration or lockfile (`pyproject.toml`, `loadlint.toml`,
`loadlint.lock`) anywhere watched.  watchfiles, an optional dependency (`loadlint[watch]`), is imported only here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from loadlint.config import SETTINGS_FILES
from loadlint.extract.invocation_files import MAKEFILES, READMES, SHELL_SUFFIXES

# The files whose ids a run reads besides the code: config files (`extract.configs`) and the scripts,
# Makefiles and READMEs that run a program (`extract.invocation_files`).
ID_SOURCE_SUFFIXES = (".yaml", ".yml", ".json", ".toml", *SHELL_SUFFIXES)
ID_SOURCE_NAMES = MAKEFILES | READMES
CLEAR_SCREEN = "\x1b[2J\x1b[3J\x1b[H"  # erase the screen and its scrollback, cursor home
WATCHING = "Watching for file changes."


class WatchUnavailable(Exception):
    """watchfiles is not installed; the message says how to install it."""


def watch(
    paths: Sequence[str], also_read: Iterable[str], checks: Callable[[str], bool], check_once: Callable[[], object]
) -> int:
    """Run `check_once` now and after every relevant change until Ctrl-C (then 0).  `also_read` are
    configuration files and lockfiles outside `paths` whose changes count too; `checks(path)`: whether
    the run checks that file."""
    try:
        from watchfiles import DefaultFilter
        from watchfiles import watch as changes_of
    except ImportError:
        raise WatchUnavailable('--watch needs watchfiles: pip install "loadlint[watch]"') from None

    checked = [os.path.abspath(path) for path in paths]

    class CheckedFiles(DefaultFilter):
        """watchfiles' own filter (no .git, .venv, caches), then only what a run reads."""

        def __call__(self, change: object, path: str) -> bool:
            if not super().__call__(change, path):
                return False
            if os.path.basename(path) in SETTINGS_FILES:
                return True
            read = checks(path) or path.endswith(ID_SOURCE_SUFFIXES) or os.path.basename(path) in ID_SOURCE_NAMES
            return read and any(_within(path, root) for root in checked)

    roots = _roots([*checked, *(os.path.abspath(path) for path in also_read)])
    try:
        _run(check_once, "Starting loadlint in watch mode...")
        for _ in changes_of(*roots, watch_filter=CheckedFiles(), raise_interrupt=False):
            _run(check_once, "File change detected...")
    except KeyboardInterrupt:  # Ctrl-C during a run
        pass
    return 0


def _run(check_once: Callable[[], object], header: str) -> None:
    if sys.stdout.isatty():
        sys.stdout.write(CLEAR_SCREEN)
    print(header, file=sys.stderr, flush=True)
    try:
        check_once()
    except SystemExit as exc:  # a usage or configuration error was printed: keep watching for its fix
        if exc.code != 2:
            raise
    sys.stdout.flush()
    print(f"[{datetime.now():%H:%M:%S}] {WATCHING}", file=sys.stderr, flush=True)


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _roots(paths: Iterable[str]) -> list[str]:
    """The folders to watch: each folder given, the folder of each file, none inside another."""
    folders = sorted({path if os.path.isdir(path) else os.path.dirname(path) for path in paths})
    return [folder for folder in folders if not any(_within(folder, other) for other in folders if other != folder)]
