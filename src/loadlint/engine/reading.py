"""Reading and extracting one file at a time, through the content cache when the run has one."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from loadlint.discover import os_error_reason
from loadlint.extract import extract_file, is_removed_auto_class
from loadlint.facts import FileReport
from loadlint.filecache import Cached, FileCache
from loadlint.limits import BudgetSpent, FileFailure, FileLimits, stage
from loadlint.source import read_source
from loadlint.suppress import may_name_own_code
from loadlint.tables import Tables


@dataclass
class SourceFile:
    """One checked file: its extraction, and its bytes when a later step reads them again (it has
    call sites to fix, or suppression comments to honour)."""

    report: FileReport
    data: bytes | None = None

    @property
    def path(self) -> str:
        return self.report.path


def loader_predicate(tables: Tables) -> Callable[[str], bool]:
    """Which transformers names load from a model repo: the tables' Auto, model, tokenizer and config
    classes, plus removed Auto classes."""

    def is_loader(name: str) -> bool:
        return (
            name in tables.loader_classes
            or bool(tables.model_types_for_class(name))
            or name in tables.tokenizer_classes
            or tables.is_config_class(name)
            or is_removed_auto_class(name)
        )

    return is_loader


def read_quietly(path: str) -> bytes | None:
    """A file's bytes for a later step; one that cannot be read now was reported already."""
    try:
        return read_source(path)
    except OSError:
        return None


class Extractor:
    """Extracts the files of one run: `libraries_for(path)` says whose loading calls to look for there;
    `cache`, when the run has one, answers for the files that did not change."""

    def __init__(
        self,
        is_loader: Callable[[str], bool],
        libraries_for: Callable[[str], frozenset[str]],
        limits: FileLimits,
        cache: FileCache | None = None,
    ) -> None:
        self.is_loader = is_loader
        self.libraries_for = libraries_for
        self.limits = limits
        self.cache = cache

    def file(self, path: str) -> SourceFile:
        libraries = self.libraries_for(path)
        try:
            stat = os.stat(path) if self.cache is not None else None
            cached, data = self._cached(path, stat, libraries)
            if cached is not None:
                if cached.keep and data is None:
                    data = read_source(path)
                return SourceFile(cached.report, data if cached.keep else None)
            if data is None:
                data = read_source(path)
        except OSError as exc:
            return SourceFile(FileReport(path, error=f"{path}: cannot read the file: {os_error_reason(exc)}"))
        budget = self.limits.budget()
        try:
            with stage(path, "extract"):
                report = extract_file(path, data, self.is_loader, libraries, self.limits.max_file_size, budget)
                keep = report.error is None and bool(report.sites or report.uses or may_name_own_code(data))
        except FileFailure as exc:
            return SourceFile(FileReport(path, error=str(exc)))
        except BudgetSpent:
            return SourceFile(FileReport(path, error=f"{budget.report(path)}: its calls are not checked"))
        if self.cache is not None and stat is not None and report.error is None:
            self.cache.store(path, stat, data, _key(libraries), Cached(report, keep))
        return SourceFile(report, data if keep else None)

    def _cached(
        self, path: str, stat: os.stat_result | None, libraries: frozenset[str]
    ) -> tuple[Cached | None, bytes | None]:
        if self.cache is None or stat is None:
            return None, None
        return self.cache.lookup(path, stat, _key(libraries), lambda: read_source(path))


def _key(libraries: frozenset[str]) -> str:
    return ",".join(sorted(libraries))
