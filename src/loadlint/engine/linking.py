"""The project index at work: the loads whose id is a function's parameter take the values that the
function's callers in the run's files pass (`extract.project` links them), and a test's parameter the
values of the fixture of that name in the nearest `conftest.py`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from loadlint.discover import within
from loadlint.engine.reading import Extractor, SourceFile
from loadlint.extract.project import MAX_DEPTH, called_as, is_test, link, passed_on, shown, wanted_names
from loadlint.facts import CallRecord, Known, Span, Unknown


def link_parameters(files: list[SourceFile], root: str, extractor: Extractor) -> None:
    """Link the loads whose id is a function's parameter to the values the function's callers pass
    (for a test: the fixtures of the conftest.py files above it, up to `root`).

    Only files whose bytes call one of those functions by name are parsed for their calls; a caller that
    passes its own parameter adds its function's name for the next round (MAX_DEPTH rounds)."""
    origins = [site.origin for file in files for site in file.report.sites if site.origin is not None]
    if not origins:
        return
    calls: list[CallRecord] = _conftest_fixtures(files, root, extractor)
    names, looked = wanted_names(origins), set()
    contents = _Contents(files, extractor)
    for _ in range(MAX_DEPTH):
        names -= looked
        if not names:
            break
        looked |= names
        calls += _calls_of(frozenset(names), contents, extractor)
        names = set(wanted_names(passed_on(calls)))
    link([file.report for file in files], calls)


class _Contents:
    """The bytes of the run's files, read once for every round, and only for files the cache does not
    answer for; a file that failed was reported already."""

    def __init__(self, files: list[SourceFile], extractor: Extractor) -> None:
        self.extractor = extractor
        self.reports = {file.path: file.report for file in files if file.report.error is None}
        self.paths = list(self.reports)
        self._data = {file.path: file.data for file in files if file.data is not None}

    def __getitem__(self, path: str) -> bytes | None:
        if path not in self._data:
            self._data[path] = self.extractor.code_of(path)
        return self._data[path]


def _calls_of(names: frozenset[str], contents: _Contents, extractor: Extractor) -> list[CallRecord]:
    """The calls of the functions `names` in the run's files: a byte search for each name followed by
    `(` first (`load(`, not `loader` or `download`), then libcst on the files it finds."""
    from loadlint.extract.passes import extract_calls  # libcst, only when a load depends on a parameter

    called = re.compile(rb"\b(?:" + b"|".join(re.escape(name.encode()) for name in sorted(names)) + rb")\s*\(")
    key = ",".join(sorted(names))
    found: list[CallRecord] = []
    for path in contents.paths:
        report = contents.reports[path]
        if report.parsed and names & report.called <= report.recorded:  # the libcst pass recorded them
            found += [record for record in report.calls if called_as(record.callee) in names]
            continue
        cached = extractor.cache.calls(path, key) if extractor.cache is not None else None
        if cached is None:
            data = contents[path]
            cached = []
            if data is not None and called.search(data):
                cached = extract_calls(path, data, extractor.is_loader, names, extractor.limits.budget())
            if extractor.cache is not None:
                extractor.cache.store_calls(path, key, cached)
        found += cached
    return found


def _conftest_fixtures(files: list[SourceFile], root: str, extractor: Extractor) -> list[CallRecord]:
    """pytest gives a test's parameter the value of the fixture of that name in the nearest conftest.py
    above the test: each such fixture becomes a call of the test with its values."""
    tests = {
        (file.path, site.origin): None
        for file in files
        for site in file.report.sites
        if site.origin is not None and site.origin.caller is None and is_test(site.origin.function)
    }
    if not tests:
        return []
    from loadlint.extract.passes import extract_fixtures  # libcst, only when a test's load takes a fixture

    names = frozenset(origin.param for _, origin in tests)
    fixtures_in: dict[str, dict[str, tuple[Span, list[Known | Unknown]]]] = {}
    records = []
    for path, origin in tests:
        for conftest in _conftests_above(path, root):
            if conftest not in fixtures_in:
                data = extractor.code_of(conftest)
                budget = extractor.limits.budget()
                found = {} if data is None else extract_fixtures(conftest, data, extractor.is_loader, names, budget)
                fixtures_in[conftest] = found
            fixture = fixtures_in[conftest].get(origin.param)
            if fixture is not None:
                span, values = fixture
                passed = ((origin.param, tuple(values)),)
                records.append(CallRecord(conftest, span, origin.function, 0, keywords=passed))
                break
    return records


def _conftests_above(path: str, root: str) -> Iterator[str]:
    """The conftest.py files from the test's folder up to `root` (only its own folder outside `root`)."""
    folder, top = os.path.dirname(os.path.abspath(path)), os.path.abspath(root)
    while True:
        candidate = os.path.join(folder, "conftest.py")
        if os.path.isfile(candidate):
            yield shown(candidate)
        parent = os.path.dirname(folder)
        if folder == top or parent == folder or not within(parent, top):
            return
        folder = parent
