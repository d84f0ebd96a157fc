"""One fix's operations as offset edits against the file's original text.

Span replacements and keyword edits come first; the import edits are then made knowing what those
replaced (a call that no longer names a class may leave its import unused).  Every fix of a file is
made from one `SourceIndex`, so the file is tokenized per edited call and parsed at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from loadlint.fixes import DropUnusedImport, ImportName, Operation, RemoveKeyword, ReplaceSpan, SetKeyword
from loadlint.materialize.imports import ModuleImports
from loadlint.materialize.index import SourceIndex
from loadlint.materialize.keywords import keyword_edits
from loadlint.materialize.offsets import OffsetEdit, apply_offset_edits, ordered


class FileOperations:
    """Makes the operations of one file's fixes; what the import edits read is gathered once."""

    def __init__(self, text: str) -> None:
        self.index = SourceIndex(text)

    @cached_property
    def imports(self) -> ModuleImports:
        return ModuleImports(self.index)

    def offset_edits(self, operations: Sequence[Operation]) -> list[OffsetEdit]:
        """The operations' edits in text order; raises `CannotMaterialize` where they do not fit."""
        edits: list[OffsetEdit] = []
        for op in operations:
            if isinstance(op, ReplaceSpan):
                edits.append(OffsetEdit(*self.index.span(op.span), op.text))
            elif isinstance(op, RemoveKeyword | SetKeyword):
                edits.extend(keyword_edits(self.index, op))
        imports = [op for op in operations if isinstance(op, ImportName)]
        drops = [op for op in operations if isinstance(op, DropUnusedImport)]
        if imports or drops:
            edits.extend(self.imports.edits(imports, drops, edits))
        return ordered(edits)


def apply_operations(text: str, operations: Sequence[Operation]) -> str:
    """The text with the operations made (raises `CannotMaterialize` where they do not fit)."""
    return apply_offset_edits(text, FileOperations(text).offset_edits(operations))
