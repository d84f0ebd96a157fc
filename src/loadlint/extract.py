"""Find the model-loading calls in one file and read their arguments as constants.

A file goes through three gates, cheapest first, so most files never reach libcst:
1. bytes: for no library (transformers, huggingface_hub, datasets) both an import line and the name
   of one of its loading calls (`from_pretrained`, `pipeline`, `hf_hub_download`, `snapshot_download`,
   `load_dataset`) -> skipped unread;
2. stdlib `ast` (about 8x cheaper than libcst): no such call rooted in an absolute import of its
   library -> skipped;
3. libcst with scope analysis: the calls whose callee really names a transformers class or one of
   those functions (through `import ... as`, module attributes, shadowing) become `CallSite` records.

Arguments are evaluated statically: literals, names bound once, parameter defaults, class attributes,
f-strings, `+`, `.format`, `os.environ.get`/`os.getenv` defaults and argparse defaults read back
through `args.<dest>`.  Anything else stays unknown, never guessed.
"""

from __future__ import annotations

import ast
import contextlib
import re
import symtable
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)

from loadlint.facts import Argument, CallKind, CallSite, FileReport, Keyword, Span, UseKind, UseSite
from loadlint.fixes import NEWLINE
from loadlint.limits import Budget, deep_recursion, stage, stdlib_parse, too_large
from loadlint.source import decode


@dataclass(frozen=True)
class HubFunction:
    """A download function Bandit's B615 judges besides `from_pretrained`: its library, the kind of
    call site it makes and the keyword that names its repo (else the first positional argument)."""

    library: str
    kind: CallKind
    repo_keyword: str


HUB_FUNCTIONS: dict[str, HubFunction] = {
    "hf_hub_download": HubFunction("huggingface_hub", "hub_download", "repo_id"),
    "snapshot_download": HubFunction("huggingface_hub", "hub_download", "repo_id"),
    "load_dataset": HubFunction("datasets", "dataset", "path"),
}


def _calls_by_library() -> dict[str, frozenset[str]]:
    calls: dict[str, set[str]] = {"transformers": {"from_pretrained", "pipeline"}}
    for name, function in HUB_FUNCTIONS.items():
        calls.setdefault(function.library, set()).add(name)
    return {library: frozenset(names) for library, names in calls.items()}


def _import_line(library: str) -> re.Pattern[bytes]:
    """An absolute import of `library` at the start of a line (possibly indented, possibly in a
    docstring: the ast gate sorts those out)."""
    name = re.escape(library).encode()
    return re.compile(
        rb"^(?:\xef\xbb\xbf)?[ \t]*(?:from[ \t]+" + name + rb"\b|import[ \t]+[\w., \t]*\b" + name + rb"\b)", re.M
    )


# The calls (attributes, or functions imported by name) that can make a call site, per library.
LIBRARY_CALLS = _calls_by_library()
ALL_LIBRARIES = frozenset(LIBRARY_CALLS)
# Model loads only: what every rule but the download-pinning one (LL031) reads.
MODEL_LIBRARIES = frozenset({"transformers"})
# A file can hold a call site only if, for one library, it names one of its calls and imports it.
PREFILTER: dict[str, tuple[tuple[bytes, ...], re.Pattern[bytes]]] = {
    library: (tuple(name.encode() for name in sorted(names)), _import_line(library))
    for library, names in LIBRARY_CALLS.items()
}
PIPELINE_NAMES = frozenset({"transformers.pipeline", "transformers.pipelines.pipeline"})
ENV_DEFAULT_CALLS = frozenset({"os.environ.get", "os.getenv"})
PARSE_ARGS_METHODS = frozenset({"parse_args", "parse_known_args", "parse_intermixed_args"})
MAX_EVAL_DEPTH = 16
# Methods whose result is the object they are called on (torch.nn.Module's, BatchEncoding.to): a
# load followed by them is still that load.
SELF_RETURNING_METHODS = frozenset(
    {"to", "eval", "train", "cuda", "cpu", "half", "float", "bfloat16", "requires_grad_"}
)
USE_METHODS: dict[str, UseKind] = {"generate": "generate", "apply_chat_template": "chat_template"}

