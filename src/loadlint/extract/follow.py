"""Every value a model id may take at one call, and the path each one took to it.

Where `evaluate` knows one constant or nothing, this follows an id through the forms real code
uses: a loop over a literal collection (`for mid in [...]`, `.items()`, `.values()`, `.keys()`,
comprehensions), a subscript of a literal dict with a constant or looped key, a dataclass field's
default read through an instance (built directly or by `HfArgumentParser`), and `+`, f-strings and
`.format` over all of these (each combination, bounded).  A function parameter becomes a
`FromParameter`: its values are whatever the function's callers in the project pass, which
`extract.project` links once every file is read.  What cannot be followed is an `Unknown` with the
reason users can act on.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

import libcst as cst

from loadlint.extract.command_line import COMMAND_LINE_PARSERS, argparse_values, field_values
from loadlint.extract.config_reads import RECIPE_PARSERS, config_value
from loadlint.extract.entry import outside_values
from loadlint.extract.evaluate import MAX_EVAL_DEPTH, Evaluator, NotConstant, keyword_name, source_of
from loadlint.extract.values import MAX_VALUES, followed_by, one_item_per_loop
from loadlint.facts import Alternative, FromParameter, Known, TraceStep, Unknown

if TYPE_CHECKING:
    from loadlint.extract.collect import Collector

DATACLASS_PARSERS = frozenset({"parse_dict", *RECIPE_PARSERS, *COMMAND_LINE_PARSERS})
DICT_VIEWS = frozenset({"items", "values", "keys"})
ENV_READS = frozenset({"os.environ.get", "os.getenv"})
NAMESPACES = frozenset({"argparse.Namespace", "types.SimpleNamespace"})
_SLOT = "\x00"  # where a parameter's value goes in a template (no source text holds a NUL)


def shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Follower:
    """The values of expressions at one place in the file (`klass`: the class it lies in)."""

    def __init__(self, collector: Collector, klass: cst.ClassDef | None) -> None:
        self.collector = collector
        self.klass = klass
        self.evaluator = Evaluator(collector, klass)

    def alternatives(self, node: cst.BaseExpression, depth: int = 0) -> list[Alternative]:
        if depth > MAX_EVAL_DEPTH:
            return [Unknown("computed", f"`{shorten(source_of(node))}` is nested too deeply to follow")]
        follow = getattr(self, f"_follow_{type(node).__name__}", None)
        if follow is not None:
            found = follow(node, depth + 1)
            if found is not None:
                return found[:MAX_VALUES]
        try:
            return [Known(self.evaluator.value(node))]
        except NotConstant:
            return [Unknown("computed", f"`{shorten(source_of(node))}` is computed at run time")]

    def setting_values(self, node: cst.BaseExpression | None, dynamic: bool) -> list[Known | None]:
        """The values a call's task or revision may take where `evaluate` found no constant; None stands
        for the record as it is (a constant, no argument, or a value that cannot be followed)."""
        if node is None or not dynamic:
            return [None]
        found = [
            alt if isinstance(alt, Known) and (alt.value is None or isinstance(alt.value, str)) else None
            for alt in self.alternatives(node)
        ]
        return list(dict.fromkeys(found)) or [None]

    def step(self, node: cst.CSTNode, note: str) -> TraceStep:
        span = self.collector.span_of(node)
        return TraceStep(self.collector.path, span.line, span.column, note)

    # --- names -------------------------------------------------------------------------------
    def _follow_Name(self, node: cst.Name, depth: int) -> list[Alternative] | None:
        if node.value in ("True", "False", "None"):
            return None
        bindings = self.evaluator.bindings(node)
        if len(bindings) > 1:
            return [Unknown("computed", f"`{node.value}` is bound more than once")]
        bound = bindings[0] if bindings else None
        if isinstance(bound, cst.Param):
            return [self._parameter(bound, depth)]
        if not isinstance(bound, cst.Name):
            return None
        if bound in self.collector.loop_targets:
            return self._loop_values(bound, depth)
        value = self.collector.bound_values.get(bound)
        if value is None:
            return None
        if self.collector.is_load(value):
            return [Unknown("object", f"`{node.value}` is a loaded model, not an id")]
        if self._returns_model(value):
            return [Unknown("object", f"`{node.value}` is the model {source_of(value.func)}() loads, not an id")]
        return self.alternatives(value, depth)

    def _returns_model(self, value: cst.BaseExpression) -> bool:
        """`model = load_model(...)` with `load_model` a function of this file that returns a load
        (directly or through a name bound once)."""
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)):
            return False
        function = self.evaluator.single_binding(value.func)
        if not isinstance(function, cst.FunctionDef):
            return False
        for returned in self.collector.returned.get(function, ()):
            if isinstance(returned, cst.Name):
                returned = self.evaluator.bound_value(returned)
            if returned is not None and self.collector.is_load(returned):
                return True
        return False

    def _parameter(self, param: cst.Param, depth: int) -> Alternative:
        """Whatever the function's callers pass: those in the project (linked later), and a command-line
        framework or pytest when one calls it (their values stand in for the default)."""
        key, index, shown, function = self.collector.params[param]
        note = f"parameter `{param.name.value}` of {shown}()"
        outside = outside_values(self, function, param, depth)
        if outside is not None:
            caller, values = outside
            return FromParameter(key, param.name.value, index, tuple(values), (self.step(param, note),), caller)
        default = None if param.default is None else tuple(self._known_or_unknown(param.default, depth))
        return FromParameter(key, param.name.value, index, default, (self.step(param, note),))

    def _known_or_unknown(self, node: cst.BaseExpression, depth: int) -> list[Known | Unknown]:
        """A default's values: a default that is itself a parameter cannot be followed."""
        return [
            alt if not isinstance(alt, FromParameter) else Unknown("parameter", f"`{source_of(node)}` is a parameter")
            for alt in self.alternatives(node, depth)
        ]

    def _loop_values(self, target: cst.Name, depth: int) -> list[Alternative]:
        iterable, path, loop = self.collector.loop_targets[target]
        elements = self._elements(iterable, depth)
        if elements is None:
            return [Unknown("computed", f"`{target.value}` comes from a loop over `{shorten(source_of(iterable))}`")]
        found: list[Alternative] = []
        where = self.collector.span_of(loop)
        for item, element in enumerate(elements):
            try:
                for index in path:
                    element = element[index]  # type: ignore[index]
            except (TypeError, IndexError, KeyError):
                return [Unknown("computed", f"`{target.value}` does not unpack from `{shorten(source_of(iterable))}`")]
            note = f"`{target.value}` is {element!r} in the loop over `{shorten(source_of(iterable))}`"
            found.append(Known(element, (self.step(loop, note),), (where.line, where.column, item)))
        return found

    def _elements(self, iterable: cst.BaseExpression, depth: int) -> list[object] | None:
        """The items a loop over `iterable` takes, when it is a literal collection (possibly through a
        name bound once, a dict view or `enumerate`)."""
        if isinstance(iterable, cst.Call) and not iterable.args and isinstance(iterable.func, cst.Attribute):
            view = iterable.func.attr.value
            mapping = self.literal(iterable.func.value, depth)
            if view in DICT_VIEWS and isinstance(mapping, dict):
                return list(getattr(mapping, view)())
            return None
        if (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "enumerate"
        ):
            inner = self._elements(iterable.args[0].value, depth) if len(iterable.args) == 1 else None
            return None if inner is None else list(enumerate(inner))
        collection = self.literal(iterable, depth)
        if isinstance(collection, dict):
            return list(collection)
        if isinstance(collection, list | tuple | set | frozenset):
            return sorted(collection, key=repr) if isinstance(collection, set | frozenset) else list(collection)
        return None

    def literal(self, node: cst.BaseExpression, depth: int) -> object:
        """A literal list, tuple, set or dict of constants (possibly through a name bound once), or
        a constant; None otherwise."""
        if depth > MAX_EVAL_DEPTH:
            return None
        if isinstance(node, cst.Name) and (bound := self.evaluator.bound_value(node)) is not None:
            return self.literal(bound, depth + 1)
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            items = [self.literal(element.value, depth + 1) for element in node.elements]
            if any(
                item is None or isinstance(element, cst.StarredElement) for item, element in zip(items, node.elements)
            ):
                return None
            return {cst.List: list, cst.Tuple: tuple, cst.Set: set}[type(node)](items)
        if isinstance(node, cst.Dict):
            pairs = [
                (self.literal(element.key, depth + 1), self.literal(element.value, depth + 1))
                for element in node.elements
                if isinstance(element, cst.DictElement)
            ]
            if len(pairs) != len(node.elements) or any(key is None or value is None for key, value in pairs):
                return None
            try:
                return dict(pairs)
            except TypeError:  # an unhashable key
                return None
        try:
            return self.evaluator.value(node, depth)
        except NotConstant:
            return None

    # --- subscripts and attributes -------------------------------------------------------------
    def _follow_Subscript(self, node: cst.Subscript, depth: int) -> list[Alternative] | None:
        if "os.environ" in self.collector.qualified_names(node.value) and len(node.slice) == 1:
            index = node.slice[0].slice
            return self._environment(index.value, None, depth) if isinstance(index, cst.Index) else None
        from_config = config_value(self, node, depth)
        if from_config is not None:
            return from_config
        mapping = self.literal(node.value, depth)
        if not isinstance(mapping, dict | list | tuple) or len(node.slice) != 1:
            return None
        index = node.slice[0].slice
        if not isinstance(index, cst.Index):
            return None
        found: list[Alternative] = []
        for key in self.alternatives(index.value, depth):
            if not isinstance(key, Known):
                return [Unknown("computed", f"`{shorten(source_of(node))}`: the key cannot be followed")]
            try:
                value = mapping[key.value]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                continue  # that key would raise at run time: no load happens with it
            note = f"`{shorten(source_of(node.value))}[{key.value!r}]` is {value!r}"
            found.append(Known(value, (*key.trace, self.step(node, note))))
        return found or [Unknown("computed", f"`{shorten(source_of(node))}` names no key of the literal")]

    def _follow_Attribute(self, node: cst.Attribute, depth: int) -> list[Alternative] | None:
        """`args.model` where `args` is built with `model=...` (a `Namespace`, `SimpleNamespace` or
        dataclass), or is a dataclass instance: the keyword's value, else the field's default (or what
        its parser reads: a recipe file, the command line); a config file's key; an argparse option."""
        from_config = config_value(self, node, depth)
        if from_config is not None or not isinstance(node.value, cst.Name):
            return from_config
        if self.evaluator.is_parsed_args(node.value):
            return argparse_values(self, node, depth)
        given = self._built_with(node.value, node.attr.value)
        if given is not None:
            step = self.step(given, f"`{node.value.value}` is built with {node.attr.value}={shorten(source_of(given))}")
            return [
                alt if isinstance(alt, Unknown | FromParameter) else followed_by(alt, (step,))
                for alt in self.alternatives(given, depth)
            ]
        made = self._instance_of(node.value)
        if made is None:
            return None
        klass, how, parsed = made
        found, default = self.collector.dataclass_field(klass, node.attr.value)
        if not found:
            return None
        shown = f"{klass.name.value}.{node.attr.value}"
        defaults = None
        if default is not None:
            steps = (self.step(default, f"default of {shown}"), self.step(node, how))
            defaults = [
                Known(alt.value, (*alt.trace, *steps)) if isinstance(alt, Known) else alt
                for alt in Follower(self.collector, klass).alternatives(default, depth)
            ]
        if parsed is not None:
            return field_values(self, parsed, node.attr.value, defaults, shown, self.step(node, how), depth)
        return defaults or [Unknown("cli-required", f"{shown} has no default", (self.step(node, how),))]

    def _instance_of(self, name: cst.Name) -> tuple[cst.ClassDef, str, cst.Call | None] | None:
        """The dataclass a name holds an instance of, how it was made, and the parser's call that made it."""
        bound = self.evaluator.single_binding(name)
        if not isinstance(bound, cst.Name):
            return None
        if bound in self.collector.unpacked:
            value, index = self.collector.unpacked[bound]
            parsed = self._parsed_dataclasses(value)
            klass = parsed[index] if parsed is not None and index < len(parsed) else None
            return (klass, f"parsed by HfArgumentParser into `{name.value}`", value) if klass is not None else None  # type: ignore[return-value]
        value = self.collector.bound_values.get(bound)
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and all(a.keyword for a in value.args):
            klass = self.collector.class_named(value.func.value)
            if klass is not None and self.collector.is_dataclass(klass):
                return klass, f"`{name.value}` is made by {klass.name.value}() with its defaults", None
        return None

    def _built_with(self, name: cst.Name, attribute: str) -> cst.BaseExpression | None:
        """The value of `attribute=` in the call that built the object a name holds (bound once), when
        that call is a namespace or a dataclass of this file."""
        value = self.evaluator.bound_value(name)
        if not isinstance(value, cst.Call):
            return None
        is_namespace = bool(self.collector.qualified_names(value.func) & NAMESPACES)
        klass = self.collector.class_named(value.func.value) if isinstance(value.func, cst.Name) else None
        if not is_namespace and (klass is None or not self.collector.is_dataclass(klass)):
            return None
        return next((a.value for a in value.args if keyword_name(a) == attribute), None)

    def _parsed_dataclasses(self, value: cst.BaseExpression) -> list[cst.ClassDef | None] | None:
        """`HfArgumentParser(A, B).parse_args_into_dataclasses()` (the parser possibly bound to a name
        once): the dataclasses, in order."""
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)):
            return None
        if value.func.attr.value not in DATACLASS_PARSERS:
            return None
        parser = value.func.value
        if isinstance(parser, cst.Name):
            parser = self.evaluator.bound_value(parser)
        if not (isinstance(parser, cst.Call) and parser.args):
            return None
        given = parser.args[0].value
        nodes = [e.value for e in given.elements] if isinstance(given, cst.Tuple | cst.List) else [given]
        # A dataclass from elsewhere (transformers' TrainingArguments) keeps its place, unknown.
        return [self.collector.class_named(n.value) if isinstance(n, cst.Name) else None for n in nodes]

    def _environment(
        self, name_node: cst.BaseExpression, default: cst.BaseExpression | None, depth: int
    ) -> list[Alternative]:
        """An environment variable: the value the module sets (`os.environ["X"] = ...`, read after it),
        else the read's default, else `env-required`."""
        name = self.literal(name_node, depth)
        if not isinstance(name, str):
            return [Unknown("computed", f"the variable `{shorten(source_of(name_node))}` is computed")]
        assigned = self.collector.environment.get(name)
        if assigned is not None:
            step = self.step(assigned, f"{name} set in the module")
            return [
                Known(alt.value, (*alt.trace, step)) if isinstance(alt, Known) else alt
                for alt in self.alternatives(assigned, depth)
            ]
        if default is None:
            return [Unknown("env-required", f"the environment variable {name} has no default")]
        step = self.step(default, f"default of the environment variable {name}")
        return [
            Known(alt.value, (*alt.trace, step)) if isinstance(alt, Known) else alt
            for alt in self.alternatives(default, depth)
        ]

    # --- strings built from parts ----------------------------------------------------------------
    def _follow_BinaryOperation(self, node: cst.BinaryOperation, depth: int) -> list[Alternative] | None:
        if not isinstance(node.operator, cst.Add):
            return None
        return self._combine(node, [node.left, node.right], lambda parts: parts[0] + parts[1], depth)

    def _follow_FormattedString(self, node: cst.FormattedString, depth: int) -> list[Alternative] | None:
        pieces: list[cst.BaseExpression | str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
            elif part.conversion is None and part.format_spec is None:
                pieces.append(part.expression)
            else:
                return None
        expressions = [piece for piece in pieces if not isinstance(piece, str)]

        def build(values: list[object]) -> object:
            taken = iter(values)
            return "".join(piece if isinstance(piece, str) else str(next(taken)) for piece in pieces)

        return self._combine(node, expressions, build, depth)

    def _follow_Call(self, node: cst.Call, depth: int) -> list[Alternative] | None:
        func = node.func
        from_config = config_value(self, node, depth) if isinstance(func, cst.Attribute) else None
        if from_config is not None:
            return from_config
        if self.collector.is_load(node) or self._returns_model(node):
            return [Unknown("object", f"`{shorten(source_of(node))}` is a model, not an id")]
        if self.collector.qualified_names(func) & ENV_READS and node.args:
            positional = [a.value for a in node.args if a.keyword is None]
            default = next((a.value for a in node.args if keyword_name(a) == "default"), None)
            default = default or (positional[1] if len(positional) > 1 else None)
            return self._environment(node.args[0].value, default, depth)
        if not (isinstance(func, cst.Attribute) and func.attr.value == "format") or any(a.star for a in node.args):
            return None
        positional = [a.value for a in node.args if a.keyword is None]
        names = [keyword_name(a) for a in node.args if a.keyword is not None]
        keyword_values = [a.value for a in node.args if a.keyword is not None]

        def build(values: list[object]) -> object:
            template, rest = values[0], values[1:]
            args, kwargs = rest[: len(positional)], dict(zip(names, rest[len(positional) :]))
            return template.format(*args, **kwargs)  # type: ignore[union-attr]

        return self._combine(node, [func.value, *positional, *keyword_values], build, depth)

    def _combine(
        self, node: cst.BaseExpression, parts: list[cst.BaseExpression], build, depth: int
    ) -> list[Alternative]:
        """Each combination of the parts' values, built into one value.  One part that is a parameter
        makes a parameter with a template (its callers' values are put in it); an unknown part makes
        the whole a `template` (shown in the detail)."""
        choices = [self.alternatives(part, depth) for part in parts]
        slots = [index for index, options in enumerate(choices) if any(isinstance(a, FromParameter) for a in options)]
        if len(slots) == 1 and len(choices[slots[0]]) == 1 and choices[slots[0]][0].template is None:
            return self._templated(node, choices, slots[0], build)
        if any(not isinstance(alt, Known) for options in choices for alt in options):
            return [
                Unknown("template", f"`{shorten(source_of(node))}` is a template over a value that cannot be followed")
            ]
        found: list[Alternative] = []
        for combination in itertools.islice(filter(one_item_per_loop, itertools.product(*choices)), MAX_VALUES):
            try:
                value = build([alt.value for alt in combination])
            except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                return [Unknown("computed", f"`{shorten(source_of(node))}` does not evaluate")]
            steps = tuple(dict.fromkeys(step for alt in combination for step in alt.trace))
            found.append(Known(value, steps, next((alt.element for alt in combination if alt.element), None)))
        return found

    def _templated(
        self, node: cst.BaseExpression, choices: list[list[Alternative]], slot: int, build
    ) -> list[Alternative]:
        """`f"org/{name}"` with `name` a parameter: the parameter, with the text around it as its template."""
        origin = choices[slot][0]
        assert isinstance(origin, FromParameter)
        others = [options for index, options in enumerate(choices) if index != slot]
        if any(not isinstance(alt, Known) for options in others for alt in options):
            return [
                Unknown("template", f"`{shorten(source_of(node))}` is a template over a value that cannot be followed")
            ]
        found: list[Alternative] = []
        for combination in itertools.islice(filter(one_item_per_loop, itertools.product(*others)), MAX_VALUES):
            values: list[object] = [alt.value for alt in combination]  # type: ignore[union-attr]
            values.insert(slot, _SLOT)
            try:
                built = build(values)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError):
                built = None
            if not isinstance(built, str) or built.count(_SLOT) != 1:
                return [Unknown("computed", f"`{shorten(source_of(node))}` does not evaluate")]
            template = built.replace("{", "{{").replace("}", "}}").replace(_SLOT, "{}")
            steps = tuple(step for alt in combination for step in alt.trace)
            found.append(dataclasses.replace(origin, template=template, trace=(*steps, *origin.trace)))
        return found
