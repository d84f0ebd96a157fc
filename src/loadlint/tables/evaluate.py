"""Just enough of Python to replay the top-level statements that build transformers' tables.

It understands only the literal forms those files use (dict / `OrderedDict` literals, tuples,
`*list(NAME.items())`, `**{...}`, `.update({...})`, `_LazyAutoMapping(...)` and names bound earlier);
anything else raises `Unevaluable`, and a statement it cannot follow drops the names it touches, so a
table is either replayed exactly or missing, never guessed. The one exception is a loop that rewrites
a table's values under its own keys: the keys stay known, the values become `UNKNOWN_VALUE`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class Unevaluable(Exception):
    """An expression outside the literal forms the tables are written in."""


@dataclass
class AutoMapping:
    """`_LazyAutoMapping(config_names, model_names)` as written in modeling_auto.py."""

    config_names: dict
    model_names: dict


@dataclass
class AutoClass:
    """An Auto model class: a class whose `_model_mapping` is an `AutoMapping`."""

    mapping: AutoMapping


class _UnknownValue:
    """A table value that a loop rewrote in a way the evaluator does not follow (its key is known)."""

    def __repr__(self) -> str:
        return "<a value rewritten at import time>"


UNKNOWN_VALUE = _UnknownValue()

_MAPPING_FACTORIES = frozenset({"OrderedDict", "dict"})
_SEQUENCE_FACTORIES = {"list": list, "tuple": tuple}


def evaluate(node: ast.expr, env: dict[str, object]) -> object:
    """Evaluate `node` with the module's names in `env`, or raise Unevaluable."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise Unevaluable(node.id)
        return env[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate_elements(node.elts, env))
    if isinstance(node, ast.List):
        return list(_evaluate_elements(node.elts, env))
    if isinstance(node, ast.Dict):
        result: dict = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # {**other}
                result.update(as_mapping(evaluate(value, env)))
            else:
                result[evaluate(key, env)] = evaluate(value, env)
        return result
    if isinstance(node, ast.Call):
        return _evaluate_call(node, env)
    raise Unevaluable(type(node).__name__)


def _evaluate_elements(nodes: list[ast.expr], env: dict[str, object]) -> Iterator[object]:
    for node in nodes:
        if isinstance(node, ast.Starred):  # *list(X.items())
            yield from _as_iterable(evaluate(node.value, env))
        else:
            yield evaluate(node, env)


def _evaluate_call(node: ast.Call, env: dict[str, object]) -> object:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _MAPPING_FACTORIES:
        result: dict = {}
        for arg in node.args:
            result.update(as_mapping(evaluate(arg, env)))
        for keyword in node.keywords:  # OrderedDict(**{"gpt-sw3": ...}, **CONFIG_MAPPING_NAMES)
            if keyword.arg is None:
                result.update(as_mapping(evaluate(keyword.value, env)))
            else:
                result[keyword.arg] = evaluate(keyword.value, env)
        return result
    if (
        isinstance(func, ast.Name)
        and func.id in _SEQUENCE_FACTORIES
        and len(node.args) == 1
        and not node.keywords
    ):
        return _SEQUENCE_FACTORIES[func.id](_as_iterable(evaluate(node.args[0], env)))
    if isinstance(func, ast.Attribute) and func.attr == "items" and not node.args and not node.keywords:
        return list(as_mapping(evaluate(func.value, env)).items())
    if isinstance(func, ast.Name) and func.id == "_LazyAutoMapping" and len(node.args) == 2:
        config_names, model_names = (as_mapping(evaluate(arg, env)) for arg in node.args)
        return AutoMapping(config_names, model_names)
    if isinstance(func, ast.Name) and func.id == "auto_class_update" and node.args:
        # `AutoModel = auto_class_update(AutoModel, head_doc=...)` only rewrites docstrings.
        auto_class = evaluate(node.args[0], env)
        if isinstance(auto_class, AutoClass):
            return auto_class
    raise Unevaluable(ast.unparse(func))


def as_mapping(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, list | tuple) and all(
        isinstance(item, tuple | list) and len(item) == 2 for item in value
    ):
        return dict(value)
    raise Unevaluable(type(value).__name__)