_EMPTY = cst.Module(body=[])


class NotConstant(Exception):
    """The expression's value cannot be known without running the code."""


def may_load_models(tree: ast.Module, libraries: frozenset[str] = ALL_LIBRARIES) -> bool:
    """Cheap stdlib check: a loading call rooted in an absolute import of its library.

    `M.from_pretrained(...)`, `tf.AutoModel.from_pretrained(...)`, `tf.pipeline(...)`,
    `make_pipeline(...)`, `hh.snapshot_download(...)` and `ld(...)` qualify when `M`, `tf`,
    `make_pipeline`, `hh`, `ld` come from an absolute import of the library the call belongs to
    (`LIBRARY_CALLS`, among `libraries`); `model.from_pretrained` on anything else does not.
    Shadowing is left to libcst.
    """
    roots: dict[str, set[str]] = defaultdict(set)  # library -> the names its imports bind
    functions: set[str] = set()  # names bound to a loading function (`pipeline`, `load_dataset`)
    calls: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                library = _library_of(alias.name)
                if library in libraries:
                    roots[library].add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            library = _library_of(node.module or "")
            if library not in libraries:
                continue
            names = LIBRARY_CALLS[library]
            roots[library].update(a.asname or a.name for a in node.names)
            functions.update(a.asname or a.name for a in node.names if a.name in names)
            if any(a.name == "*" for a in node.names):
                functions.update(names)
        elif isinstance(node, ast.Call):
            calls.append(node.func)
    return any(
        (isinstance(func, ast.Name) and func.id in functions)
        or (
            isinstance(func, ast.Attribute)
            and any(
                func.attr in LIBRARY_CALLS[library] and (_root_name(func) in names or "*" in names)
                for library, names in roots.items()
            )
        )
        for func in calls
    )


def _root_name(func: ast.expr) -> str | None:
    while isinstance(func, ast.Attribute):
        func = func.value
    return func.id if isinstance(func, ast.Name) else None


def _is_transformers_module(name: str) -> bool:
    return _library_of(name) == "transformers"


def _library_of(module: str) -> str | None:
    """The library of `LIBRARY_CALLS` that a module (or a name imported from one) belongs to."""
    library = module.partition(".")[0]
    return library if library in LIBRARY_CALLS else None


def passes_byte_prefilter(data: bytes, libraries: frozenset[str] = ALL_LIBRARIES) -> bool:
    """For one of `libraries`, the file names one of its loading calls and has a line importing it."""
    return any(
        any(token in data for token in tokens) and import_line.search(data) is not None
        for tokens, import_line in (PREFILTER[library] for library in libraries)
    )


def extract_file(
    path: str,
    data: bytes,
    is_loader: Callable[[str], bool],
    libraries: frozenset[str] = ALL_LIBRARIES,
    max_bytes: int | None = None,
    budget: Budget | None = None,
) -> FileReport:
    """Run the three gates over one file's bytes; errors become the report's one-line `error`.
    `libraries` whose calls let a file through the gates: model loads need only transformers.  A file
    over `max_bytes` that passes the byte gate is skipped with a line saying so.  A failure inside a
    stage raises `FileFailure`, whose message is the file's line; the libcst passes raise
    `BudgetSpent` past `budget`."""
    with budget.limit("extracting") if budget is not None else contextlib.nullcontext():
        return _extract(path, data, is_loader, libraries, max_bytes)


