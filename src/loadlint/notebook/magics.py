"""IPython's syntax inside a code cell, masked so the cell parses as Python with every other line
where it was: `%magic`, `!shell`, `x = !cmd`, `obj?` help and `%%cell` magics.

A line is masked only where the parser stumbles on it and it reads as IPython syntax: a `!` or `%`
inside a string or a bracket never trips the parser, so it is never masked, and a real syntax error
stays an error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loadlint.limits import stdlib_parse

# Cell magics whose body is Python (IPython runs it as code); any other `%%magic` is another language.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "mprun"})
_IPYTHON_LINE = re.compile(r"^\s*(?:[%!?]|[\w.]+\s*=\s*[%!])|\?\s*$")


@dataclass(frozen=True)
class MaskedCell:
    """A cell's lines as the analysis sees them, which of them are masked, and the syntax error that
    stops the cell from parsing even so (its lines are then all masked)."""

    lines: tuple[str, ...]
    masked: frozenset[int]  # 0-based indexes into the cell's lines
    error: SyntaxError | None = None


def mask_cell(lines: list[str]) -> MaskedCell:
    """The cell with its IPython lines masked: a masked line becomes empty, or `pass` where it is
    indented (so a block keeps a body), and so do the lines a backslash continues it onto."""
    text = list(lines)
    masked: set[int] = set()
    first = text[0].strip() if text else ""
    if first.startswith("%%"):
        name = first[2:].split()[0] if first[2:].split() else ""
        if name not in PYTHON_CELL_MAGICS:  # `%%bash`, `%%writefile`, `%%html`: not Python at all
            return MaskedCell(tuple("" for _ in text), frozenset(range(len(text))))
        masked.add(0)
        text[0] = ""
    while True:
        try:
            stdlib_parse("\n".join(text))
            return MaskedCell(tuple(text), frozenset(masked))
        except SyntaxError as exc:
            index = (exc.lineno or 1) - 1
            if index >= len(text) or index in masked or not _IPYTHON_LINE.search(lines[index]):
                return MaskedCell(tuple("" for _ in text), frozenset(range(len(text))), exc)
            for at in _logical_line(lines, index):
                masked.add(at)
                indent = _indentation(lines[at])
                text[at] = indent + "pass" if at == index and indent else ""
        except ValueError as exc:  # a null byte
            error = SyntaxError(str(exc))
            error.lineno, error.offset = 1, 1
            return MaskedCell(tuple("" for _ in text), frozenset(range(len(text))), error)


def _logical_line(lines: list[str], index: int) -> range:
    """The line and the ones a trailing backslash continues it onto (`!pip install a \\`)."""
    end = index
    while end + 1 < len(lines) and lines[end].rstrip().endswith("\\"):
        end += 1
    return range(index, end + 1)


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
