"""The single libcst pass over a file: bindings, argparse options, classes and the candidate calls,
turned into `CallSite` records once the whole file has been seen."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameSource, ScopeProvider

from loadlint.extract.callees import callee_key
from loadlint.extract.entry import fixture_values
from loadlint.extract.evaluate import Evaluator, constant_strings, keyword_name, source_of
from loadlint.extract.flow import PROCESSOR_COMPONENTS, Flow, strip_self_returning
from loadlint.extract.follow import Follower
from loadlint.extract.gates import HUB_FUNCTIONS, is_transformers_module
from loadlint.extract.values import combinations, followed_by, variant, with_settings
from loadlint.facts import (
    Alternative,
    CallKind,
    CallRecord,
    CallSite,
    Known,
    Span,
    Unknown,
    UseSite,
)

PIPELINE_NAMES = frozenset({"transformers.pipeline", "transformers.pipelines.pipeline"})
CLI_RUNNERS = frozenset({"fire.Fire", "typer.run"})  # they call the function they are given
PARSE_ARGS_METHODS = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args"})


@dataclass
class ClassInfo:
    """Constant candidates for `self.X` / `cls.X` / `Class.X` inside one class, and the names its
    body annotates (a dataclass's fields, with or without a default)."""

    attributes: dict[str, list[cst.BaseExpression]] = field(default_factory=lambda: defaultdict(list))
    annotated: set[str] = field(default_factory=set)


class Collector(cst.CSTVisitor):
    """One pass over the module: remember bindings, argparse defaults and candidate calls.

    Calls are evaluated after the pass, so a constant defined below its use still resolves.
    """

    METADATA_DEPENDENCIES = (ScopeProvider, PositionProvider)

    def __init__(
        self,
        path: str,
        is_loader: Callable[[str], bool],
        module: str = "",
        callers_of: frozenset[str] = frozenset(),
        fixtures_of: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.path = path
        self.is_loader = is_loader
        self.module = module  # the file's dotted module name, for the keys of its functions
        self.callers_of = callers_of  # the functions whose calls to record (`CallRecord`s), by name
        self.called: set[str] = set()  # every name the file calls
        self.fixtures_of = fixtures_of  # the fixtures whose values to record (a conftest.py's), by name
        self.fixture_values: dict[str, tuple[Span, list[Known | Unknown]]] = {}
        # for following values (`Follower`): loop targets, `a, b = ...` targets, parameters
        self.loop_targets: dict[cst.Name, tuple[cst.BaseExpression, tuple[int, ...], cst.CSTNode]] = {}
        self.unpacked: dict[cst.Name, tuple[cst.BaseExpression, int]] = {}
        self.params: dict[cst.Param, tuple[str, int | None, str, cst.FunctionDef]] = {}  # -> key, index, name, def
        self.cli_functions: set[str] = set()  # functions handed to `fire.Fire` or `typer.run`
        # pytest fixtures by name, with their `params=` if any
        self.fixtures: dict[str, tuple[cst.FunctionDef, cst.BaseExpression | None]] = {}
        self.environment: dict[str, cst.BaseExpression] = {}  # module-level `os.environ["X"] = value`
        self.function_keys: dict[cst.FunctionDef, str] = {}
        self.function_stack: list[cst.FunctionDef] = []
        self.returned: dict[cst.FunctionDef, list[cst.BaseExpression]] = defaultdict(list)  # what each returns
        self.class_paths: dict[cst.ClassDef, str] = {}  # `Outer.Inner`, for method keys
        self.qualname: list[str] = []
        self.project_calls: list[tuple[cst.Call, cst.ClassDef | None]] = []
        self.calls: list[CallRecord] = []
        self.bound_values: dict[cst.Name, cst.BaseExpression] = {}
        self.parsed_args_names: set[cst.Name] = set()
        self.argparse_defaults: dict[str, list[cst.BaseExpression | None]] = defaultdict(list)
        self.argparse_set_defaults: dict[str, list[cst.BaseExpression | None]] = defaultdict(list)
        self.argparse_flags: dict[str, list[str]] = defaultdict(list)  # the option strings of each destination
        self.item_writes: list[cst.BaseExpression] = []  # `x[k] = ...`, `x.k += ...`: what changes a read config
        self.with_statements: dict[cst.Name, cst.With] = {}  # the `with` that binds each `as` name
        self.classes: dict[cst.ClassDef, ClassInfo] = {}
        self.class_stack: list[cst.ClassDef] = []
        self.function_depth: list[int] = [0]
        self.candidates: list[tuple[cst.Call, CallKind, str, cst.ClassDef | None]] = []  # call, kind, loader, class
        self.sites: list[CallSite] = []
        # for following loaded objects to their uses (`Flow`)
        self.init_attributes: set[tuple[cst.ClassDef, str]] = set()  # `self.x = ...` inside __init__
        self.attribute_writes: list[tuple[cst.Attribute, cst.ClassDef | None]] = []  # `obj.x = ...`
        self.use_candidates: list[tuple[cst.Call, cst.ClassDef | None]] = []
        self.component_reads: list[tuple[cst.Attribute, cst.ClassDef | None]] = []  # `processor.tokenizer`
        self.uses: list[UseSite] = []

    # --- structure -------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes[node] = ClassInfo()
        self.class_paths[node] = ".".join([*self.qualname, node.name.value])
        self.class_stack.append(node)
        self.function_depth.append(0)
        self.qualname.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()
        self.function_depth.pop()
        self.qualname.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.function_stack.append(node)
        self.function_depth[-1] += 1
        self.qualname.append(node.name.value)
        shown = ".".join(self.qualname)
        key = f"{self.module}:{shown}"
        self.function_keys[node] = key
        for decorator in node.decorators:
            call = decorator.decorator
            if _called_name(call) == "fixture":
                arguments = call.args if isinstance(call, cst.Call) else ()
                params = next((a.value for a in arguments if keyword_name(a) == "params"), None)
                self.fixtures[node.name.value] = (node, params)
        positional = [*node.params.posonly_params, *node.params.params]
        for index, param in enumerate(positional):
            self.params[param] = (key, index, shown, node)
        for param in node.params.kwonly_params:
            self.params[param] = (key, None, shown, node)
        self.qualname.append("<locals>")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.function_stack.pop()
        self.function_depth[-1] -= 1
        del self.qualname[-2:]

    def visit_Return(self, node: cst.Return) -> None:
        if self.function_stack and node.value is not None:
            self.returned[self.function_stack[-1]].append(node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind_loop(node.target, node.iter, node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_loop(node.target, node.iter, node)

    def _bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression, loop: cst.CSTNode,
                   path: tuple[int, ...] = ()) -> None:
        if isinstance(target, cst.Name):
            self.loop_targets[target] = (iterable, path, loop)
        elif isinstance(target, cst.Tuple | cst.List):
            for index, element in enumerate(target.elements):
                self._bind_loop(element.value, iterable, loop, (*path, index))

    # --- bindings --------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.class_stack and self.function_depth[-1] == 0 and isinstance(node.target, cst.Name):
            self.classes[self.class_stack[-1]].annotated.add(node.target.value)
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Subscript | cst.Attribute):
            self.item_writes.append(node.target)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self.bound_values[item.asname.name] = item.item  # `with open(path) as f`: `f` is the file
                self.with_statements[item.asname.name] = node

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript | cst.Attribute):
            self.item_writes.append(target)
        if isinstance(target, cst.Name):
            self.bound_values[target] = value
            if is_parse_args_call(value):
                self.parsed_args_names.add(target)
        elif isinstance(target, cst.Tuple | cst.List) and target.elements:
            first = target.elements[0].value
            if isinstance(first, cst.Name) and is_parse_args_call(value):
                self.parsed_args_names.add(first)  # args, rest = parser.parse_known_args()
            for index, element in enumerate(target.elements):
                if isinstance(element.value, cst.Name):
                    self.unpacked[element.value] = (value, index)
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value in ("self", "cls")
            and self.class_stack
        ):
            self.classes[self.class_stack[-1]].attributes[target.attr.value].append(value)
            if self.function_stack and self.function_stack[-1].name.value == "__init__":
                self.init_attributes.add((self.class_stack[-1], target.attr.value))
        elif isinstance(target, cst.Attribute):
            self.attribute_writes.append((target, self._current_class()))
        elif isinstance(target, cst.Subscript) and not self.function_stack and not self.class_stack:
            self._set_environment(target, value)
        if isinstance(target, cst.Name) and self.class_stack and self.function_depth[-1] == 0:
            self.classes[self.class_stack[-1]].attributes[target.value].append(value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in PROCESSOR_COMPONENTS:
            self.component_reads.append((node, self._current_class()))

    # --- calls -----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = _called_name(func)
        if name is not None:
            self.called.add(name)
            if name in self.callers_of:
                self.project_calls.append((node, self._current_class()))
        if isinstance(func, cst.Attribute) and func.attr.value == "add_argument":
            self._record_argument(node)
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "set_defaults":
            self._record_defaults(node)
        if isinstance(func, cst.Attribute) and func.attr.value == "from_pretrained":
            loader = self._transformers_name(func.value)
            if loader is not None:
                kind: CallKind = "from_pretrained" if self.is_loader(loader) else "hub_download"
                self.candidates.append((node, kind, loader, self._current_class()))
            elif (adapter_class := self._peft_auto_class(func.value)) is not None:
                self.candidates.append((node, "adapter", adapter_class, self._current_class()))
            return
        qualified = self.qualified_names(func)
        if qualified & PIPELINE_NAMES:
            self.candidates.append((node, "pipeline", "pipeline", self._current_class()))
        elif (function := hub_function(qualified)) is not None:
            self.candidates.append((node, HUB_FUNCTIONS[function].kind, function, self._current_class()))
        elif isinstance(func, cst.Name | cst.Attribute):
            self.use_candidates.append((node, self._current_class()))
        if qualified & CLI_RUNNERS and node.args and isinstance(node.args[0].value, cst.Name):
            self.cli_functions.add(node.args[0].value.value)

    def _current_class(self) -> cst.ClassDef | None:
        return self.class_stack[-1] if self.class_stack else None

    def _record_defaults(self, node: cst.Call) -> None:
        """`parser.set_defaults(model="...")`: the default of that destination, over add_argument's."""
        for arg in node.args:
            if arg.keyword is not None:
                self.argparse_set_defaults[arg.keyword.value].append(arg.value)

    def _record_argument(self, node: cst.Call) -> None:
        dest = argparse_dest(node)
        if dest is not None:
            default = next((a.value for a in node.args if keyword_name(a) == "default"), None)
            self.argparse_defaults[dest].append(default)
            self.argparse_flags[dest] += constant_strings(node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return set()
        return {
            q.name
            for q in scope.get_qualified_names_for(node)
            if q.source is QualifiedNameSource.IMPORT
        }

    def _set_environment(self, target: cst.Subscript, value: cst.BaseExpression) -> None:
        index = target.slice[0].slice if len(target.slice) == 1 else None
        name = index.value if isinstance(index, cst.Index) else None
        if isinstance(name, cst.SimpleString) and "os.environ" in self.qualified_names(target.value):
            key = name.evaluated_value
            if isinstance(key, str):
                self.environment[key] = value

    def class_named(self, name: str) -> cst.ClassDef | None:
        return next((klass for klass in self.classes if klass.name.value == name), None)

    def is_dataclass(self, klass: cst.ClassDef) -> bool:
        return any(_called_name(d.decorator) == "dataclass" for d in klass.decorators)

    def dataclass_field(self, klass: cst.ClassDef, name: str, depth: int = 0) -> tuple[bool, cst.BaseExpression | None]:
        """Whether a dataclass (or a base class in this file) has the field, and its default: the
        class-level value, or `field(default=...)`'s."""
        info = self.classes[klass]
        values = info.attributes.get(name, [])
        if len(values) == 1:
            value = values[0]
            if isinstance(value, cst.Call) and _called_name(value.func) == "field":
                default = next((a.value for a in value.args if keyword_name(a) == "default"), None)
                return True, default
            return True, value
        if name in info.annotated or values:
            return True, None
        for base in klass.bases:
            parent = self.class_named(base.value.value) if isinstance(base.value, cst.Name) else None
            if parent is not None and parent is not klass and depth < 8:
                return self.dataclass_field(parent, name, depth + 1)
        return False, None

    def is_load(self, value: cst.BaseExpression) -> bool:
        """Whether `value` is (a self-returning method on) one of the file's loading calls."""
        return strip_self_returning(value) in self.candidate_calls

    def _peft_auto_class(self, node: cst.BaseExpression) -> str | None:
        """`AutoPeftModelForCausalLM` and its kin, imported from peft: they load an adapter's base; and
        `PeftModel` (`PeftModelForCausalLM`, ...), which attaches one to a base model given to it."""
        for name in self.qualified_names(node):
            last = name.rpartition(".")[2]
            if name.partition(".")[0] == "peft" and last.startswith(("AutoPeftModel", "PeftModel")):
                return last
        return None

    def _transformers_name(self, node: cst.BaseExpression) -> str | None:
        for name in self.qualified_names(node):
            if is_transformers_module(name) and "." in name:
                return name.rsplit(".", 1)[1]
        return None

    # --- records -----------------------------------------------------------------------------
    def leave_Module(self, original_node: cst.Module) -> None:
        """Evaluate the calls once every binding in the file is known (metadata is still set)."""
        self.candidate_calls = frozenset(call for call, *_ in self.candidates)
        variants = [self._call_sites(call, kind, loader, klass) for call, kind, loader, klass in self.candidates]
        self.sites = [site for sites in variants for site in sites]
        # Only model loads are followed to their uses: no rule judges what a download returns.
        loads = {call: sites[0] for (call, *_), sites in zip(self.candidates, variants) if sites[0].loads_model}
        self.uses = Flow(self, loads).uses()
        self.calls = [record for call, klass in self.project_calls if (record := self._call_record(call, klass))]
        for name in sorted(self.fixtures_of & self.fixtures.keys()):
            values = fixture_values(Follower(self, None), name)
            if values is not None:
                self.fixture_values[name] = (self.span_of(self.fixtures[name][0].name), values)

    def _call_record(self, call: cst.Call, klass: cst.ClassDef | None) -> CallRecord | None:
        callee = callee_key(self, call.func, klass)
        if callee is None:
            return None
        key, offset = callee
        follower = Follower(self, klass)
        note = f"passed to {key.partition(':')[2]}()"

        def passed(arg: cst.Arg) -> tuple[Alternative, ...]:
            step = follower.step(arg.value, note)
            return tuple(followed_by(alt, (step,)) for alt in follower.alternatives(arg.value))

        positional = itertools.takewhile(lambda arg: not arg.star and arg.keyword is None, call.args)
        return CallRecord(
            path=self.path,
            span=self.span_of(call),
            callee=key,
            offset=offset,
            positional=tuple(passed(arg) for arg in positional),
            keywords=tuple((arg.keyword.value, passed(arg)) for arg in call.args if arg.keyword is not None),
            spread=any(arg.star for arg in call.args),
        )

    def _call_sites(self, call: cst.Call, kind: CallKind, loader: str, klass: cst.ClassDef | None) -> list[CallSite]:
        """The call's record, one per combination of values its model id, task and revision may take
        (one for constants)."""
        pending = self._call_site(call, kind, loader, klass)
        site = pending.record
        if not site.loads_model:
            return [site]
        follower = Follower(self, klass)
        if pending.model_node is None:
            models: list[Alternative | None] = [None]
        else:
            # Followed even when `evaluate` knows a constant: a parameter's default is only one of its values.
            site = dataclasses.replace(site, model_id=None, model_expr=source_of(pending.model_node))
            models = list(follower.alternatives(pending.model_node))
        tasks = follower.setting_values(pending.task_node, site.task_dynamic)
        revisions = follower.setting_values(pending.revision_node, site.revision_dynamic)
        return [
            with_settings(site if model is None else variant(site, model), task, revision)
            for model, task, revision in combinations(models, tasks, revisions)
        ]

    def _call_site(self, call: cst.Call, kind: CallKind, loader: str, klass: cst.ClassDef | None) -> _Pending:
        evaluator = Evaluator(self, klass)
        positional = [a for a in call.args if a.keyword is None and not a.star]
        keywords = {keyword_name(a): a.value for a in call.args if a.keyword is not None}
        first = positional[0].value if positional else None
        task_node = None
        loader_node: cst.CSTNode = call.func
        if kind == "pipeline":
            model_node = keywords.get("model", positional[1].value if len(positional) > 1 else None)
            task_node = keywords.get("task", first)
        elif loader in HUB_FUNCTIONS:
            model_node = keywords.get(HUB_FUNCTIONS[loader].repo_keyword, first)
        elif kind == "adapter" and loader.startswith("PeftModel"):  # PeftModel.from_pretrained(model, model_id)
            model_node = keywords.get("model_id", positional[1].value if len(positional) > 1 else None)
            assert isinstance(call.func, cst.Attribute)
            loader_node = call.func.value
        else:
            model_node = keywords.get("pretrained_model_name_or_path", first)
            assert isinstance(call.func, cst.Attribute)
            loader_node = call.func.value
        model_id, model_expr = evaluator.string_or_none(model_node)
        task, task_expr = evaluator.string_or_none(task_node)
        revision, revision_expr = evaluator.string_or_none(keywords.get("revision"))
        return _Pending(model_node, task_node, keywords.get("revision"), CallSite(
            path=self.path,
            span=self.span_of(call),
            kind=kind,
            loader=loader,
            loader_span=self.span_of(loader_node),
            loader_source=source_of(loader_node),
            model_id=model_id,
            model_expr=model_expr,
            revision=revision,
            revision_dynamic=revision_expr is not None,
            task=task,
            task_dynamic=task_expr is not None,
            keywords=tuple(evaluator.keyword(a) for a in call.args if a.keyword or a.star == "**"),
        ))

    def span_of(self, node: cst.CSTNode) -> Span:
        position = self.get_metadata(PositionProvider, node)
        return Span(
            position.start.line,
            position.start.column + 1,
            position.end.line,
            position.end.column + 1,
        )


def hub_function(qualified_names: set[str]) -> str | None:
    """The `HUB_FUNCTIONS` entry a callee's qualified names reach inside its own library, if any."""
    for name in qualified_names:
        library, _, rest = name.partition(".")
        function = rest.rpartition(".")[2]
        if function in HUB_FUNCTIONS and HUB_FUNCTIONS[function].library == library:
            return function
    return None


def is_parse_args_call(value: cst.BaseExpression) -> bool:
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in PARSE_ARGS_METHODS
    )


def argparse_dest(call: cst.Call) -> str | None:
    """The attribute name argparse stores an option under, as argparse itself derives it."""
    explicit = next((a.value for a in call.args if keyword_name(a) == "dest"), None)
    if isinstance(explicit, cst.SimpleString) and isinstance(explicit.evaluated_value, str):
        return explicit.evaluated_value
    flags = constant_strings(call)
    long_flags = [f for f in flags if f.startswith("--")]
    chosen = long_flags[0] if long_flags else (flags[0] if flags else None)
    if chosen is None:
        return None
    return chosen.lstrip("-").replace("-", "_") or None


@dataclass(frozen=True)
class _Pending:
    """A call's record as `evaluate` sees it, and the arguments `Follower` may follow further."""

    model_node: cst.BaseExpression | None
    task_node: cst.BaseExpression | None
    revision_node: cst.BaseExpression | None
    record: CallSite


def _called_name(func: cst.BaseExpression) -> str | None:
    """The last name of a callee (`load` of `m.load`, `self.load`, `load`), or None."""
    if isinstance(func, cst.Call):
        func = func.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else None