def _extract(
    path: str, data: bytes, is_loader: Callable[[str], bool], libraries: frozenset[str], max_bytes: int | None
) -> FileReport:
    report = FileReport(path)
    if not passes_byte_prefilter(data, libraries):
        return report
    if max_bytes is not None and len(data) > max_bytes:
        report.error = too_large(path, len(data), max_bytes)
        return report
    try:
        source = decode(data).text
    except UnicodeDecodeError as exc:
        lines = NEWLINE.split(data[: exc.start].decode("latin-1"))  # one character per byte
        line, column = len(lines), len(lines[-1]) + 1
        byte = data[exc.start : exc.start + 1]
        report.error = f"{path}:{line}:{column}: cannot decode the file as {exc.encoding}: {exc.reason} ({byte!r})"
        return report
    except (SyntaxError, LookupError) as exc:
        report.error = f"{path}: cannot decode the file: {_one_line(exc)}"
        return report
    stdlib_error: SyntaxError | None = None
    try:
        if not may_load_models(stdlib_parse(source), libraries):
            return report
    except SyntaxError as exc:
        if _beyond_cpython_limits(exc):  # libcst may accept it, but Python never runs this file
            report.error = _syntax_error(path, exc.lineno or 1, exc.offset or 1, exc.msg)
            return report
        stdlib_error = exc  # libcst may know newer syntax than this interpreter; let it decide below
    except ValueError:
        pass  # e.g. a NUL byte: libcst reports it below
    with stage(path, "parse"), deep_recursion():
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            if stdlib_error is not None and stdlib_error.lineno:
                line, column, message = stdlib_error.lineno, stdlib_error.offset or 1, stdlib_error.msg
            else:
                line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
            report.error = _syntax_error(path, line, column, message)
            return report
    report.parsed = True
    collector = _Collector(path, is_loader)
    with stage(path, "extract"), deep_recursion():
        try:
            MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
        except Exception:
            scope_error = _scope_error(source, path)
            if scope_error is None:
                raise
            report.error = _syntax_error(path, scope_error.lineno or 1, scope_error.offset or 1, scope_error.msg)
            return report
    report.sites = collector.sites
    report.uses = collector.uses
    return report


def _syntax_error(path: str, line: int, column: int, message: str) -> str:
    return f"{path}:{line}:{column}: syntax error: {_one_line(message)}"


def _beyond_cpython_limits(error: SyntaxError) -> bool:
    """CPython's own limits (`too many nested parentheses`, `too many statically nested blocks`, a
    tree too deep for its parser): the file is valid grammar that no Python version runs."""
    return (error.msg or "").startswith(("too many", "too deeply nested"))


def _scope_error(source: str, path: str) -> SyntaxError | None:
    """The error CPython's compiler gives a file the parser accepts but the scopes do not (a
    module-level `nonlocal`), which libcst's scope analysis cannot handle either; asked only
    after that analysis failed, so a good file never pays for it."""
    try:
        symtable.symtable(source, path, "exec")
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        pass
    return None


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())


