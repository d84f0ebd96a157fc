"""Which project function a call reaches: the key that links a call to the parameters of the
function it calls (`extract.project`), from the call's own file alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import QualifiedNameSource, ScopeProvider

from loadlint.extract.evaluate import Evaluator

if TYPE_CHECKING:
    from loadlint.extract.collect import Collector


def function_key(dotted: str) -> str:
    """`pkg.models.load` -> `pkg.models:load`: a function's key from its import path."""
    module, _, name = dotted.rpartition(".")
    return f"{module}:{name}"


def callee_key(collector: Collector, func: cst.BaseExpression, klass: cst.ClassDef | None) -> tuple[str, int] | None:
    """The function a call reaches, as (key, offset): offset 1 when the call binds `self` (a method
    called on `self` or on an instance, a class called to make one).  None when it cannot be told."""
    if isinstance(func, cst.Name):
        return _name_key(collector, func)
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    base, method = func.value, func.attr.value
    if base.value in ("self", "cls") and klass is not None:
        return f"{collector.module}:{_class_path(collector, klass)}.{method}", 1
    imported = _imported(collector, func)
    if imported is not None:
        return function_key(imported), 0
    made = Evaluator(collector, klass).bound_value(base)
    if isinstance(made, cst.Call):  # `loader = Loader(); loader.load(...)`
        owner = callee_key(collector, made.func, klass)
        if owner is not None:
            return f"{owner[0].removesuffix('.__init__')}.{method}", 1
    return None


def _name_key(collector: Collector, func: cst.Name) -> tuple[str, int] | None:
    bound = Evaluator(collector, None).single_binding(func)
    if isinstance(bound, cst.FunctionDef) and bound in collector.function_keys:
        return collector.function_keys[bound], 0
    if isinstance(bound, cst.ClassDef):
        return f"{collector.module}:{_class_path(collector, bound)}.__init__", 1
    imported = _imported(collector, func)
    return (function_key(imported), 0) if imported is not None else None


def _class_path(collector: Collector, klass: cst.ClassDef) -> str:
    return collector.class_paths.get(klass, klass.name.value)


def _imported(collector: Collector, node: cst.BaseExpression) -> str | None:
    """The absolute dotted name an imported callee has (`from .models import load` -> pkg.models.load)."""
    scope = collector.get_metadata(ScopeProvider, node, None)
    if scope is None:
        return None
    names = [q.name for q in scope.get_qualified_names_for(node) if q.source is QualifiedNameSource.IMPORT]
    if len(names) != 1:
        return None
    name = names[0]
    if not name.startswith("."):
        return name
    dots = len(name) - len(name.lstrip("."))
    package = (
        collector.module.split(".") if collector.path.endswith("__init__.py") else collector.module.split(".")[:-1]
    )
    package = package[: len(package) - (dots - 1)] if dots > 1 else package
    return ".".join([*package, name.lstrip(".")])
