"""One file's text as all of its fixes read it: where its lines start, and its `ast`, parsed once
and only when an import edit needs it."""

from __future__ import annotations

import ast
import bisect
from functools import cached_property

from loadlint.facts import Span
from loadlint.fixes import NEWLINE, line_starts
from loadlint.limits import stdlib_parse
from loadlint.materialize.offsets import CannotMaterialize

# The `ast` nodes that carry a position.
Positioned = ast.expr | ast.stmt | ast.alias | ast.arg | ast.excepthandler | ast.pattern


class SourceIndex:
    """Offsets are characters into `text`; `ast` columns (UTF-8 bytes) are converted on the way in."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = line_starts(text)
        self._parsed: ast.Module | SyntaxError | ValueError | None = None

    @property
    def tree(self) -> ast.Module:
        """The file's `ast`; a file Python rejects gets no edit that needs it (and is parsed once)."""
        if self._parsed is None:
            try:
                self._parsed = stdlib_parse(self.text)
            except (SyntaxError, ValueError) as exc:  # a null byte is a ValueError
                self._parsed = exc
        if isinstance(self._parsed, SyntaxError | ValueError):
            raise CannotMaterialize("the file does not parse") from self._parsed
        return self._parsed

    @cached_property
    def newline(self) -> str:
        """The file's first line break, which new lines use (as libcst's code generation does)."""
        match = NEWLINE.search(self.text)
        return match.group() if match else "\n"

    def span(self, span: Span) -> tuple[int, int]:
        return self.offset(span.line, span.column), self.offset(span.end_line, span.end_column)

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based (line, column); a place the text does not have cannot be edited."""
        if not 1 <= line <= len(self.starts) or column < 1:
            raise CannotMaterialize(f"{line}:{column} is not in the file")
        offset = self.starts[line - 1] + column - 1
        if offset > (self.starts[line] if line < len(self.starts) else len(self.text)):
            raise CannotMaterialize(f"{line}:{column} is not in the file")
        return offset

    def begin(self, node: Positioned) -> int:
        return self._from_ast(node.lineno, node.col_offset)

    def end(self, node: Positioned) -> int:
        return self._from_ast(node.end_lineno or node.lineno, node.end_col_offset or 0)

    def _from_ast(self, line: int, byte_column: int) -> int:
        begin = self.starts[line - 1]
        text = self.text[begin:self.starts[line]] if line < len(self.starts) else self.text[begin:]
        if text.isascii():
            return begin + byte_column
        return begin + len(text.encode()[:byte_column].decode())

    def line_start(self, offset: int) -> int:
        return self.starts[bisect.bisect_right(self.starts, offset) - 1]

    def next_line_start(self, offset: int) -> int:
        """Where the line after `offset`'s begins (the text's end on its last line)."""
        line = bisect.bisect_right(self.starts, offset)
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def line_end(self, offset: int) -> int:
        """Where `offset`'s line break begins (the text's end on a last line without one)."""
        after = self.next_line_start(offset)
        line = self.text[self.line_start(offset):after]
        return after - (len(line) - len(line.rstrip("\r\n")))

    def line_break(self, offset: int) -> str:
        """The line break that ends `offset`'s line, or the file's own on a last line without one."""
        return self.text[self.line_end(offset):self.next_line_start(offset)] or self.newline