def _source(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


@dataclass
class _ClassInfo:
    """Constant candidates for `self.X` / `cls.X` / `Class.X` inside one class."""

    attributes: dict[str, list[cst.BaseExpression]] = field(default_factory=lambda: defaultdict(list))


class _Collector(cst.CSTVisitor):
    """One pass over the module: remember bindings, argparse defaults and candidate calls.

    Calls are evaluated after the pass, so a constant defined below its use still resolves.
    """

    METADATA_DEPENDENCIES = (ScopeProvider, PositionProvider)

    def __init__(self, path: str, is_loader: Callable[[str], bool]) -> None:
        super().__init__()
        self.path = path
        self.is_loader = is_loader
        self.bound_values: dict[cst.Name, cst.BaseExpression] = {}
        self.parsed_args_names: set[cst.Name] = set()
        self.argparse_defaults: dict[str, list[cst.BaseExpression | None]] = defaultdict(list)
        self.classes: dict[cst.ClassDef, _ClassInfo] = {}
        self.class_stack: list[cst.ClassDef] = []
        self.function_depth: list[int] = [0]
        self.candidates: list[tuple[cst.Call, CallKind, str, cst.ClassDef | None]] = []  # call, kind, loader, class
        self.sites: list[CallSite] = []
        # for following loaded objects to their uses (`_Flow`)
        self.function_names: list[str] = []
        self.init_attributes: set[tuple[cst.ClassDef, str]] = set()  # `self.x = ...` inside __init__
        self.attribute_writes: list[tuple[cst.Attribute, cst.ClassDef | None]] = []  # `obj.x = ...`
        self.use_candidates: list[tuple[cst.Call, cst.ClassDef | None]] = []
        self.uses: list[UseSite] = []

    # --- structure -------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes[node] = _ClassInfo()
        self.class_stack.append(node)
        self.function_depth.append(0)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.class_stack.pop()
        self.function_depth.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.function_depth[-1] += 1
        self.function_names.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.function_depth[-1] -= 1
        self.function_names.pop()

    # --- bindings --------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bound_values[target] = value
            if _is_parse_args_call(value):
                self.parsed_args_names.add(target)
        elif isinstance(target, cst.Tuple) and target.elements:
            first = target.elements[0].value
            if isinstance(first, cst.Name) and _is_parse_args_call(value):
                self.parsed_args_names.add(first)  # args, rest = parser.parse_known_args()
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value in ("self", "cls")
            and self.class_stack
        ):
            self.classes[self.class_stack[-1]].attributes[target.attr.value].append(value)
            if self.function_names and self.function_names[-1] == "__init__":
                self.init_attributes.add((self.class_stack[-1], target.attr.value))
        elif isinstance(target, cst.Attribute):
            self.attribute_writes.append((target, self._current_class()))
        if isinstance(target, cst.Name) and self.class_stack and self.function_depth[-1] == 0:
            self.classes[self.class_stack[-1]].attributes[target.value].append(value)

    # --- calls -----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "add_argument":
            self._record_argument(node)
            return
        if isinstance(func, cst.Attribute) and func.attr.value == "from_pretrained":
            loader = self._transformers_name(func.value)
            if loader is not None:
                kind: CallKind = "from_pretrained" if self.is_loader(loader) else "hub_download"
                self.candidates.append((node, kind, loader, self._current_class()))
            return
        qualified = self._qualified_names(func)
        if qualified & PIPELINE_NAMES:
            self.candidates.append((node, "pipeline", "pipeline", self._current_class()))
        elif (function := _hub_function(qualified)) is not None:
            self.candidates.append((node, HUB_FUNCTIONS[function].kind, function, self._current_class()))
        elif isinstance(func, cst.Name | cst.Attribute):
            self.use_candidates.append((node, self._current_class()))

    def _current_class(self) -> cst.ClassDef | None:
        return self.class_stack[-1] if self.class_stack else None

    def _record_argument(self, node: cst.Call) -> None:
        dest = _argparse_dest(node)
        if dest is not None:
            default = next((a.value for a in node.args if _keyword(a) == "default"), None)
            self.argparse_defaults[dest].append(default)

    def _qualified_names(self, node: cst.CSTNode) -> set[str]:
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return set()
        return {
            q.name
            for q in scope.get_qualified_names_for(node)
            if q.source is QualifiedNameSource.IMPORT
        }

    def _transformers_name(self, node: cst.BaseExpression) -> str | None:
        for name in self._qualified_names(node):
            if _is_transformers_module(name) and "." in name:
                return name.rsplit(".", 1)[1]
        return None

    # --- records -----------------------------------------------------------------------------
    def leave_Module(self, original_node: cst.Module) -> None:
        """Evaluate the calls once every binding in the file is known (metadata is still set)."""
        self.sites = [self._call_site(call, kind, loader, klass) for call, kind, loader, klass in self.candidates]
        # Only model loads are followed to their uses: no rule judges what a download returns.
        loads = {call: site for (call, *_), site in zip(self.candidates, self.sites) if site.loads_model}
        self.uses = _Flow(self, loads).uses()

    def _call_site(self, call: cst.Call, kind: CallKind, loader: str, klass: cst.ClassDef | None) -> CallSite:
        evaluator = _Evaluator(self, klass)
        positional = [a for a in call.args if a.keyword is None and not a.star]
        keywords = {_keyword(a): a.value for a in call.args if a.keyword is not None}
        first = positional[0].value if positional else None
        task_node = None
        loader_node: cst.CSTNode = call.func
        if kind == "pipeline":
            model_node = keywords.get("model", positional[1].value if len(positional) > 1 else None)
            task_node = keywords.get("task", first)
        elif loader in HUB_FUNCTIONS:
            model_node = keywords.get(HUB_FUNCTIONS[loader].repo_keyword, first)
        else:
            model_node = keywords.get("pretrained_model_name_or_path", first)
            assert isinstance(call.func, cst.Attribute)
            loader_node = call.func.value
        model_id, model_expr = evaluator.string_or_none(model_node)
        task, task_expr = evaluator.string_or_none(task_node)
        revision, revision_expr = evaluator.string_or_none(keywords.get("revision"))
        return CallSite(
            path=self.path,
            span=self._span(call),
            kind=kind,
            loader=loader,
            loader_span=self._span(loader_node),
            loader_source=_source(loader_node),
            model_id=model_id,
            model_expr=model_expr,
            revision=revision,
            revision_dynamic=revision_expr is not None,
            task=task,
            task_dynamic=task_expr is not None,
            keywords=tuple(evaluator.keyword(a) for a in call.args if a.keyword or a.star == "**"),
        )

    def _span(self, node: cst.CSTNode) -> Span:
        position = self.get_metadata(PositionProvider, node)
        return Span(
            position.start.line,
            position.start.column + 1,
            position.end.line,
            position.end.column + 1,
        )


