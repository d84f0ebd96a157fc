"""Fixes as data: what a rule proposes (operations) and what it becomes in a file (text edits).

A rule never sees the source, so it proposes *operations* on the call it judged ("replace this
span", "drop this keyword", "import this name").  `materialize` turns them into concrete `Edit`s
against one file's text; reporters print the edits and `fixer` applies them.  Nothing here reads
source code, so rules and reporters can use these types freely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from loadlint.facts import Span

# Ruff's three levels: `safe` keeps the code's meaning, `unsafe` may change behaviour (applied only
# with --unsafe-fixes), `display-only` is shown but never applied.
Applicability = Literal["safe", "unsafe", "display-only"]
NEWLINE = re.compile("\r\n|\r|\n")  # the line breaks Python's tokenizer and libcst positions count
APPLICABILITIES: tuple[str, ...] = Applicability.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ReplaceSpan:
    """Replace the source text in `span` with `text`."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class ImportName:
    """Make `name` available with `from module import name`, unless it is already bound to it."""

    module: str
    name: str


@dataclass(frozen=True, slots=True)
class DropUnusedImport:
    """Remove the import that binds `local_name` (`from m import X [as local_name]`) once nothing in
    the file uses that name any more; a name still used, or bound otherwise, is left alone."""

    local_name: str


@dataclass(frozen=True, slots=True)
class RemoveKeyword:
    """Remove the keyword argument `keyword` from the call at `call` (its comma and all)."""

    call: Span
    keyword: str


@dataclass(frozen=True, slots=True)
class SetKeyword:
    """Give the call at `call` the argument `keyword=source`: its value replaced if present, else
    appended; `rename_from` renames an existing keyword (keeping its value unless `source` is set)."""

    call: Span
    keyword: str
    source: str | None = None
    rename_from: str | None = None


Operation = ReplaceSpan | ImportName | DropUnusedImport | RemoveKeyword | SetKeyword


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in `span` (1-based, end column exclusive) with `content`."""

    span: Span
    content: str
    cell: int | None = None  # in a notebook, as reported: the cell `span` is in

    def to_json(self) -> dict:
        return {
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "content": self.content,
            "cell": self.cell,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """A proposed change: a title, how safe it is, the rule's operations and, once materialized
    against the file, the text edits.  A fix whose operations could not be materialized is dropped."""

    title: str
    applicability: Applicability
    operations: tuple[Operation, ...] = ()
    edits: tuple[Edit, ...] = field(default=(), compare=False)

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "applicability": self.applicability,
            "edits": [edit.to_json() for edit in self.edits],
        }


def applies(fix: Fix | None, unsafe: bool) -> bool:
    """Whether `--fix` (with or without `--unsafe-fixes`) applies this fix."""
    if fix is None or not fix.edits:
        return False
    return fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe")


def offset_of(line_starts: list[int], line: int, column: int) -> int:
    """The character offset of a 1-based (line, column) in a text whose lines start at `line_starts`."""
    return line_starts[line - 1] + column - 1


def line_starts(text: str) -> list[int]:
    """Offsets where each line starts; one extra entry for the position just past the text's end."""
    starts = [0, *(match.end() for match in NEWLINE.finditer(text))]
    if starts[-1] != len(text):
        starts.append(len(text))
    return starts


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits to `text` (callers choose which edits may go together)."""
    starts = line_starts(text)
    out: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.column)):
        begin = offset_of(starts, edit.span.line, edit.span.column)
        end = offset_of(starts, edit.span.end_line, edit.span.end_column)
        if begin < cursor:
            raise ValueError(f"overlapping edit at {edit.span.line}:{edit.span.column}")
        out.append(text[cursor:begin])
        out.append(edit.content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def overlaps(a: Fix, b: Fix) -> bool:
    """Whether two fixes touch the same text (or touch at the same point), so one must wait a pass."""
    return any(_touch(x.span, y.span) for x in a.edits for y in b.edits)


def _touch(a: Span, b: Span) -> bool:
    return (a.line, a.column) <= (b.end_line, b.end_column) and (b.line, b.column) <= (a.end_line, a.end_column)
