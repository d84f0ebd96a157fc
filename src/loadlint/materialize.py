"""Turn a fix's operations into text edits against one file, with libcst.

Each fix is materialized on its own against the original text (so every finding shows its own
edits), and only kept when the result parses.  Imports are added and removed by libcst's own
codemod visitors, which know how to merge into an existing `from ... import` and whether a name is
still used.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import difflib
import itertools
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from loadlint.facts import Span
from loadlint.fixes import (
    DropUnusedImport,
    Edit,
    Fix,
    ImportName,
    Operation,
    RemoveKeyword,
    ReplaceSpan,
    SetKeyword,
    apply_edits,
    line_starts,
    offset_of,
)
from loadlint.limits import Budget, BudgetSpent, stdlib_parse

KeywordOperation = RemoveKeyword | SetKeyword


class CannotMaterialize(Exception):
    """The operations do not fit this file (the call moved, a name is taken): offer no fix."""


def materialize(text: str, fixes: Sequence[Fix | None], budget: Budget | None = None) -> list[Fix | None]:
    """Each fix with its edits filled in, or None where it cannot be made certainly valid.

    Fixes made only of span replacements (a class name, `**x`, a stale comment) are their own
    edits; they are checked together with one parse, and one by one only when that fails, so a file
    with thousands of findings is not parsed thousands of times.  Each other fix costs a parse of
    the file: once `budget` is spent, the fixes not yet made get no edits."""
    results: list[Fix | None] = [None] * len(fixes)
    try:
        with budget.limit("computing fixes") if budget is not None else contextlib.nullcontext():
            _materialize_into(results, text, fixes)
    except BudgetSpent:
        pass
    return results


def _materialize_into(results: list[Fix | None], text: str, fixes: Sequence[Fix | None]) -> None:
    direct: dict[int, Fix] = {}
    starts = line_starts(text)
    for index, fix in enumerate(fixes):
        if fix is None:
            continue
        if all(isinstance(op, ReplaceSpan) for op in fix.operations):
            edits = tuple(Edit(op.span, op.text) for op in fix.operations if _changes(text, starts, op))  # type: ignore[arg-type]
            if edits:
                direct[index] = Fix(fix.title, fix.applicability, fix.operations, edits)
        else:
            results[index] = _materialize_one(text, fix)
    if direct and _parses_together(text, list(direct.values())):
        for index, fix in direct.items():
            results[index] = fix
    else:
        for index, fix in direct.items():
            results[index] = fix if _parses(text, list(fix.edits)) else None


def _changes(text: str, starts: list[int], op: ReplaceSpan) -> bool:
    begin = offset_of(starts, op.span.line, op.span.column)
    end = offset_of(starts, op.span.end_line, op.span.end_column)
    return text[begin:end] != op.text


def _parses_together(text: str, fixes: list[Fix]) -> bool:
    """All the fixes applied at once parse (identical edits counted once; overlaps: not checked)."""
    edits = list(dict.fromkeys(edit for fix in fixes for edit in fix.edits))
    ordered = sorted(edits, key=lambda e: (e.span.line, e.span.column))
    if any(_ends_after(a, b) for a, b in itertools.pairwise(ordered)):
        return False
    return _parses(text, edits)


def _ends_after(first: Edit, second: Edit) -> bool:
    return (first.span.end_line, first.span.end_column) > (second.span.line, second.span.column)


def _parses(text: str, edits: list[Edit]) -> bool:
    try:
        cst.parse_module(apply_edits(text, edits))
    except (cst.ParserSyntaxError, ValueError):
        return False
    return True


def _materialize_one(text: str, fix: Fix) -> Fix | None:
    try:
        changed = apply_operations(text, fix.operations)
        cst.parse_module(changed)
    except (CannotMaterialize, cst.ParserSyntaxError, ValueError):
        return None
    edits = diff_edits(text, changed)
    if not edits:
        return None
    return Fix(fix.title, fix.applicability, fix.operations, tuple(edits))


def apply_operations(text: str, operations: Sequence[Operation]) -> str:
    """Span replacements first (their positions refer to the original text), then keyword edits on
    the calls, then imports: added before unused ones are dropped, so a renamed class keeps its line."""
    replacements = [Edit(op.span, op.text) for op in operations if isinstance(op, ReplaceSpan)]
    keyword_ops = [op for op in operations if isinstance(op, (RemoveKeyword, SetKeyword))]
    imports = [op for op in operations if isinstance(op, ImportName)]
    drops = [op for op in operations if isinstance(op, DropUnusedImport)]
    if keyword_ops and replacements:
        raise CannotMaterialize("span replacements and keyword edits in one fix")
    if imports:
        _check_names_free(text, [op.name for op in imports])
    text = apply_edits(text, replacements)
    if not (keyword_ops or imports or drops):
        return text
    module = cst.parse_module(text)
    if keyword_ops:
        module = _edit_keywords(module, keyword_ops)
    # libcst's codemod package takes ~0.4 s to import: only a fix that touches imports pays for it.
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    if imports:
        context = CodemodContext()
        for op in imports:
            AddImportsVisitor.add_needed_import(context, op.module, op.name)
        module = AddImportsVisitor(context).transform_module(module)
    if drops:
        context = CodemodContext()
        for op in drops:
            binding = _import_binding(module, op.local_name)
            if binding is not None:
                RemoveImportsVisitor.remove_unused_import(context, *binding)
        module = RemoveImportsVisitor(context).transform_module(module)
    return module.code


def _check_names_free(text: str, names: list[str]) -> None:
    """A name we are about to import must not already mean something else in the file."""
    try:
        tree = stdlib_parse(text)
    except (SyntaxError, ValueError) as exc:  # a file Python rejects gets no import fix
        raise CannotMaterialize("the file does not parse") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "transformers":
            continue
        bound = _bound_names(node)
        taken = bound.intersection(names)
        if taken:
            raise CannotMaterialize(f"`{taken.pop()}` is already bound in this file")


def _bound_names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
        return {node.id}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.arg):
        return {node.arg}
    return set()


def _import_binding(module: cst.Module, local_name: str) -> tuple[str, str, str | None] | None:
    """(module, name, asname) of the module-level `from ... import` that binds `local_name`, if any
    (a name bound another way, say by assignment, has no import to drop)."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            if small.module is None or small.relative:
                continue
            for alias in small.names:
                name = alias.evaluated_name
                asname = alias.evaluated_alias
                if (asname or name) == local_name:
                    return _dotted(small.module), name, asname
    return None


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise CannotMaterialize("unexpected module expression")