def _hub_function(qualified_names: set[str]) -> str | None:
    """The `HUB_FUNCTIONS` entry a callee's qualified names reach inside its own library, if any."""
    for name in qualified_names:
        library, _, rest = name.partition(".")
        function = rest.rpartition(".")[2]
        if function in HUB_FUNCTIONS and HUB_FUNCTIONS[function].library == library:
            return function
    return None


def _keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _is_parse_args_call(value: cst.BaseExpression) -> bool:
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value in PARSE_ARGS_METHODS
    )


def _argparse_dest(call: cst.Call) -> str | None:
    """The attribute name argparse stores an option under, as argparse itself derives it."""
    explicit = next((a.value for a in call.args if _keyword(a) == "dest"), None)
    if isinstance(explicit, cst.SimpleString) and isinstance(explicit.evaluated_value, str):
        return explicit.evaluated_value
    flags = [
        a.value.evaluated_value
        for a in call.args
        if a.keyword is None and isinstance(a.value, cst.SimpleString)
    ]
    flags = [f for f in flags if isinstance(f, str)]
    long_flags = [f for f in flags if f.startswith("--")]
    chosen = long_flags[0] if long_flags else (flags[0] if flags else None)
    if chosen is None:
        return None
    return chosen.lstrip("-").replace("-", "_") or None


