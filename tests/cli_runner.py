"""Running the CLI as a user does: a subprocess of `python -P -m loadlint` (the README's form: the
working directory stays off `sys.path`), with real files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


SAFE_PATH = ("-P",) if sys.version_info >= (3, 11) else ()


def loadlint(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *SAFE_PATH, "-m", "loadlint", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, stdin=subprocess.DEVNULL,
    )


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path
