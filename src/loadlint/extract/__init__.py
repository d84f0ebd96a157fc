"""Find the model-loading calls in one file and read their arguments as constants.

A file goes through three gates, cheapest first, so most files never reach libcst: the byte and
`ast` gates (`gates`), then libcst with scope analysis, where the calls whose callee really names a
transformers class or one of the loading functions (through `import ... as`, module attributes,
shadowing) become `CallSite` records (`collect`, run by `passes`: only they import libcst).  Their
arguments are evaluated statically (`evaluate`), and what a load returns is followed to its uses
(`flow`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from loadlint.extract.gates import (
    ALL_LIBRARIES,
    HUB_FUNCTIONS,
    MODEL_LIBRARIES,
    is_removed_auto_class,
    may_load_models,
    passes_byte_prefilter,
)
from loadlint.facts import FileReport
from loadlint.fixes import NEWLINE
from loadlint.limits import Budget, one_line, stdlib_parse, syntax_error, too_large
from loadlint.source import decode

__all__ = [
    "ALL_LIBRARIES",
    "HUB_FUNCTIONS",
    "MODEL_LIBRARIES",
    "extract_file",
    "is_removed_auto_class",
    "may_load_models",
    "passes_byte_prefilter",
]


def extract_file(
    path: str,
    data: bytes,
    is_loader: Callable[[str], bool],
    libraries: frozenset[str] = ALL_LIBRARIES,
    max_bytes: int | None = None,
    budget: Budget | None = None,
    callers_of: frozenset[str] = frozenset(),
) -> FileReport:
    """Run the three gates over one file's bytes; errors become the report's one-line `error`.
    `libraries` whose calls let a file through the gates: model loads need only transformers.  A file
    over `max_bytes` that passes the byte gate is skipped with a line saying so.  A failure inside a
    stage raises `FileFailure`, whose message is the file's line; the libcst passes raise
    `BudgetSpent` past `budget`.  The calls of the functions named `callers_of` are recorded too."""
    with budget.limit("extracting") if budget is not None else contextlib.nullcontext():
        return _extract(path, data, is_loader, libraries, max_bytes, callers_of)


def _extract(
    path: str,
    data: bytes,
    is_loader: Callable[[str], bool],
    libraries: frozenset[str],
    max_bytes: int | None,
    callers_of: frozenset[str],
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
        report.error = f"{path}: cannot decode the file: {one_line(exc)}"
        return report
    stdlib_error: SyntaxError | None = None
    try:
        if not may_load_models(stdlib_parse(source), libraries):
            return report
    except SyntaxError as exc:
        if _beyond_cpython_limits(exc):  # libcst may accept it, but Python never runs this file
            report.error = syntax_error(path, exc.lineno or 1, exc.offset or 1, exc.msg)
            return report
        stdlib_error = exc  # libcst may know newer syntax than this interpreter; let it decide below
    except ValueError:
        pass  # e.g. a NUL byte: libcst reports it below
    from loadlint.extract import passes  # libcst, for the files past the gates only (startup time)

    return passes.collect(report, source, is_loader, stdlib_error, callers_of)


def _beyond_cpython_limits(error: SyntaxError) -> bool:
    """CPython's own limits (`too many nested parentheses`, `too many statically nested blocks`, a
    tree too deep for its parser): the file is valid grammar that no Python version runs."""
    return (error.msg or "").startswith(("too many", "too deeply nested"))
