"""`loadlint check --add-noqa`: a `# noqa: LLxxx` for every current finding, as Ruff's `--add-noqa`
gives a project that adopts a linter a clean start.

Where a directive goes follows `suppress`: a `# noqa` covers its own line, and a finding is covered
by any line of its span (`lines_of`).  So each finding gets it on the first line of its span that
already holds a `# noqa: CODES` (its codes are merged: sorted, each once, other tools' codes kept),
else on the first line of its span that a comment may end (not inside a string, nor after a
backslash), appended after any comment already there.  A bare `# noqa` already silences the line
and is left alone.  LL100 findings get none: the stale code they report is removed by `--fix`.

Notebooks get theirs in the cells (`loadlint.notebook.write`, which keeps every other byte); files
are written atomically in their own encoding and line endings; training recipes are never rewritten.
"""

from __future__ import annotations

import io
import tokenize
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from loadlint.facts import Span
from loadlint.findings import Finding
from loadlint.fixes import NEWLINE, Edit, apply_edits
from loadlint.notebook import NotebookError
from loadlint.source import decode, read_source, write_atomic
from loadlint.suppress import UNUSED, Directive, SuppressionComment, lines_of, parse_suppressions


@dataclass
class NoqaOutcome:
    added: int = 0  # lines that got a directive or more codes in one
    errors: list[str] = field(default_factory=list)  # one line per file that could not be rewritten


def add_noqa(findings: Iterable[Finding], language_of: Callable[[str], str]) -> NoqaOutcome:
    """Add the directives for `findings` to their files (`language_of` as discovery names a file's
    language) and write the files that change."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.code != UNUSED.code:
            by_path[finding.path].append(finding)
    outcome = NoqaOutcome()
    for path, found in by_path.items():
        language = language_of(path)
        if language == "recipe":
            continue
        try:
            added = _add_to_notebook(path, found) if language == "ipynb" else _add_to_file(path, found)
        except NotebookError as exc:  # one whose layout cannot be kept, say: the message names it
            outcome.errors.append(str(exc))
        except (OSError, UnicodeDecodeError) as exc:  # read-only, or changed since it was checked
            outcome.errors.append(f"{path}: no noqa added: {getattr(exc, 'strerror', None) or exc}")
        else:
            outcome.added += added
    return outcome


def _add_to_file(path: str, findings: Sequence[Finding]) -> int:
    source = decode(read_source(path))
    text, added = with_noqa(source.text, [(finding.code, finding.span) for finding in findings])
    if added:
        write_atomic(path, source.encode(text))
    return added


def _add_to_notebook(path: str, findings: Sequence[Finding]) -> int:
    """A notebook's findings are placed in cells: back to lines of its code (`Notebook.code`, where
    its suppressions are read), then the changed lines back into their cells."""
    from loadlint.notebook import read_notebook
    from loadlint.notebook.write import fixed_sources, write_notebook

    notebook = read_notebook(path, read_source(path))
    offsets = {cell.number: cell.offset for cell in notebook.cells}
    placed = [(finding.code, finding.span.moved(offsets.get(finding.cell or 0, 0))) for finding in findings]
    text, added = with_noqa(notebook.code, placed)
    if added:
        write_atomic(path, write_notebook(notebook, fixed_sources(notebook, text)))
    return added


def with_noqa(text: str, findings: Sequence[tuple[str, Span]]) -> tuple[str, int]:
    """`text` with a directive for each (code, span), and how many lines it changed."""
    comments = {comment.line: comment for comment in parse_suppressions(text).comments}
    may_end = _lines_a_comment_may_end(text)
    codes: dict[int, set[str]] = defaultdict(set)
    for code, span in findings:
        lines = lines_of(span)
        line = next((n for n in lines if _mergeable(comments.get(n)) is not None), None)
        if line is None:
            line = next((n for n in lines if n in may_end), None)
        if line is not None:
            codes[line].add(code)
    physical = NEWLINE.split(text)
    edits = [edit for line, wanted in codes.items() if (edit := _edit(physical[line - 1], line, wanted, comments))]
    return apply_edits(text, edits), len(edits)


def _edit(line_text: str, line: int, codes: set[str], comments: dict[int, SuppressionComment]) -> Edit | None:
    comment = comments.get(line)
    if comment is not None and any(d.blanket and not d.namespaced for d in comment.directives):
        return None  # a bare noqa silences the line for every tool already
    directive = _mergeable(comment)
    if comment is not None and directive is not None:
        merged = ", ".join(sorted({*directive.entries, *codes}))
        start, end = comment.column + directive.list_start, comment.column + directive.list_end
        return Edit(Span(line, start, line, end), merged)
    code_end = len(line_text.rstrip(" \t\f")) + 1
    return Edit(Span(line, code_end, line, len(line_text) + 1), f"  # noqa: {', '.join(sorted(codes))}")


def _mergeable(comment: SuppressionComment | None) -> Directive | None:
    """The comment's `# noqa: CODES` directive, whose codes a new one joins."""
    if comment is None:
        return None
    return next((d for d in comment.directives if not d.namespaced and not d.blanket), None)


def _lines_a_comment_may_end(text: str) -> frozenset[int]:
    """The lines that end outside a string and not in a backslash continuation: those the tokenizer
    ends with a NEWLINE or NL token (or a comment, which is followed by one)."""
    ends = (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT)
    try:
        # newline=None: a lone \r ends a line, as CPython, libcst and `suppress` count lines
        tokens = tokenize.generate_tokens(io.StringIO(text, newline=None).readline)
        return frozenset(token.start[0] for token in tokens if token.type in ends)
    except (tokenize.TokenError, SyntaxError):
        return frozenset()