class _Evaluator:
    """Evaluates expressions at one call to Python constants, raising NotConstant otherwise."""

    def __init__(self, collector: _Collector, klass: cst.ClassDef | None) -> None:
        self.collector = collector
        self.klass = klass

    def string_or_none(self, node: cst.BaseExpression | None) -> tuple[str | None, str | None]:
        """(value, None) for a constant string; (None, source) for anything unknown; (None, None) if absent."""
        if node is None:
            return None, None
        try:
            value = self.value(node)
        except NotConstant:
            return None, _source(node)
        if value is None:
            return None, None
        if isinstance(value, str):
            return value, None
        return None, _source(node)

    def keyword(self, arg: cst.Arg) -> Keyword:
        if arg.keyword is None:
            return Keyword("**", _source(arg.value))
        try:
            return Keyword(arg.keyword.value, _source(arg.value), self.value(arg.value), True)
        except NotConstant:
            return Keyword(arg.keyword.value, _source(arg.value))

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
        bound = self._single_binding(node)
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
        if self._is_parsed_args(base):
            return self._argparse_default(attribute, depth)
        klass = self._class_named(base)
        if klass is None:
            raise NotConstant
        values = self.collector.classes[klass].attributes.get(attribute, [])
        if len(values) != 1:
            raise NotConstant
        return _Evaluator(self.collector, klass).value(values[0], depth)

    def _is_parsed_args(self, base: cst.Name) -> bool:
        return self._single_binding(base) in self.collector.parsed_args_names

    def _single_binding(self, name: cst.Name) -> cst.CSTNode | None:
        """The node that binds `name` where it is used, when exactly one binding is visible."""
        scope: Scope | None = self.collector.get_metadata(ScopeProvider, name, None)
        assignments = list(scope[name.value]) if scope is not None else []
        return getattr(assignments[0], "node", None) if len(assignments) == 1 else None

    def _argparse_default(self, dest: str, depth: int) -> object:
        defaults = self.collector.argparse_defaults.get(dest, [])
        values = {repr(self.value(d, depth)) if d is not None else None for d in defaults}
        if len(defaults) == 0 or None in values or len(values) != 1:
            raise NotConstant
        return self.value(defaults[0], depth)  # type: ignore[arg-type]

    def _class_named(self, base: cst.Name) -> cst.ClassDef | None:
        if base.value in ("self", "cls"):
            return self.klass
        return next((k for k in self.collector.classes if k.name.value == base.value), None)

    # --- calls -------------------------------------------------------------------------------
    def _eval_Call(self, node: cst.Call, depth: int) -> object:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            template = self.value(func.value, depth)
            if not isinstance(template, str):
                raise NotConstant
            args = [self.value(a.value, depth) for a in node.args if a.keyword is None and not a.star]
            kwargs = {
                _keyword(a): self.value(a.value, depth) for a in node.args if a.keyword is not None
            }
            if any(a.star for a in node.args):
                raise NotConstant
            try:
                return template.format(*args, **kwargs)
            except (IndexError, KeyError, ValueError) as exc:
                raise NotConstant from exc
        if self.collector._qualified_names(func) & ENV_DEFAULT_CALLS:
            positional = [a for a in node.args if a.keyword is None]
            default = next((a.value for a in node.args if _keyword(a) == "default"), None)
            if default is None and len(positional) >= 2:
                default = positional[1].value
            if default is None:
                raise NotConstant
            return self.value(default, depth)
        raise NotConstant


