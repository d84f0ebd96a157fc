"""Fixed code back into a notebook: only the cells whose code changed get a new source, and every
other byte of the file stays as it was (outputs, attachments, metadata, cell ids, key order,
indentation), so a notebook's diff after `--fix` is the fixed lines."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from loadlint.notebook import CodeCell, Notebook, NotebookError


def fixed_sources(notebook: Notebook, fixed_code: str) -> dict[int, str]:
    """The new source of each code cell the fix changed, by the cell's `index`.  Lines the fix kept
    are taken from the cell as written (a masked magic comes back as it was); new lines go to the
    cell of the line before them.  A change that spans two cells, or rewrites a masked line, raises
    NotebookError: a fix edits one call, so either means the lines were misread."""
    before = notebook.code.split("\n")[:-1]
    after = fixed_code.split("\n")
    if after and after[-1] == "":
        after.pop()
    owners = [cell for cell in notebook.cells for _ in cell.code]
    written = [line for cell in notebook.cells for line in cell.lines]
    masked = {cell.offset + at for cell in notebook.cells for at in cell.masked}
    new: dict[int, list[str]] = {cell.index: [] for cell in notebook.cells}
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for at in range(i1, i2):
                new[owners[at].index].append(written[at])
            continue
        touched = {owners[at].index for at in range(i1, i2)} or _inserted_into(notebook, owners, i1)
        if len(touched) != 1 or masked.intersection(range(i1, i2)):
            raise NotebookError(f"{notebook.path}: not rewritten: the change would touch more than one cell's code")
        new[touched.pop()].extend(after[j1:j2])
    return {cell.index: "\n".join(new[cell.index]) for cell in notebook.cells if new[cell.index] != list(cell.lines)}


def _inserted_into(notebook: Notebook, owners: list[CodeCell], at: int) -> set[int]:
    """The cell new lines inserted before module line `at` (0-based) go to: the cell they are inside,
    else, between two cells, the one that follows (an import added before its first statement), else
    the one before; never a cell whose every line is masked (a `%%bash` cell is not Python)."""
    around = [owners[at]] if at < len(owners) else []
    if at > 0 and (not around or owners[at - 1] is not around[0]):
        around.append(owners[at - 1])
    python = [cell for cell in around if len(cell.masked) < len(cell.code)]
    return {python[0].index} if python else set()


def write_notebook(notebook: Notebook, sources: dict[int, str]) -> bytes:
    """The notebook's bytes with `sources` in place of those cells' sources, written in the file's
    own JSON layout.  Raises NotebookError when that layout is not one `json` reproduces (then
    rewriting would touch cells the fix did not), or the result is not a valid notebook."""
    import nbformat

    if notebook.major != 4:
        raise NotebookError(f"{notebook.path}: not rewritten: nbformat {notebook.major} notebooks are only read")
    text = notebook.data.decode("utf-8")
    layout = _layout(text)
    if layout is None:
        raise NotebookError(f"{notebook.path}: not rewritten: its JSON layout is not one loadlint can keep")
    document = json.loads(text)
    for index, source in sources.items():
        cell = document["cells"][index]
        cell["source"] = _source_lines(source) if isinstance(cell["source"], list) else source
    try:
        nbformat.validate(nbformat.from_dict(document))
    except nbformat.ValidationError as exc:
        problem = f"the result would not be a valid notebook ({exc.message})"
        raise NotebookError(f"{notebook.path}: not rewritten: {problem}") from None
    return _dump(document, layout).encode("utf-8")


def cell_diff(notebook: Notebook, sources: dict[int, str]) -> str:
    """A unified diff per changed cell, headed `a/demo.ipynb:cell 3` as Ruff's notebook diffs are."""
    by_index = {cell.index: cell for cell in notebook.cells}
    parts = []
    for index, source in sorted(sources.items()):
        cell: CodeCell = by_index[index]
        name = f"{notebook.path}:cell {cell.number}"
        lines = difflib.unified_diff(list(cell.lines), source.split("\n"), f"a/{name}", f"b/{name}", lineterm="")
        parts.append("".join(line + "\n" for line in lines))
    return "".join(parts)


def _source_lines(source: str) -> list[str]:
    """A source as nbformat writes it in a list: each line with its newline, the last one without."""
    parts = source.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


@dataclass(frozen=True)
class _Layout:
    """How a notebook's JSON is written: what `json.dumps` is given, and the line ending (JSON
    escapes every newline inside a string, so CRLF files differ only between tokens)."""

    indent: int | None
    ensure_ascii: bool
    final_newline: bool
    newline: str = "\n"


def _layout(text: str) -> _Layout | None:
    """The settings that write this file back byte for byte, if any do."""
    newline = "\r\n" if "\r\n" in text else "\n"
    plain = text.replace("\r\n", "\n")
    document = json.loads(plain)
    second = plain.split("\n", 2)[1] if plain.count("\n") >= 2 else None
    indent = None if second is None else len(second) - len(second.lstrip(" "))
    for ensure_ascii in (False, True):
        layout = _Layout(indent, ensure_ascii, plain.endswith("\n"), newline)
        if _dump(document, layout) == text:
            return layout
    return None


def _dump(document: object, layout: _Layout) -> str:
    separators = (",", ": ") if layout.indent is not None else (", ", ": ")
    text = json.dumps(document, indent=layout.indent, ensure_ascii=layout.ensure_ascii, separators=separators)
    text = text + "\n" if layout.final_newline else text
    return text.replace("\n", layout.newline) if layout.newline != "\n" else text
