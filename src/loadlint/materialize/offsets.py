"""Edits by character offset: what the operations compute, cheap to combine before they become the
line/column `Edit`s a fix reports."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass


class CannotMaterialize(Exception):
    """The operations do not fit this file (the call moved, a name is taken): offer no fix."""


@dataclass(frozen=True, slots=True)
class OffsetEdit:
    """Replace `text[begin:end]` with `content`; `begin == end` inserts."""

    begin: int
    end: int
    content: str


def ordered(edits: Iterable[OffsetEdit]) -> list[OffsetEdit]:
    """The edits in text order (an insertion before a replacement that starts where it is), refusing
    edits that overlap: they were computed apart and would not compose."""
    result = sorted(edits, key=lambda edit: (edit.begin, edit.end))
    for first, second in itertools.pairwise(result):
        if second.begin < first.end or (second.begin == first.begin == first.end == second.end):
            raise CannotMaterialize("the operations' edits overlap")
    return result


def apply_offset_edits(text: str, edits: Iterable[OffsetEdit]) -> str:
    out: list[str] = []
    cursor = 0
    for edit in ordered(edits):
        out.append(text[cursor:edit.begin])
        out.append(edit.content)
        cursor = edit.end
    out.append(text[cursor:])
    return "".join(out)