def _as_iterable(value: object) -> Iterable[object]:
    if isinstance(value, list | tuple | dict):
        return value
    raise Unevaluable(type(value).__name__)


# --------------------------------------------------------------------------------------------------
# The statements that bind and mutate the tables.


def assign(target: ast.expr, value: ast.expr, env: dict[str, object]) -> None:
    """Replay `target = value`; a name whose new value is unknown is dropped, not left stale."""
    if isinstance(target, ast.Name):
        try:
            env[target.id] = evaluate(value, env)
        except Unevaluable:
            env.pop(target.id, None)  # rebound to something unknown: the old value is stale
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):  # TABLE["key"] = ...
        table = env.get(target.value.id)
        if isinstance(table, dict):
            try:
                table[evaluate(target.slice, env)] = evaluate(value, env)
            except Unevaluable:
                env.pop(target.value.id, None)
    else:  # A, B = ...: not evaluated, so forget whatever the names held
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                env.pop(node.id, None)


def forget_bindings(statement: ast.stmt, env: dict[str, object]) -> None:
    """Drop every name that `statement` may rebind or mutate: a stale table is worse than none."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            env.pop(node.id, None)
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.value, ast.Name):
            env.pop(node.value.id, None)  # X.update(...), X[k] = v, del X[k]
        elif isinstance(node, ast.alias):  # an import inside the block
            env.pop(node.asname or node.name, None)


def call_method(call: ast.Call, env: dict[str, object]) -> None:
    """Apply `TABLE.update({...})`; any other call on a known table makes that table unknown."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return
    name = func.value.id
    table = env.get(name)
    if not isinstance(table, dict):
        return
    try:
        if func.attr != "update" or call.keywords or len(call.args) != 1:
            raise Unevaluable(func.attr)
        table.update(as_mapping(evaluate(call.args[0], env)))
    except Unevaluable:
        env.pop(name, None)


def replay_loop(loop: ast.For, env: dict[str, object]) -> None:
    """Forget what the loop touches, except the keys of a table it only rewrites values of.

    `for model_type, value in TABLE.items(): ... TABLE[model_type] = value` (video_processing_auto.py
    blanks a backend there when torchvision is missing) keeps TABLE's keys, which are what tells the
    model types an Auto class serves; its values, which depend on the environment, become unknown.
    """
    table_name = _value_rewritten_table(loop, env)
    table = env.get(table_name) if table_name else None
    forget_bindings(loop, env)
    if isinstance(table, dict):
        for key in table:  # in place: like the runtime's loop, on the object other modules share
            table[key] = UNKNOWN_VALUE
        env[table_name] = table


def _value_rewritten_table(loop: ast.For, env: dict[str, object]) -> str | None:
    """TABLE, when `loop` iterates `TABLE.items()` and names TABLE only in `TABLE[key] = ...`."""
    iterated = loop.iter
    if not (
        isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Attribute)
        and iterated.func.attr == "items"
        and isinstance(iterated.func.value, ast.Name)
        and not iterated.args
        and not iterated.keywords
        and isinstance(env.get(iterated.func.value.id), dict)
        and isinstance(loop.target, ast.Tuple)
        and len(loop.target.elts) == 2
        and isinstance(loop.target.elts[0], ast.Name)
    ):
        return None
    table_name, key_name = iterated.func.value.id, loop.target.elts[0].id
    if any(isinstance(node, ast.Name) and node.id == table_name for node in ast.walk(loop.target)):
        return None  # the loop rebinds TABLE itself
    body = [node for statement in (*loop.body, *loop.orelse) for node in ast.walk(statement)]
    rewrites = {
        id(target.value)
        for node in body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and isinstance(target.slice, ast.Name)
        and target.slice.id == key_name
    }
    for node in body:
        if not isinstance(node, ast.Name):
            continue
        if node.id == table_name and id(node) not in rewrites:
            return None  # read, mutated or rebound some other way
        if node.id == key_name and not isinstance(node.ctx, ast.Load):
            return None  # `TABLE[key] = ...` could then add a key
    return table_name
