"""Reporters turn a CheckResult into text; they never decide anything.

`FORMATS` maps each format's name to its renderer, `render_<name>` in `loadlint.report.<name>`.
A format's module is imported when its renderer is looked up, so a run imports only the reporter it
prints with, and listing the names (the CLI's choices, the configuration's check) imports none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loadlint.findings import CheckResult

Renderer = Callable[["CheckResult"], str]


class _Renderers(Mapping[str, Renderer]):
    """The formats by name, in the order they are documented; each renderer imported on first use."""

    def __init__(self, *names: str) -> None:
        self._names = names

    def __getitem__(self, name: str) -> Renderer:
        if name not in self._names:
            raise KeyError(name)
        return getattr(importlib.import_module(f"{__name__}.{name}"), f"render_{name}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


FORMATS: Mapping[str, Renderer] = _Renderers("text", "concise", "json", "sarif", "github", "gitlab", "junit")
