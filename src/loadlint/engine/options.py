"""What one run is asked to do (`CheckOptions`), and the error a run itself can fail with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loadlint.discover import DiscoveryOptions
from loadlint.limits import FileLimits
from loadlint.resolve import ResolverSettings
from loadlint.rules import DEFAULT_RULES, Rule

if TYPE_CHECKING:
    from loadlint.runtime import RuntimeOptions


class UsageError(Exception):
    """A problem with the run itself (paths, lockfile, tables): exit code 2, one line."""


FixMode = Literal["apply", "diff"]
DEFAULT_LIMITS = FileLimits()


@dataclass(frozen=True)
class CheckOptions:
    paths: Sequence[str] = (".",)
    resolver: ResolverSettings = field(default_factory=ResolverSettings)
    lockfile: Path | None = None  # None: the nearest loadlint.lock, if any
    locked: bool = False  # every Hub id must be in the lockfile; nothing else is consulted
    transformers_dir: Path | None = None
    rules: tuple[Rule, ...] = DEFAULT_RULES  # the rules for every file, unless `codes_for` says
    codes_for: Callable[[str], frozenset[str]] | None = None  # per file: its config's selection
    discovery: DiscoveryOptions = field(default_factory=DiscoveryOptions)
    fix: FixMode | None = None  # write the fixes, or only compute their diff
    unsafe_fixes: bool = False
    runtime: RuntimeOptions | None = None  # --runtime: confirm the findings by building/loading the models
    limits: FileLimits = DEFAULT_LIMITS  # what one file may cost
    content_cache: bool = False  # keep each file's records in the cache folder, and reuse them (`filecache`)
