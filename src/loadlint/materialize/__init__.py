"""Turn fixes' operations into text edits against one file, at a cost that follows the edits.

Every fix is made on its own against the original text (so each finding shows its own edits): span
replacements are their own edits; keyword edits come from the tokens of the call they edit; import
edits from the file's `ast`, parsed once for all of its fixes.  A fix is kept only when the file
still parses with it, and all of a file's fixes are checked together, with one parse when they hold.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from loadlint.fixes import Edit, Fix, ReplaceSpan
from loadlint.limits import Budget, BudgetSpent
from loadlint.materialize.diff import diff_edits, reported_edits
from loadlint.materialize.index import SourceIndex
from loadlint.materialize.offsets import CannotMaterialize
from loadlint.materialize.operations import FileOperations, apply_operations
from loadlint.materialize.verify import valid_fixes

__all__ = ["CannotMaterialize", "apply_operations", "diff_edits", "materialize"]


def materialize(text: str, fixes: Sequence[Fix | None], budget: Budget | None = None) -> list[Fix | None]:
    """Each fix with its edits filled in, or None where it cannot be made certainly valid (or,
    once `budget` is spent, where it was not made and checked in time)."""
    results: list[Fix | None] = [None] * len(fixes)
    try:
        with budget.limit("computing fixes") if budget is not None else contextlib.nullcontext():
            file = FileOperations(text)
            made = {
                position: Fix(fix.title, fix.applicability, fix.operations, tuple(edits))
                for position, fix in enumerate(fixes)
                if fix is not None and (edits := _edits(file, fix))
            }
            for position, fix in valid_fixes(text, made):
                results[position] = fix
    except BudgetSpent:
        pass
    return results


def _edits(file: FileOperations, fix: Fix) -> list[Edit]:
    """The fix's edits; none where its operations do not fit the file or change nothing."""
    index = file.index
    try:
        replacements = [op for op in fix.operations if isinstance(op, ReplaceSpan)]
        if len(replacements) == len(fix.operations):  # their own edits, as the rule spelled them
            return [Edit(op.span, op.text) for op in replacements if _slice(index, op) != op.text]
        return reported_edits(index.text, index.starts, file.offset_edits(fix.operations))
    except CannotMaterialize:
        return []


def _slice(index: SourceIndex, op: ReplaceSpan) -> str:
    begin, end = index.span(op.span)
    return index.text[begin:end]
