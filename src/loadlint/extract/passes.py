"""The libcst passes over one file, for the files past the gates (`extract_file`) and for the
project index (`extract_calls`, `extract_fixtures`): libcst is imported only when one runs."""

from __future__ import annotations

import contextlib
import symtable
from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper

from loadlint.extract.collect import Collector
from loadlint.extract.project import module_name
from loadlint.facts import CallRecord, FileReport, Known, Span, Unknown
from loadlint.limits import Budget, BudgetSpent, deep_recursion, stage, stdlib_parse, syntax_error
from loadlint.source import decode


def collect(
    report: FileReport,
    source: str,
    is_loader: Callable[[str], bool],
    stdlib_error: SyntaxError | None,
    callers_of: frozenset[str] = frozenset(),
) -> FileReport:
    """The file's calls and uses into `report`, and its calls of the functions `callers_of`, or its
    syntax error (CPython's, when it has one)."""
    path = report.path
    with stage(path, "parse"), deep_recursion():
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            if stdlib_error is not None and stdlib_error.lineno:
                line, column, message = stdlib_error.lineno, stdlib_error.offset or 1, stdlib_error.msg
            else:
                line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
            report.error = syntax_error(path, line, column, message)
            return report
    report.parsed = True
    collector = Collector(path, is_loader, module_name(path), callers_of)
    with stage(path, "extract"), deep_recursion():
        try:
            MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
        except Exception:
            scope_error = _scope_error(source, path)
            if scope_error is None:
                raise
            report.error = syntax_error(path, scope_error.lineno or 1, scope_error.offset or 1, scope_error.msg)
            return report
    report.sites = collector.sites
    report.uses = collector.uses
    report.called = frozenset(collector.called)
    report.recorded = report.called & callers_of
    report.calls = collector.calls
    return report


def extract_calls(
    path: str, data: bytes, is_loader: Callable[[str], bool], names: frozenset[str], budget: Budget | None = None
) -> list[CallRecord]:
    """The calls in one file of the functions named `names`, with the values of their arguments
    (`extract.project` links them to the loads that depend on them).  A file that does not decode or
    parse, or that fails, has none: its problem, if it matters, is reported where it loads a model."""
    collector = _visited(path, data, budget, "following calls", Collector(path, is_loader, module_name(path), names))
    return collector.calls if collector is not None else []


def extract_fixtures(
    path: str, data: bytes, is_loader: Callable[[str], bool], names: frozenset[str], budget: Budget | None = None
) -> dict[str, tuple[Span, list[Known | Unknown]]]:
    """Where the pytest fixtures named `names` that a `conftest.py` defines are, and their values, by
    name.  A file that does not parse, or fails, defines none (as `extract_calls`)."""
    fresh = Collector(path, is_loader, module_name(path), fixtures_of=names)
    collector = _visited(path, data, budget, "reading fixtures", fresh)
    return collector.fixture_values if collector is not None else {}


def _visited(path: str, data: bytes, budget: Budget | None, doing: str, collector: Collector) -> Collector | None:
    """`collector` after its pass over the file, or None when the file cannot be read that far."""
    try:
        source = decode(data).text
        stdlib_parse(source)  # what CPython rejects never reaches libcst (see `limits`)
        with budget.limit(doing) if budget is not None else contextlib.nullcontext(), deep_recursion():
            MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).visit(collector)
    except (BudgetSpent, Exception):  # noqa: BLE001 - a file that cannot be read is one link fewer
        return None
    return collector


def _scope_error(source: str, path: str) -> SyntaxError | None:
    """The error CPython's compiler gives a file the parser accepts but the scopes do not (a
    module-level `nonlocal`), which libcst's scope analysis cannot handle either; asked only
    after that analysis failed, so a good file never pays for it."""
    try:
        symtable.symtable(source, path, "exec")
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        pass
    return None
