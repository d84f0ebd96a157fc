"""What `--runtime` is asked to do, and whether it can run here; imports nothing heavy."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

Mode = Literal["meta", "full"]
Device = Literal["auto", "cuda", "mps", "cpu"]
MODES: tuple[str, ...] = Mode.__args__  # type: ignore[attr-defined]
DEVICES: tuple[str, ...] = Device.__args__  # type: ignore[attr-defined]
EXTRA_MISSING = '--runtime needs the runtime extra: pip install "loadlint[runtime]"'


@dataclass(frozen=True)
class RuntimeOptions:
    """How `--runtime` checks the call sites.  `offline` comes from --offline / --locked."""

    mode: Mode = "meta"
    timeout: float = 120.0  # per worker start and per model
    device: Device = "auto"
    download: bool = False
    max_new_tokens: int = 8
    max_params: int | None = None
    allow_remote_code: bool = False
    allow_pickle: bool = False
    offline: bool = False
    progress: bool = False


class RuntimeUnavailable(Exception):
    """torch or transformers is not installed: `--runtime` cannot run (exit code 2)."""


def require_runtime() -> None:
    """Fail fast, before the static run, when the runtime extra is missing; imports nothing."""
    if any(importlib.util.find_spec(name) is None for name in ("torch", "transformers")):
        raise RuntimeUnavailable(EXTRA_MISSING)
