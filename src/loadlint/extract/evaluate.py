"""Evaluate an expression at one call to a Python constant, or say it cannot be known.

Literals, names bound once, parameter defaults, class attributes, f-strings, `+`, `.format`,
`os.environ.get`/`os.getenv` defaults and argparse defaults read back through `args.<dest>`.
Anything else stays unknown, never guessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import Scope, ScopeProvider

from loadlint.facts import Keyword

if TYPE_CHECKING:
    from loadlint.extract.collect import Collector

ENV_DEFAULT_CALLS = frozenset({"os.environ.get", "os.getenv"})
MAX_EVAL_DEPTH = 16

_EMPTY = cst.Module(body=[])


class NotConstant(Exception):
    """The expression's value cannot be known without running the code."""


def source_of(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def keyword_name(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def constant_strings(call: cst.Call) -> list[str]:
    """The string literals a call is given positionally: an option's names (`"--model"`, `"-m"`)."""
    given = [a.value for a in call.args if a.keyword is None]
    strings = [value.evaluated_value for value in given if isinstance(value, cst.SimpleString)]
    return [string for string in strings if isinstance(string, str)]



class Evaluator:
    """Evaluates expressions at one call to Python constants, raising NotConstant otherwise."""

    def __init__(self, collector: Collector, klass: cst.ClassDef | None) -> None:
        self.collector = collector
        self.klass = klass

    def string_or_none(self, node: cst.BaseExpression | None) -> tuple[str | None, str | None]:
        """(value, None) for a constant string; (None, source) for anything unknown; (None, None) if absent."""
        if node is None:
            return None, None
        try:
            value = self.value(node)
        except NotConstant:
            return None, source_of(node)
        if value is None:
            return None, None
        if isinstance(value, str):
            return value, None
        return None, source_of(node)

    def keyword(self, arg: cst.Arg) -> Keyword:
        if arg.keyword is None:
            return Keyword("**", source_of(arg.value))
        try:
            return Keyword(arg.keyword.value, source_of(arg.value), self.value(arg.value), True)
        except NotConstant:
            return Keyword(arg.keyword.value, source_of(arg.value))

    def value(self, node: cst.BaseExpression, depth: int = 0) -> object:
        if depth > MAX_EVAL_DEPTH:
            raise NotConstant
        evaluate = getattr(self, f"_eval_{type(node).__name__}", None)
        if evaluate is None:
            raise NotConstant
        return evaluate(node, depth + 1)

    # --- literals ----------------------------------------------------------------------------
    def _eval_SimpleString(self, node: cst.SimpleString, depth: int) -> object:
        return node.evaluated_value

    def _eval_Integer(self, node: cst.Integer, depth: int) -> object:
        return node.evaluated_value

    def _eval_Float(self, node: cst.Float, depth: int) -> object:
        return node.evaluated_value

    def _eval_ConcatenatedString(self, node: cst.ConcatenatedString, depth: int) -> object:
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise NotConstant

    def _eval_FormattedString(self, node: cst.FormattedString, depth: int) -> object:
        pieces = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
            elif part.conversion is None and part.format_spec is None:
                value = self.value(part.expression, depth)
                if not isinstance(value, (str, int)):
                    raise NotConstant
                pieces.append(str(value))
            else:
                raise NotConstant
        return "".join(pieces)

    def _eval_BinaryOperation(self, node: cst.BinaryOperation, depth: int) -> object:
        if not isinstance(node.operator, cst.Add):
            raise NotConstant
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise NotConstant

    # --- names -------------------------------------------------------------------------------
    def _eval_Name(self, node: cst.Name, depth: int) -> object:
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        bound = self.single_binding(node)
        if isinstance(bound, cst.Param):
            if bound.default is None:
                raise NotConstant
            return self.value(bound.default, depth)
        if isinstance(bound, cst.Name) and bound in self.collector.bound_values:
            return self.value(self.collector.bound_values[bound], depth)
        raise NotConstant

    def _eval_Attribute(self, node: cst.Attribute, depth: int) -> object:
        base = node.value
        if not isinstance(base, cst.Name):
            raise NotConstant
        attribute = node.attr.value
        if self.is_parsed_args(base):
            return self._argparse_default(attribute, depth)
        klass = self._class_named(base)
        if klass is None:
            raise NotConstant
        values = self.collector.classes[klass].attributes.get(attribute, [])
        if len(values) != 1:
            raise NotConstant
        return Evaluator(self.collector, klass).value(values[0], depth)

    def is_parsed_args(self, base: cst.Name) -> bool:
        return self.single_binding(base) in self.collector.parsed_args_names

    def single_binding(self, name: cst.Name) -> cst.CSTNode | None:
        """The node that binds `name` where it is used, when exactly one binding is visible."""
        bindings = self.bindings(name)
        return bindings[0] if len(bindings) == 1 else None

    def bound_value(self, name: cst.Name) -> cst.BaseExpression | None:
        """What a name bound once by an assignment holds."""
        binding = self.single_binding(name)
        return self.collector.bound_values.get(binding) if isinstance(binding, cst.Name) else None

    def bindings(self, name: cst.Name) -> list[cst.CSTNode | None]:
        """The nodes that bind `name` where it is used (None for one that is not a node: a builtin)."""
        scope: Scope | None = self.collector.get_metadata(ScopeProvider, name, None)
        return [getattr(assignment, "node", None) for assignment in scope[name.value]] if scope is not None else []

    def _argparse_default(self, dest: str, depth: int) -> object:
        """The one default every parser of the file gives `dest` (`set_defaults` over add_argument's)."""
        defaults = self.collector.argparse_set_defaults.get(dest) or self.collector.argparse_defaults.get(dest, [])
        values = {repr(self.value(d, depth)) if d is not None else None for d in defaults}
        if len(defaults) == 0 or None in values or len(values) != 1:
            raise NotConstant
        return self.value(defaults[0], depth)  # type: ignore[arg-type]

    def _class_named(self, base: cst.Name) -> cst.ClassDef | None:
        if base.value in ("self", "cls"):
            return self.klass
        return self.collector.class_named(base.value)

    # --- calls -------------------------------------------------------------------------------
    def _eval_Call(self, node: cst.Call, depth: int) -> object:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            template = self.value(func.value, depth)
            if not isinstance(template, str):
                raise NotConstant
            args = [self.value(a.value, depth) for a in node.args if a.keyword is None and not a.star]
            kwargs = {
                keyword_name(a): self.value(a.value, depth) for a in node.args if a.keyword is not None
            }
            if any(a.star for a in node.args):
                raise NotConstant
            try:
                return template.format(*args, **kwargs)
            except (IndexError, KeyError, ValueError) as exc:
                raise NotConstant from exc
        if self.collector.qualified_names(func) & ENV_DEFAULT_CALLS:
            positional = [a for a in node.args if a.keyword is None]
            default = next((a.value for a in node.args if keyword_name(a) == "default"), None)
            if default is None and len(positional) >= 2:
                default = positional[1].value
            if default is None:
                raise NotConstant
            return self.value(default, depth)
        raise NotConstant
