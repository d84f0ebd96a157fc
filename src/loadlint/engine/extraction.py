"""Every file of a run, extracted, with the loads that depend on parameters linked across them."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from loadlint.discover import DiscoveryOptions, checked_files
from loadlint.engine.linking import link_parameters
from loadlint.engine.options import DEFAULT_LIMITS
from loadlint.engine.reading import Extractor, SourceFile, loader_predicate
from loadlint.extract import MODEL_LIBRARIES
from loadlint.extract.external import put_in_external_values
from loadlint.extract.imports import imported_files
from loadlint.extract.invocations import project_invocations
from loadlint.extract.project import shown
from loadlint.facts import CallSite, FileReport
from loadlint.filecache import FileCache
from loadlint.limits import FileLimits, deep_recursion
from loadlint.tables.model import Tables


@dataclass
class Extraction:
    """The files of a set of paths with their call sites, and the files that could not be read."""

    files: list[SourceFile]
    errors: list[str]

    @property
    def sites(self) -> list[CallSite]:
        return [site for file in self.files for site in file.report.sites]


def extract_paths(
    paths: Sequence[str],
    tables: Tables,
    discovery: DiscoveryOptions,
    libraries_for: Callable[[str], frozenset[str]] = lambda path: MODEL_LIBRARIES,
    limits: FileLimits = DEFAULT_LIMITS,
    cache: FileCache | None = None,
) -> Extraction:
    """Extract every file; a path or file that cannot be read, parsed or extracted becomes one error
    line, in path order, and the others are still extracted.  `libraries_for(path)`: whose loading
    calls to look for there (downloads only when LL031 runs); `cache` answers for unchanged files."""
    errors: list[str] = []
    extractor = Extractor(loader_predicate(tables), libraries_for, limits, cache, discovery.language_of)
    found: list[str] = []
    unreadable: list[tuple[int, str]] = []  # a path discovery could not read, before the file found next
    for path in checked_files(paths, discovery, on_error=lambda message: unreadable.append((len(found), message))):
        found.append(path)
    with deep_recursion():
        files = extractor.files(found)
    for index, file in enumerate([*files, None]):
        errors += [message for at, message in unreadable if at == index]
        if file is not None and file.report.error:
            errors.append(file.report.error)
        if file is not None and file.notebook is not None:
            errors.extend(file.notebook.errors)
    named = {os.path.abspath(path) for path in paths if os.path.isfile(path)}
    root = str(discovery.root or os.getcwd())
    helpers = _helpers_called_from(files, named, root, extractor)
    link_parameters(files + helpers, root, extractor)
    outside_values(discovery)([file.report for file in files + helpers])
    return Extraction(files=files + _reached_from(helpers, named), errors=errors)


def outside_values(discovery: DiscoveryOptions) -> Callable[[list[FileReport]], None]:
    """What puts the values of config files and command lines into a run's records (`extract.external`);
    the project's invocations are looked for once, when a load first needs them."""
    root = str(discovery.root or os.getcwd())
    invocations = functools.cache(lambda: project_invocations(root, discovery))
    return lambda reports: put_in_external_values(reports, root, invocations)


def _helpers_called_from(
    files: list[SourceFile],
    named: set[str],
    root: str,
    extractor: Extractor,
) -> list[SourceFile]:
    """The project modules that files named on the command line import, when they are not checked
    themselves and hold a load whose id is a parameter: a pre-commit run names only the changed file,
    and the wrong class may sit in the helper it calls."""
    checked = {os.path.abspath(file.path) for file in files}
    roots = (root, os.path.join(root, "src"))
    wanted: dict[str, None] = {}
    for file in files:
        if os.path.abspath(file.path) in named and file.report.error is None:
            data = file.data if file.data is not None else extractor.code_of(file.path)
            if data is not None:
                for path in imported_files(file.path, data, roots):
                    if path not in checked:
                        wanted.setdefault(path)
    helpers = extractor.files([shown(path) for path in wanted])
    return [helper for helper in helpers if any(site.origin is not None for site in helper.report.sites)]


def _reached_from(helpers: list[SourceFile], named: set[str]) -> list[SourceFile]:
    """The helpers' loads of the values that the named files pass (the others are no business of this run)."""
    for helper in helpers:
        helper.report.sites = [
            site for site in helper.report.sites if any(os.path.abspath(step.path) in named for step in site.trace)
        ]
    return [helper for helper in helpers if helper.report.sites]