class _Flow:
    """Follows what a load returns to the calls made on it, within the file.

    An object is followed through names bound once (module, function or class scope, so a
    rebinding or a parameter is never followed), through `self.x` assigned once in the class and
    in `__init__`, and through methods that return their object (`.to(device)`, `.eval()`).
    """

    def __init__(self, collector: _Collector, sites_by_call: dict[cst.Call, CallSite]) -> None:
        self.collector = collector
        self.sites_by_call = sites_by_call
        self.uses_by_call: dict[cst.Call, UseSite] = {}

    def uses(self) -> list[UseSite]:
        """Chat templates and calls of loaded objects first, so that `generate` can find its inputs."""
        generate_calls = []
        for call, klass in self.collector.use_candidates:
            func = call.func
            kind = USE_METHODS.get(func.attr.value) if isinstance(func, cst.Attribute) else None
            if kind == "generate":
                generate_calls.append((call, klass))
            elif kind == "chat_template":
                assert isinstance(func, cst.Attribute)
                self._record(call, klass, kind, func.value, self.load_of(func.value, klass))
            else:
                receiver = self.load_of(func, klass)
                if receiver is not None:
                    self._record(call, klass, "call", func, receiver)
        for call, klass in generate_calls:
            assert isinstance(call.func, cst.Attribute)
            receiver_node = call.func.value
            receiver = self.load_of(receiver_node, klass)
            self._record(call, klass, "generate", receiver_node, receiver, follow_inputs=True)
        return sorted(self.uses_by_call.values(), key=lambda use: (use.span.line, use.span.column))

    def _record(
        self,
        call: cst.Call,
        klass: cst.ClassDef | None,
        kind: UseKind,
        receiver_node: cst.BaseExpression,
        receiver: CallSite | None,
        follow_inputs: bool = False,
    ) -> None:
        evaluator = _Evaluator(self.collector, klass)
        self.uses_by_call[call] = UseSite(
            path=self.collector.path,
            span=self.collector._span(call),
            kind=kind,
            receiver_source=_source(receiver_node),
            receiver=receiver,
            arguments=tuple(self._argument(arg, klass, evaluator, follow_inputs) for arg in call.args),
            receiver_attributes=self._attributes_written(receiver, klass) if receiver else frozenset(),
        )

    def _argument(self, arg: cst.Arg, klass: cst.ClassDef | None, evaluator: _Evaluator, follow: bool) -> Argument:
        keyword = arg.keyword.value if arg.keyword is not None else (arg.star or None)
        try:
            value, is_constant = evaluator.value(arg.value), True
        except NotConstant:
            value, is_constant = None, False
        origin, whole = self._origin(arg.value, klass) if follow else (None, True)
        return Argument(
            keyword=keyword,
            source=_source(arg.value),
            span=self.collector._span(arg.value),
            value=value,
            is_constant=is_constant,
            origin=origin,
            whole=whole,
            is_chat=self._is_chat(arg.value, klass),
        )

    def load_of(self, node: cst.BaseExpression, klass: cst.ClassDef | None, depth: int = 0) -> CallSite | None:
        """The load whose result `node` holds, or None."""
        node = _strip_self_returning(node)
        if isinstance(node, cst.Call):
            return self.sites_by_call.get(node)
        bound = self._bound_value(node, klass)
        if bound is None or depth > MAX_EVAL_DEPTH:
            return None
        return self.load_of(bound, klass, depth + 1)

    def _bound_value(self, node: cst.BaseExpression, klass: cst.ClassDef | None) -> cst.BaseExpression | None:
        """What a name bound once, or `self.x` assigned once (in `__init__`), holds."""
        if isinstance(node, cst.Name):
            binding = _Evaluator(self.collector, klass)._single_binding(node)
            return self.collector.bound_values.get(binding) if isinstance(binding, cst.Name) else None
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and klass is not None
            and (klass, node.attr.value) in self.collector.init_attributes
        ):
            values = self.collector.classes[klass].attributes[node.attr.value]
            return values[0] if len(values) == 1 else None
        return None

    def _origin(
        self, node: cst.BaseExpression, klass: cst.ClassDef | None, depth: int = 0
    ) -> tuple[UseSite | None, bool]:
        """The chat template or tokenizer call whose result `node` holds, and whether it is all of it."""
        node = _strip_self_returning(node)
        if depth > MAX_EVAL_DEPTH:
            return None, True
        if isinstance(node, cst.Call):
            return self.uses_by_call.get(node), True
        if isinstance(node, cst.Attribute | cst.Subscript) and not isinstance(self._bound_value(node, klass), cst.Call):
            origin, _ = self._origin(node.value, klass, depth + 1)
            return origin, False
        bound = self._bound_value(node, klass)
        return self._origin(bound, klass, depth + 1) if bound is not None else (None, True)

    def _is_chat(self, node: cst.BaseExpression, klass: cst.ClassDef | None, depth: int = 0) -> bool:
        """A literal list of `{"role": ...}` messages (or a batch of them), possibly through a name."""
        if isinstance(node, cst.List) and node.elements:
            return all(
                _is_message(element.value)
                or (depth == 0 and self._is_chat(element.value, klass, depth + 1))
                for element in node.elements
            )
        bound = self._bound_value(node, klass) if depth == 0 else None
        return bound is not None and self._is_chat(bound, klass)

    def _attributes_written(self, receiver: CallSite, klass: cst.ClassDef | None) -> frozenset[str]:
        return frozenset(
            target.attr.value
            for target, write_class in self.collector.attribute_writes
            if self.load_of(target.value, write_class) is receiver
        )


def _strip_self_returning(node: cst.BaseExpression) -> cst.BaseExpression:
    while (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in SELF_RETURNING_METHODS
    ):
        node = node.func.value
    return node


def _is_message(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Dict) and any(
        isinstance(element, cst.DictElement)
        and isinstance(element.key, cst.SimpleString)
        and element.key.evaluated_value == "role"
        for element in node.elements
    )


LOADER_NAME = re.compile(r"^(TF|Flax)?Auto[A-Z]\w*$")


def is_removed_auto_class(name: str) -> bool:
    """Auto class spellings worth recording even when this transformers lacks them (TF, Flax, v4)."""
    return bool(LOADER_NAME.match(name))
