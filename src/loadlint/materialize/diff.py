"""Offset edits as the line/column `Edit`s a fix reports: the smallest line diff of the lines they
touch, trimmed to the changed characters and widened to whole identifiers, so an edit reads
`AutoModelForSeq2SeqLM` -> `AutoModelForCausalLM` however the operations cut the text."""

from __future__ import annotations

import bisect
import difflib
import itertools
from collections.abc import Sequence

from loadlint.facts import Span
from loadlint.fixes import Edit, line_starts
from loadlint.materialize.offsets import OffsetEdit, apply_offset_edits, ordered


def reported_edits(text: str, starts: list[int], edits: Sequence[OffsetEdit]) -> list[Edit]:
    """The `Edit`s that make `edits` on `text` (whose lines start at `starts`): each run of touched
    lines is diffed on its own, so the cost follows the edits, not the file."""
    edits = ordered(edits)
    result: list[Edit] = []
    for first_line, end_line, window in _windows(starts, edits):
        begin = starts[first_line]
        old = text[begin:starts[end_line]]
        shifted = [OffsetEdit(edit.begin - begin, edit.end - begin, edit.content) for edit in window]
        for edit in diff_edits(old, apply_offset_edits(old, shifted)):
            span = edit.span
            moved = Span(span.line + first_line, span.column, span.end_line + first_line, span.end_column)
            result.append(Edit(moved, edit.content))
    return result


def _windows(starts: list[int], edits: list[OffsetEdit]) -> list[tuple[int, int, list[OffsetEdit]]]:
    """Runs of whole lines (first line, line after the last, 0-based) and the edits inside each."""
    last_line = len(starts) - 1  # the text's end: an insertion there touches no line
    windows: list[tuple[int, int, list[OffsetEdit]]] = []
    for edit in edits:
        first = bisect.bisect_right(starts, edit.begin) - 1
        end = min(bisect.bisect_right(starts, edit.end), last_line)
        if windows and first <= windows[-1][1]:
            previous_first, previous_end, inside = windows[-1]
            windows[-1] = (previous_first, max(previous_end, end), [*inside, edit])
        else:
            windows.append((first, end, [edit]))
    return windows


def diff_edits(old: str, new: str) -> list[Edit]:
    """The smallest line-aligned edits that turn `old` into `new`, trimmed to the changed characters."""
    starts = line_starts(old)
    old_lines, new_lines = _lines(old, starts), _lines(new, line_starts(new))
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    blocks = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:  # line for line: one edit per changed line
            blocks.extend((i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1))
        elif tag != "equal":
            blocks.append((i1, i2, j1, j2))
    for i1, i2, j1, j2 in blocks:
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = _common_prefix(before, after)
        suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
        # Widen to whole identifiers, so an edit reads `AutoModelForSeq2SeqLM` -> `AutoModelForCausalLM`.
        while prefix and _is_word(before[prefix - 1]):
            prefix -= 1
        while suffix and _is_word(before[len(before) - suffix]):
            suffix -= 1
        begin = starts[i1] + prefix
        end = starts[i2] - suffix
        edits.append(Edit(_span(starts, begin, end), after[prefix:len(after) - suffix]))
    return edits


def _lines(text: str, starts: list[int]) -> list[str]:
    """The text's lines with their endings (`\r\n`, `\r` or `\n`), as Python's tokenizer counts them."""
    return [text[begin:end] for begin, end in itertools.pairwise(starts)]


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return size


def _span(starts: list[int], begin: int, end: int) -> Span:
    def position(offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    (line, column), (end_line, end_column) = position(begin), position(end)
    return Span(line, column, end_line, end_column)
