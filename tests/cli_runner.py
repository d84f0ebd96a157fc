"""Running the CLI as a user does: a subprocess of `python -m loadlint`, with real files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def loadlint(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadlint", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, stdin=subprocess.DEVNULL,
    )


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path
