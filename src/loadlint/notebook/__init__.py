"""Jupyter notebooks as one Python module: the code cells in order (a name bound in cell 2 is
visible in cell 5), IPython syntax masked line for line, markdown and raw cells left out.

The analysis sees `Notebook.code` and reports module lines; `locate` turns a module line into the
cell and the line in that cell, as Ruff numbers them (cells counted from 1 among all cells, code or
not).  nbformat reads the file; `write` puts fixed code back into the cells it changed."""

from __future__ import annotations

from dataclasses import dataclass

from loadlint.facts import Span
from loadlint.limits import one_line, syntax_error
from loadlint.notebook.magics import mask_cell


class NotebookError(ValueError):
    """A file that is not a notebook loadlint can read, as one line that names the file."""


@dataclass(frozen=True)
class CodeCell:
    """One code cell: its number, where its lines start in the module, its lines as written and as
    masked for the analysis."""

    number: int  # 1-based, among all cells
    index: int  # 0-based position in the notebook's `cells`
    start: int  # the module line of its first line, 1-based
    lines: tuple[str, ...]
    code: tuple[str, ...]
    masked: frozenset[int]

    @property
    def source(self) -> str:
        return "\n".join(self.lines)

    @property
    def offset(self) -> int:
        """How many module lines come before the cell's first line."""
        return self.start - 1


@dataclass(frozen=True)
class Notebook:
    path: str
    data: bytes  # the file as read
    major: int  # the nbformat version it is written in
    cells: tuple[CodeCell, ...]
    errors: tuple[str, ...]  # one line per code cell that does not parse (its lines are masked)

    @property
    def code(self) -> str:
        return "".join(line + "\n" for cell in self.cells for line in cell.code)

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line in that cell) of a module line."""
        cell = self.cell_at(line)
        return cell.number, line - cell.start + 1

    def in_cell(self, span: Span) -> tuple[CodeCell, Span]:
        """A span of the module as (its cell, the same span in the cell's own lines)."""
        cell = self.cell_at(span.line)
        return cell, span.moved(-cell.offset)

    def cell_at(self, line: int) -> CodeCell:
        found = self.cells[0]
        for cell in self.cells:
            if cell.start > line:
                break
            found = cell
        return found


def read_notebook(path: str, data: bytes) -> Notebook:
    """The notebook in `data`; raises NotebookError for a file that is not JSON or not a notebook."""
    import nbformat  # imported only when a run meets a notebook (it costs ~0.1 s)
    from nbformat.reader import NotJSONError

    try:
        node = nbformat.reader.reads(data.decode("utf-8"))
        major = int(node.get("nbformat", 0))
        if major < 4:
            node = nbformat.convert(node, 4)
        cells = node["cells"]
        if not isinstance(cells, list):
            raise TypeError("`cells` is not a list")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{path}: not a notebook: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except NotJSONError:
        raise NotebookError(f"{path}: not a notebook: not valid JSON") from None
    except (nbformat.ValidationError, KeyError, TypeError, ValueError, AttributeError) as exc:  # NBFormatError too
        raise NotebookError(f"{path}: not a notebook: {one_line(exc) or type(exc).__name__}") from None
    sources = {
        index: "".join(source) if isinstance(source, list) else str(source)
        for index, cell in enumerate(cells)
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
        for source in [cell.get("source", "")]
    }
    return notebook_of_cells(path, sources, data, major)


def notebook_of_cells(path: str, sources: dict[int, str], data: bytes = b"", major: int = 4) -> Notebook:
    """A notebook from its code cells' sources, by position among all cells (an editor sends these)."""
    code_cells: list[CodeCell] = []
    errors: list[str] = []
    start = 1
    for index, source in sorted(sources.items()):
        lines = source.split("\n")
        masked = mask_cell(lines)
        if masked.error is not None:
            error = masked.error
            message = syntax_error(f"{path}:cell {index + 1}", error.lineno or 1, error.offset or 1, error.msg)
            errors.append(f"{message}; the other cells are checked")
        code = tuple(
            _marked(line, index + 1, at) if at in masked.masked else line for at, line in enumerate(masked.lines)
        )
        code_cells.append(CodeCell(index + 1, index, start, tuple(lines), code, masked.masked))
        start += len(lines)
    return Notebook(path, data, major, tuple(code_cells), tuple(errors))


def _marked(line: str, cell: int, at: int) -> str:
    """A masked line as the module holds it: what `mask_cell` left (empty, or `pass`) with a comment
    unique in the notebook, so that no edit of the fixed code can be matched against it."""
    marker = f"# masked: cell {cell}, line {at + 1}"
    return f"{line}  {marker}" if line else marker
