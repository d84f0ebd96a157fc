"""Which of a file's fixes leave it parsing, for the cost of one parse in the usual case.

The fixes whose edits touch nothing of each other's (an identical edit, such as the same import
line, is shared, not a clash) are applied together and parsed once; the others wait for a later
round with the same rule.  Only when a round's parse fails is each of its fixes parsed on its own.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from loadlint.fixes import Edit, Fix, apply_edits
from loadlint.limits import stdlib_parse


def valid_fixes(text: str, fixes: dict[int, Fix]) -> Iterator[tuple[int, Fix]]:
    """The (position, fix) pairs of `fixes` whose edits leave `text` parsing."""
    pending = dict(fixes)
    while pending:
        round_ = _apart(pending)
        if _parses(text, list(dict.fromkeys(edit for fix in round_.values() for edit in fix.edits))):
            yield from round_.items()
        else:
            yield from ((position, fix) for position, fix in round_.items() if _parses(text, list(fix.edits)))
        for position in round_:
            del pending[position]


def _apart(fixes: dict[int, Fix]) -> dict[int, Fix]:
    """The fixes, in order, whose edits touch no edit of an earlier one of them but an identical one."""
    chosen: dict[int, Fix] = {}
    taken: set[Edit] = set()
    starts: list[tuple[int, int]] = []  # the taken edits' spans, in text order (they do not overlap)
    ends: list[tuple[int, int]] = []
    for position, fix in fixes.items():
        new = [edit for edit in fix.edits if edit not in taken]
        if any(_touches(starts, ends, edit) for edit in new):
            continue
        chosen[position] = fix
        for edit in new:
            at = bisect.bisect_right(starts, (edit.span.line, edit.span.column))
            starts.insert(at, (edit.span.line, edit.span.column))
            ends.insert(at, (edit.span.end_line, edit.span.end_column))
            taken.add(edit)
    return chosen


def _touches(starts: list[tuple[int, int]], ends: list[tuple[int, int]], edit: Edit) -> bool:
    """Whether `edit` touches a taken span: the last one starting at or before its end is the only
    one that can, since the taken spans' ends rise with their starts."""
    before = bisect.bisect_right(starts, (edit.span.end_line, edit.span.end_column)) - 1
    return before >= 0 and ends[before] >= (edit.span.line, edit.span.column)


def _parses(text: str, edits: list[Edit]) -> bool:
    try:
        stdlib_parse(apply_edits(text, edits))
    except (SyntaxError, ValueError):
        return False
    return True
