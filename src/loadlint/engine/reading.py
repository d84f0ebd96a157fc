"""Reading and extracting one file at a time, through the content cache when the run has one."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from loadlint.discover import DiscoveryOptions, os_error_reason
from loadlint.extract import extract_file, is_removed_auto_class, passes_byte_prefilter
from loadlint.extract.project import wanted_names
from loadlint.extract.recipes import recipe_report
from loadlint.facts import FileReport
from loadlint.filecache import Cached, FileCache
from loadlint.limits import BudgetSpent, FileFailure, FileLimits, stage
from loadlint.notebook import Notebook, NotebookError, read_notebook
from loadlint.source import read_source
from loadlint.suppress import may_name_own_code
from loadlint.tables.model import Tables


@dataclass
class SourceFile:
    """One checked file: its extraction, its bytes when a later step reads them again (it has
    call sites to fix, or suppression comments to honour), and for a notebook, its cells."""

    report: FileReport
    data: bytes | None = None  # a notebook's: the module its code cells make (`notebook.code`)
    notebook: Notebook | None = None

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
            or name in tables.model_classes  # exported model classes no Auto class builds
            or name in tables.tokenizer_classes
            or tables.is_config_class(name)
            or is_removed_auto_class(name)
        )

    return is_loader


POOL_MIN_FILES = 8  # files past the byte gate from which extracting them in worker processes pays


class Extractor:
    """Extracts the files of one run: `libraries_for(path)` says whose loading calls to look for there;
    `cache`, when the run has one, answers for the files that did not change.  When many files pass
    the byte gate, their libcst passes run in a pool of forked processes, one per core."""

    def __init__(
        self,
        is_loader: Callable[[str], bool],
        libraries_for: Callable[[str], frozenset[str]],
        limits: FileLimits,
        cache: FileCache | None = None,
        language_of: Callable[[str], str] | None = None,  # `ipynb` files are notebooks (by default, by suffix)
    ) -> None:
        self.is_loader = is_loader
        self.language_of = language_of or DiscoveryOptions().language_of
        self.libraries_for = libraries_for
        self.limits = limits
        self.cache = cache
        self.callers_of: frozenset[str] = frozenset()  # whose calls the libcst pass records (`_helper_names`)

    def files(self, paths: Sequence[str]) -> list[SourceFile]:
        """Each file's extraction, in the order of `paths`."""
        done: list[SourceFile | None] = [None] * len(paths)
        pending: list[_Pending] = []
        for index, path in enumerate(paths):
            found = self._read(path)
            if isinstance(found, SourceFile):
                done[index] = found
            else:
                pending.append(dataclasses.replace(found, index=index))
        heavy: list[_Pending] = []
        light: list[_Pending] = []
        for item in pending:
            (heavy if passes_byte_prefilter(item.data, item.libraries) else light).append(item)
        self.callers_of = _helper_names(heavy, [file for file in done if file is not None])
        gated_out = [FileReport(item.path) for item in light]  # what extract_file gives them, without the call
        light_reports = [(report, _needs_bytes(report, item.data)) for report, item in zip(gated_out, light)]
        for item, (report, keep) in [*zip(light, light_reports), *zip(heavy, self._extract_all(heavy))]:
            if self.cache is not None and item.stat is not None and report.error is None:
                self.cache.store(item.path, item.stat, item.data, _key(item.libraries), Cached(report, keep))
            done[item.index] = SourceFile(report, item.data if keep else None, item.notebook)
        return done  # type: ignore[return-value]

    def code_of(self, path: str) -> bytes | None:
        """A file's code for a later step (a notebook's: the module its cells make, by the run's own
        notion of a notebook); one that cannot be read now was reported already."""
        try:
            data = read_source(path)
            return read_notebook(path, data).code.encode() if self.language_of(path) == "ipynb" else data
        except (OSError, NotebookError):
            return None

    def _read(self, path: str) -> SourceFile | _Pending:
        """The file's cached extraction, or its bytes to extract (a file that cannot be read: its error)."""
        libraries = self.libraries_for(path)
        try:
            if self.language_of(path) == "recipe":  # no Python to parse: the recipe's own loads
                return SourceFile(recipe_report(path, read_source(path)))
            notebook = read_notebook(path, read_source(path)) if self.language_of(path) == "ipynb" else None
            read = (lambda: notebook.code.encode()) if notebook is not None else (lambda: read_source(path))
            cached, data, stat = None, None, None
            if self.cache is not None:
                stat = os.stat(path)
                cached, data = self.cache.lookup(path, stat, _key(libraries), read)
            if cached is not None:
                if cached.keep and data is None:
                    data = read()
                return SourceFile(cached.report, data if cached.keep else None, notebook)
            return _Pending(path, data if data is not None else read(), libraries, stat, notebook=notebook)
        except OSError as exc:
            return SourceFile(FileReport(path, error=f"{path}: cannot read the file: {os_error_reason(exc)}"))
        except NotebookError as exc:
            return SourceFile(FileReport(path, error=str(exc)))

    def _extract_all(self, items: list[_Pending]) -> list[tuple[FileReport, bool]]:
        workers = min(os.cpu_count() or 1, len(items) // POOL_MIN_FILES)
        if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return [self._extract(item) for item in items]
        global _WORKER_EXTRACTOR
        _WORKER_EXTRACTOR = self  # what the forked workers inherit: no closure has to be pickled
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                return list(pool.map(_extract_in_worker, items, chunksize=max(1, len(items) // (workers * 4))))
        except (OSError, BrokenProcessPool):  # no processes to be had: one core it is
            return [self._extract(item) for item in items]
        finally:
            _WORKER_EXTRACTOR = None

    def _extract(self, item: _Pending) -> tuple[FileReport, bool]:
        """The file's report, and whether a later step needs its bytes (it has calls, uses or suppressions)."""
        path, data = item.path, item.data
        budget = self.limits.budget()
        try:
            with stage(path, "extract"):
                report = extract_file(
                    path, data, self.is_loader, item.libraries, self.limits.max_file_size, budget, self.callers_of
                )
        except FileFailure as exc:
            return FileReport(path, error=str(exc)), False
        except BudgetSpent:
            return FileReport(path, error=f"{budget.report(path)}: its calls are not checked"), False
        return report, _needs_bytes(report, data)


@dataclass(frozen=True)
class _Pending:
    """A file read but not extracted yet."""

    path: str
    data: bytes
    libraries: frozenset[str]
    stat: os.stat_result | None
    index: int = 0
    notebook: Notebook | None = None


_WORKER_EXTRACTOR: Extractor | None = None
_DEFINED = re.compile(rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)


def _helper_names(heavy: list[_Pending], cached: list[SourceFile]) -> frozenset[str]:
    """The functions whose calls the libcst pass records, so that the project index rarely parses a
    file twice: every function or class defined in a file that may load models (a load's function is
    one of them), and those of the cached files whose loads depend on a parameter."""
    defined = {name.decode() for item in heavy for name in _DEFINED.findall(item.data)}
    origins = [site.origin for file in cached for site in file.report.sites if site.origin is not None]
    return frozenset(defined) | wanted_names(origins)


def _extract_in_worker(item: _Pending) -> tuple[FileReport, bool]:
    assert _WORKER_EXTRACTOR is not None
    return _WORKER_EXTRACTOR._extract(item)


def _needs_bytes(report: FileReport, data: bytes) -> bool:
    """Whether a later step reads the file again: it has calls to fix, uses, or suppression comments."""
    return report.error is None and bool(report.sites or report.uses or may_name_own_code(data))


def _key(libraries: frozenset[str]) -> str:
    return ",".join(sorted(libraries))
