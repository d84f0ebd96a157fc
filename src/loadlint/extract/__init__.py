"""Find the model-loading calls in one file and read their arguments as constants.

A file goes through three gates, cheapest first, so most files never reach libcst: the byte and
`ast` gates (`gates`), then libcst with scope analysis, where the calls whose callee really names a
transformers class or one of the loading functions (through `import ... as`, module attributes,
shadowing) become `CallSite` records (`collect`).  Their arguments are evaluated statically
(`evaluate`), and what a load returns is followed to its uses (`flow`).
"""

from __future__ import annotations

import contextlib
import symtable
from collections.abc import Callable

import libcst as cst
from libcst.metadata import MetadataWrapper

from loadlint.extract.collect import Collector
from loadlint.extract.gates import (
    ALL_LIBRARIES,
    HUB_FUNCTIONS,
    MODEL_LIBRARIES,
    is_removed_auto_class,
    may_load_models,
    passes_byte_prefilter,
)
from loadlint.extract.project import link, module_name, passed_on, wanted_names
from loadlint.facts import CallRecord, FileReport, Known, Span, Unknown
from loadlint.fixes import NEWLINE
from loadlint.limits import Budget, BudgetSpent, deep_recursion, stage, stdlib_parse, too_large
from loadlint.source import decode

__all__ = [
    "ALL_LIBRARIES",
    "HUB_FUNCTIONS",
    "MODEL_LIBRARIES",
    "extract_calls",
    "extract_file",
    "extract_fixtures",
    "is_removed_auto_class",
    "link",
    "may_load_models",
    "passed_on",
    "passes_byte_prefilter",
    "wanted_names",
]


def extract_file(
    path: str,
    data: bytes,
    is_loader: Callable[[str], bool],
    libraries: frozenset[str] = ALL_LIBRARIES,
    max_bytes: int | None = None,
    budget: Budget | None = None,
) -> FileReport:
    """Run the three gates over one file's bytes; errors become the report's one-line `error`.
    `libraries` whose calls let a file through the gates: model loads need only transformers.  A file
    over `max_bytes` that passes the byte gate is skipped with a line saying so.  A failure inside a
    stage raises `FileFailure`, whose message is the file's line; the libcst passes raise
    `BudgetSpent` past `budget`."""
    with budget.limit("extracting") if budget is not None else contextlib.nullcontext():
        return _extract(path, data, is_loader, libraries, max_bytes)


def _extract(
    path: str, data: bytes, is_loader: Callable[[str], bool], libraries: frozenset[str], max_bytes: int | None
) -> FileReport:
    report = FileReport(path)
    if not passes_byte_prefilter(data, libraries):
        return report
    if max_bytes is not None and len(data) > max_bytes:
        report.error = too_large(path, len(data), max_bytes)
        return report
    try:
        source = decode(data).text
    except UnicodeDecodeError as exc:
        lines = NEWLINE.split(data[: exc.start].decode("latin-1"))  # one character per byte
        line, column = len(lines), len(lines[-1]) + 1
        byte = data[exc.start : exc.start + 1]
        report.error = f"{path}:{line}:{column}: cannot decode the file as {exc.encoding}: {exc.reason} ({byte!r})"
        return report
    except (SyntaxError, LookupError) as exc:
        report.error = f"{path}: cannot decode the file: {_one_line(exc)}"
        return report
    stdlib_error: SyntaxError | None = None
    try:
        if not may_load_models(stdlib_parse(source), libraries):
            return report
    except SyntaxError as exc:
        if _beyond_cpython_limits(exc):  # libcst may accept it, but Python never runs this file
            report.error = _syntax_error(path, exc.lineno or 1, exc.offset or 1, exc.msg)
            return report
        stdlib_error = exc  # libcst may know newer syntax than this interpreter; let it decide below
    except ValueError:
        pass  # e.g. a NUL byte: libcst reports it below
    with stage(path, "parse"), deep_recursion():
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            if stdlib_error is not None and stdlib_error.lineno:
                line, column, message = stdlib_error.lineno, stdlib_error.offset or 1, stdlib_error.msg
            else:
                line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
            report.error = _syntax_error(path, line, column, message)
            return report
    report.parsed = True
    collector = Collector(path, is_loader, module_name(path))
    with stage(path, "extract"), deep_recursion():
        try:
            MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
        except Exception:
            scope_error = _scope_error(source, path)
            if scope_error is None:
                raise
            report.error = _syntax_error(path, scope_error.lineno or 1, scope_error.offset or 1, scope_error.msg)
            return report
    report.sites = collector.sites
    report.uses = collector.uses
    return report


def extract_calls(
    path: str, data: bytes, is_loader: Callable[[str], bool], names: frozenset[str], budget: Budget | None = None
) -> list[CallRecord]:
    """The calls in one file of the functions named `names`, with the values of their arguments
    (`extract.project` links them to the loads that depend on them).  A file that does not decode or
    parse, or that fails, has none: its problem, if it matters, is reported where it loads a model."""
    try:
        source = decode(data).text
        stdlib_parse(source)  # what CPython rejects never reaches libcst (see `limits`)
        with budget.limit("following calls") if budget is not None else contextlib.nullcontext(), deep_recursion():
            collector = Collector(path, is_loader, module_name(path), callers_of=names)
            MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).visit(collector)
    except (BudgetSpent, Exception):  # noqa: BLE001 - a caller that cannot be read is one link fewer
        return []
    return collector.calls


def extract_fixtures(
    path: str, data: bytes, is_loader: Callable[[str], bool], names: frozenset[str], budget: Budget | None = None
) -> dict[str, tuple[Span, list[Known | Unknown]]]:
    """Where the pytest fixtures named `names` that a `conftest.py` defines are, and their values, by
    name.  A file that does not parse, or fails, defines none (as `extract_calls`)."""
    try:
        source = decode(data).text
        stdlib_parse(source)
        with budget.limit("reading fixtures") if budget is not None else contextlib.nullcontext(), deep_recursion():
            collector = Collector(path, is_loader, module_name(path), fixtures_of=names)
            MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).visit(collector)
    except (BudgetSpent, Exception):  # noqa: BLE001 - a conftest that cannot be read gives no values
        return {}
    return collector.fixture_values


def _syntax_error(path: str, line: int, column: int, message: str) -> str:
    return f"{path}:{line}:{column}: syntax error: {_one_line(message)}"


def _beyond_cpython_limits(error: SyntaxError) -> bool:
    """CPython's own limits (`too many nested parentheses`, `too many statically nested blocks`, a
    tree too deep for its parser): the file is valid grammar that no Python version runs."""
    return (error.msg or "").startswith(("too many", "too deeply nested"))


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


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())
