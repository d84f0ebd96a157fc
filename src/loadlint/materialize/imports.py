"""Import edits (`ImportName`, `DropUnusedImport`) as text edits, from the file's `ast`, read once
for all of its fixes.

A name is merged into the `from module import ...` among the imports at the top of the file (the
new name first, as libcst's AddImportsVisitor puts it), else it gets a line of its own after them,
so that it is bound before any module-level use.  A name is dropped only from a module-level `from`
import, and only when nothing else in the file mentions it: a use, another binding, a string that
is the name (`__all__`, a forward reference) or a string annotation that names it.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from loadlint.fixes import DropUnusedImport, ImportName
from loadlint.materialize.index import Positioned, SourceIndex
from loadlint.materialize.offsets import CannotMaterialize, OffsetEdit

_COMMA_COMMENT_OR_NOTHING = re.compile(r"[ \t\f]*,?[ \t\f]*(#.*)?")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True, slots=True)
class Mention:
    """A place that names a name; `from_module` is set where a `from` import binds it."""

    node: Positioned
    binds: bool
    from_module: str | None = None


class ModuleImports:
    """What the import edits of every fix of one file read: the imports at the top, the module-level
    `from` imports that bind each name, and every mention of every name."""

    def __init__(self, index: SourceIndex) -> None:
        self.index = index
        self.body = index.tree.body
        docstring = bool(self.body) and _is_docstring(self.body[0]) and self._alone(0)
        self.top: list[ast.stmt] = []
        for position in range(int(docstring), len(self.body)):
            if not (isinstance(self.body[position], ast.Import | ast.ImportFrom) and self._alone(position)):
                break
            self.top.append(self.body[position])
        self._new_line_at, self._blank_after = self._new_line_place(docstring)
        self.positions: dict[ast.ImportFrom, int] = {}
        self.bindings: dict[str, tuple[ast.ImportFrom, ast.alias]] = {}
        for position, statement in enumerate(self.body):
            if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
                self.positions[statement] = position
                for alias in statement.names:
                    self.bindings.setdefault(alias.asname or alias.name, (statement, alias))
        self.mentions: dict[str, list[Mention]] = defaultdict(list)
        for node in ast.walk(index.tree):
            self._note(node)

    def edits(
        self, imports: Sequence[ImportName], drops: Sequence[DropUnusedImport], other_edits: Sequence[OffsetEdit]
    ) -> list[OffsetEdit]:
        """The edits that import what `imports` name and drop what `drops` name, for a fix whose
        other edits (its span replacements, its keyword edits) are `other_edits`."""
        added: dict[ast.ImportFrom, list[str]] = {}
        new_lines: list[str] = []
        for module, names in self._missing(imports).items():
            target = self._merge_target(module)
            if target is not None:
                added[target] = names
            else:
                new_lines.append(f"from {module} import {', '.join(names)}")
        removed: dict[ast.ImportFrom, list[ast.alias]] = defaultdict(list)
        for drop in dict.fromkeys(drops):
            binding = self.bindings.get(drop.local_name)
            if binding is not None and not self._still_used(drop.local_name, binding[1], other_edits):
                removed[binding[0]].append(binding[1])
        edits = [
            edit
            for statement in dict.fromkeys([*added, *removed])
            for edit in self._statement_edits(statement, added.get(statement, []), removed.get(statement, []))
        ]
        if new_lines:
            edits.append(self._new_lines(new_lines))
        return edits

    def _missing(self, imports: Sequence[ImportName]) -> dict[str, list[str]]:
        """The names to import, by module (sorted, as libcst adds them), less those the imports at
        the top already bind that way; a name bound any other way in the file gets no import."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for op in imports:
            package = op.module.split(".")[0]
            if any(m.binds and (m.from_module or "").split(".")[0] != package for m in self.mentions[op.name]):
                raise CannotMaterialize(f"`{op.name}` is already bound in this file")
            wanted[op.module].add(op.name)
        missing = {}
        for module in sorted(wanted):
            present = self._imported_from(module)
            names = sorted(wanted[module] - present) if "*" not in present else []
            if names:
                missing[module] = names
        return missing

    def _imported_from(self, module: str) -> set[str]:
        return {
            alias.name
            for statement in self._top_imports_from(module)
            for alias in statement.names
            if alias.asname in (None, alias.name)
        }

    def _merge_target(self, module: str) -> ast.ImportFrom | None:
        return next(iter(self._top_imports_from(module)), None)

    def _top_imports_from(self, module: str) -> list[ast.ImportFrom]:
        return [
            statement
            for statement in self.top
            if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module == module
        ]

    def _still_used(self, name: str, binding: ast.alias, other_edits: Sequence[OffsetEdit]) -> bool:
        """Whether anything but `binding` mentions `name` once the fix's other edits are made."""
        for mention in self.mentions.get(name, ()):
            if mention.node is binding:
                continue
            begin = self.index.begin(mention.node)
            if not any(edit.begin <= begin < edit.end for edit in other_edits):
                return True
        return any(_names(edit.content, name) for edit in other_edits)

    def _statement_edits(
        self, statement: ast.ImportFrom, added: list[str], removed: list[ast.alias]
    ) -> list[OffsetEdit]:
        """Prepend `added` to a `from` import's names and take out `removed`, keeping its layout: in
        a parenthesized list of one name a line, names come and go as whole lines."""
        index, aliases = self.index, statement.names
        if len(removed) == len(aliases) and not added:
            return self._drop_statement(statement)
        first = index.begin(aliases[0])
        parenthesized = "(" in index.text[index.begin(statement):first]
        by_lines = [parenthesized and self._alone_on_its_line(alias) for alias in aliases]
        runs = _runs([alias in removed for alias in aliases])
        edits = []
        if added and runs and runs[0][0] == 0 and not all(by_lines[:runs[0][1] + 1]):
            _, head_last = runs.pop(0)  # the new names take the place of the first names
            edits.append(OffsetEdit(first, index.end(aliases[head_last]), ", ".join(added)))
        elif added and parenthesized and not index.text[index.line_start(first):first].strip():
            line = index.line_start(first)
            indent, newline = index.text[line:first], index.line_break(first)
            edits.append(OffsetEdit(line, line, "".join(f"{indent}{name},{newline}" for name in added)))
        elif added:
            edits.append(OffsetEdit(first, first, "".join(f"{name}, " for name in added)))
        for run_first, run_last in runs:
            if all(by_lines[run_first:run_last + 1]):
                edits.extend(self._whole_line(index.begin(alias)) for alias in aliases[run_first:run_last + 1])
            elif run_last + 1 < len(aliases):  # the run and the commas after it
                edits.append(OffsetEdit(index.begin(aliases[run_first]), index.begin(aliases[run_last + 1]), ""))
            else:  # a run at the end (not the first name): the comma before it, so a trailing comma stays
                edits.append(OffsetEdit(index.end(aliases[run_first - 1]), index.end(aliases[run_last]), ""))
        return edits

    def _drop_statement(self, statement: ast.ImportFrom) -> list[OffsetEdit]:
        """The whole statement: its lines, or, beside another statement on its line, it and its `;`."""
        index, position = self.index, self.positions[statement]
        begin, end = index.begin(statement), index.end(statement)
        if self._alone(position):
            return [OffsetEdit(index.line_start(begin), index.next_line_start(end), "")]
        following = self.body[position + 1] if position + 1 < len(self.body) else None
        if following is not None and following.lineno == statement.end_lineno:
            return [OffsetEdit(begin, index.begin(following), "")]
        return [OffsetEdit(index.end(self.body[position - 1]), end, "")]

    def _whole_line(self, offset: int) -> OffsetEdit:
        return OffsetEdit(self.index.line_start(offset), self.index.next_line_start(offset), "")

    def _alone_on_its_line(self, alias: ast.alias) -> bool:
        """Whether the name has its line to itself (with its comma and its comment)."""
        begin, end = self.index.begin(alias), self.index.end(alias)
        line_end = self.index.line_end(end)
        return (
            alias.lineno == alias.end_lineno
            and not self.index.text[self.index.line_start(begin):begin].strip()
            and _COMMA_COMMENT_OR_NOTHING.fullmatch(self.index.text, end, line_end) is not None
        )

    def _new_lines(self, lines: list[str]) -> OffsetEdit:
        at, text, newline = self._new_line_at, self.index.text, self.index.newline
        content = "".join(f"{line}{newline}" for line in lines) + (newline if self._blank_after else "")
        if at == len(text) and text and text[-1] not in "\r\n":  # after a last line without a line break
            content = newline + content
        return OffsetEdit(at, at, content)

    def _new_line_place(self, docstring: bool) -> tuple[int, bool]:
        """Where a new import line goes (after the imports at the top, else after the docstring,
        else before the first statement and the comments above it), and whether a blank line must
        then part it from the statement that follows, as libcst's AddImportsVisitor leaves it."""
        index = self.index
        anchor = self.top[-1] if self.top else (self.body[0] if docstring else None)
        if anchor is not None:
            at = index.next_line_start(index.end(anchor))
        elif self.body:
            at = index.starts[_first_line(self.body[0]) - 1]
        else:
            return len(index.text), False
        follows = int(docstring) + len(self.top) < len(self.body)
        return at, follows and bool(index.text[at:index.line_end(at)].strip())

    def _alone(self, position: int) -> bool:
        """Whether a module-level statement has its lines to itself (no `;` neighbour)."""
        statement = self.body[position]
        return (position == 0 or (self.body[position - 1].end_lineno or 0) < _first_line(statement)) and (
            position + 1 == len(self.body) or _first_line(self.body[position + 1]) > (statement.end_lineno or 0)
        )

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            self.mentions[node.id].append(Mention(node, isinstance(node.ctx, ast.Store)))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                if alias.name != "*":
                    self.mentions[(alias.asname or alias.name).split(".")[0]].append(Mention(alias, True, module))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.mentions[node.name].append(Mention(node, True))
            self._note_annotation(getattr(node, "returns", None))
        elif isinstance(node, ast.arg):
            self.mentions[node.arg].append(Mention(node, True))
            self._note_annotation(node.annotation)
        elif isinstance(node, ast.AnnAssign):
            self._note_annotation(node.annotation)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            self.mentions[node.name].append(Mention(node, True))
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.mentions[node.rest].append(Mention(node, True))
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                self.mentions[name].append(Mention(node, False))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            self.mentions[node.value].append(Mention(node, False))

    def _note_annotation(self, annotation: ast.expr | None) -> None:
        """The names a string annotation (`"Optional[Model]"`) reads, which the checker resolves."""
        for node in ast.walk(annotation) if annotation is not None else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in dict.fromkeys(_IDENTIFIER.findall(node.value)):
                    self.mentions[name].append(Mention(node, False))


def _is_docstring(statement: ast.stmt) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    return isinstance(value, ast.Constant) and isinstance(value.value, str)


def _first_line(statement: ast.stmt) -> int:
    """A statement's first line, its decorators' included."""
    decorators = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """The (first, last) positions of each run of consecutive true flags."""
    runs: list[tuple[int, int]] = []
    for position, flag in enumerate(flags):
        if flag and runs and runs[-1][1] == position - 1:
            runs[-1] = (runs[-1][0], position)
        elif flag:
            runs.append((position, position))
    return runs


def _names(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None