def _edit_keywords(module: cst.Module, operations: Sequence[KeywordOperation]) -> cst.Module:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    editor = _KeywordEditor(wrapper.resolve(PositionProvider), operations)
    edited = wrapper.module.visit(editor)
    if editor.pending:
        raise CannotMaterialize("the call to edit is not in the file")
    return edited


class _KeywordEditor(cst.CSTTransformer):
    """Applies keyword operations to the calls whose positions they name."""

    def __init__(self, positions, operations: Sequence[KeywordOperation]) -> None:
        super().__init__()
        self.positions = positions
        self.pending = list(operations)
        self.calls: dict[cst.Call, Span] = {}

    def visit_Call(self, node: cst.Call) -> None:
        position = self.positions[node]
        self.calls[node] = Span(
            position.start.line, position.start.column + 1, position.end.line, position.end.column + 1
        )

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        span = self.calls.pop(original)
        mine = [op for op in self.pending if op.call == span]
        for op in mine:
            self.pending.remove(op)
            if isinstance(op, RemoveKeyword):
                updated = _remove_keyword(updated, op.keyword)
            else:
                updated = _set_keyword(updated, op)
        return updated


def _keyword_index(call: cst.Call, name: str) -> int | None:
    return next((i for i, arg in enumerate(call.args) if arg.keyword is not None and arg.keyword.value == name), None)


def _remove_keyword(call: cst.Call, name: str) -> cst.Call:
    index = _keyword_index(call, name)
    if index is None:
        raise CannotMaterialize(f"`{name}=` is not passed")
    args = list(call.args)
    removed = args.pop(index)
    if index == len(args) and args:
        # The removed argument was the last: the new last one takes over its comma (a trailing
        # comma in a multi-line call) or loses its own (a one-line call), so no `f(a, )` is left.
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def _set_keyword(call: cst.Call, op: SetKeyword) -> cst.Call:
    args = list(call.args)
    value = cst.parse_expression(op.source) if op.source is not None else None
    if op.rename_from is not None:
        index = _keyword_index(call, op.rename_from)
        if index is None:
            raise CannotMaterialize(f"`{op.rename_from}=` is not passed")
        if _keyword_index(call, op.keyword) is not None:
            raise CannotMaterialize(f"`{op.keyword}=` is already passed")
        changes: dict = {"keyword": cst.Name(op.keyword)}
        if value is not None:
            changes["value"] = value
        args[index] = args[index].with_changes(**changes)
        return call.with_changes(args=args)
    if value is None:
        raise CannotMaterialize("no value to set")
    index = _keyword_index(call, op.keyword)
    if index is not None:
        args[index] = args[index].with_changes(value=value)
        return call.with_changes(args=args)
    new = cst.Arg(
        value=value,
        keyword=cst.Name(op.keyword),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if args:
        last = args[-1]
        if isinstance(last.comma, cst.Comma):
            # A multi-line call with a trailing comma: the new argument closes the call as the old
            # last one did, and the old last one breaks the line as the arguments before it do.
            new = new.with_changes(comma=last.comma)
            previous = args[-2].comma if len(args) > 1 else None
            spacing = previous.whitespace_after if isinstance(previous, cst.Comma) else call.whitespace_before_args
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=spacing))
        else:
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, new])


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
