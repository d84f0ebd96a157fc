"""Which model types each transformers Auto class accepts, read from transformers' source files.

Importing `transformers.models.auto.modeling_auto` pulls in torch and costs seconds, so the tables are
read with `ast` instead: the few source files that define them are parsed and their top-level
statements are replayed by a tiny evaluator that understands only the literal forms those files use
(dict / `OrderedDict` literals, tuples, `*list(NAME.items())`, `**{...}`, `.update({...})` and names
bound earlier in the same or a sibling module). Anything it cannot evaluate is dropped rather than
guessed, so a future transformers that builds a table some other way fails loudly (`TablesError`)
and `load_tables()` falls back to the bundled snapshot instead of silently linting with wrong data.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

__all__ = ["SNAPSHOT_PATH", "Tables", "TablesError", "derive_tables", "load_tables"]

logger = logging.getLogger(__name__)

SNAPSHOT_PATH = Path(__file__).with_name("data") / "transformers_tables.json"
# Bump when the shape of `Tables.to_json()` changes, so an old snapshot is rejected, not misread.
SCHEMA_VERSION = 2

_AUTO_DIR = Path("models", "auto")
_MARKER = _AUTO_DIR / "modeling_auto.py"  # the file that tells a transformers package folder apart
_PIPELINES_FILE = Path("pipelines", "__init__.py")
_MODELING_FILE = Path("modeling_utils.py")
_TOKENIZATION_AUTO_FILE = _AUTO_DIR / "tokenization_auto.py"
# transformers' own deprecation warnings for renamed loading arguments, e.g.
# "`torch_dtype` is deprecated! Use `dtype` instead!"
_RENAMED_ARGUMENT_WARNING = re.compile(r"^`(\w+)` is deprecated! Use `(\w+)` instead!$")

ClassNames = str | tuple[str, ...]


class TablesError(Exception):
    """The tables could not be read; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Tables:
    """The loading tables of one transformers version, as its runtime would see them."""

    transformers_version: str
    origin: str  # "installed", "snapshot", or the folder the tables were derived from
    config_classes: dict[str, str]  # model_type -> config class name, in CONFIG_MAPPING_NAMES order
    auto_models: dict[str, dict[str, ClassNames]]  # Auto model class -> {model_type: concrete class(es)}
    loader_classes: frozenset[str]  # every Auto* class with from_pretrained (models, config, tokenizer, ...)
    pipeline_tasks: dict[str, tuple[str, ...]]  # task -> Auto model classes of its "pt" entry
    task_aliases: dict[str, str]  # alias -> task
    removed_tasks: dict[str, str]  # task -> what to use instead (REMOVED_TASKS' message)
    tokenizer_classes: frozenset[str] = frozenset()  # the classes TOKENIZER_MAPPING_NAMES names
    renamed_kwargs: dict[str, str] = dataclasses.field(default_factory=dict)  # old -> new (deprecation warnings)
    ignored_model_kwargs: frozenset[str] = frozenset()  # popped and dropped by PreTrainedModel.from_pretrained
    ignored_tokenizer_kwargs: frozenset[str] = frozenset()  # popped and dropped by AutoTokenizer.from_pretrained

    def model_types_for_class(self, class_name: str) -> frozenset[str]:
        """The model types that some Auto class resolves to `class_name` (e.g. "T5ForConditionalGeneration")."""
        return self._types_by_class.get(class_name, frozenset())

    def lookup_type(self, model_type: str) -> str:
        """The model type transformers really looks up: mappings are keyed by config class, so an
        alias such as `gpt-sw3` (GPT2Config) is found under the type that owns its config class
        (transformers' reverse mapping keeps the last entry)."""
        config_class = self.config_classes.get(model_type)
        return self._config_owners.get(config_class, model_type) if config_class else model_type

    def is_config_class(self, class_name: str) -> bool:
        """Whether some model type's config is `class_name` (e.g. "GPT2Config")."""
        return class_name in self._config_owners

    @functools.cached_property
    def _config_owners(self) -> dict[str, str]:
        return {name: model_type for model_type, name in self.config_classes.items()}

    @functools.cached_property
    def _types_by_class(self) -> dict[str, frozenset[str]]:
        # cached_property writes straight into __dict__, so it works on a frozen dataclass.
        index: dict[str, set[str]] = {}
        for table in self.auto_models.values():
            for model_type, names in table.items():
                for name in (names,) if isinstance(names, str) else names:
                    index.setdefault(name, set()).add(model_type)
        return {name: frozenset(types) for name, types in index.items()}

    def to_json(self) -> dict:
        """A JSON-ready dict; keys sorted except `config_classes`, kept as ordered pairs."""
        return {
            "schema": SCHEMA_VERSION,
            "transformers_version": self.transformers_version,
            "config_classes": [[model_type, name] for model_type, name in self.config_classes.items()],
            "auto_models": {
                auto_class: {
                    model_type: names if isinstance(names, str) else list(names)
                    for model_type, names in sorted(self.auto_models[auto_class].items())
                }
                for auto_class in sorted(self.auto_models)
            },
            "loader_classes": sorted(self.loader_classes),
            "pipeline_tasks": {task: list(self.pipeline_tasks[task]) for task in sorted(self.pipeline_tasks)},
            "task_aliases": dict(sorted(self.task_aliases.items())),
            "removed_tasks": dict(sorted(self.removed_tasks.items())),
            "tokenizer_classes": sorted(self.tokenizer_classes),
            "renamed_kwargs": dict(sorted(self.renamed_kwargs.items())),
            "ignored_model_kwargs": sorted(self.ignored_model_kwargs),
            "ignored_tokenizer_kwargs": sorted(self.ignored_tokenizer_kwargs),
        }

    @classmethod
    def from_json(cls, data: dict, origin: str) -> Tables:
        """The inverse of `to_json`; raises TablesError on an unknown schema or a malformed document."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
            found = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise TablesError(f"{origin}: unsupported tables schema {found!r} (expected {SCHEMA_VERSION})")
        try:
            return cls(
                transformers_version=str(data["transformers_version"]),
                origin=origin,
                config_classes={str(k): str(v) for k, v in data["config_classes"]},
                auto_models={
                    auto_class: {k: v if isinstance(v, str) else tuple(v) for k, v in table.items()}
                    for auto_class, table in data["auto_models"].items()
                },
                loader_classes=frozenset(data["loader_classes"]),
                pipeline_tasks={task: tuple(names) for task, names in data["pipeline_tasks"].items()},
                task_aliases=dict(data["task_aliases"]),
                removed_tasks=dict(data["removed_tasks"]),
                tokenizer_classes=frozenset(data["tokenizer_classes"]),
                renamed_kwargs=dict(data["renamed_kwargs"]),
                ignored_model_kwargs=frozenset(data["ignored_model_kwargs"]),
                ignored_tokenizer_kwargs=frozenset(data["ignored_tokenizer_kwargs"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise TablesError(
                f"{origin}: malformed tables document ({type(error).__name__}: {error})"
            ) from None


# --------------------------------------------------------------------------------------------------
# The evaluator: just enough of Python to replay the statements that build the tables.


class _Unevaluable(Exception):
    """An expression outside the literal forms the tables are written in."""


@dataclass
class _AutoMapping:
    """`_LazyAutoMapping(config_names, model_names)` as written in modeling_auto.py."""

    config_names: dict
    model_names: dict


@dataclass
class _AutoClass:
    """An Auto model class: a class whose `_model_mapping` is an `_AutoMapping`."""

    mapping: _AutoMapping


_MAPPING_FACTORIES = frozenset({"OrderedDict", "dict"})
_SEQUENCE_FACTORIES = {"list": list, "tuple": tuple}


def _evaluate(node: ast.expr, env: dict[str, object]) -> object:
    """Evaluate `node` with the module's names in `env`, or raise _Unevaluable."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise _Unevaluable(node.id)
        return env[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate_elements(node.elts, env))
    if isinstance(node, ast.List):
        return list(_evaluate_elements(node.elts, env))
    if isinstance(node, ast.Dict):
        result: dict = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # {**other}
                result.update(_as_mapping(_evaluate(value, env)))
            else:
                result[_evaluate(key, env)] = _evaluate(value, env)
        return result
    if isinstance(node, ast.Call):
        return _evaluate_call(node, env)
    raise _Unevaluable(type(node).__name__)


def _evaluate_elements(nodes: list[ast.expr], env: dict[str, object]) -> Iterator[object]:
    for node in nodes:
        if isinstance(node, ast.Starred):  # *list(X.items())
            yield from _as_iterable(_evaluate(node.value, env))
        else:
            yield _evaluate(node, env)


def _evaluate_call(node: ast.Call, env: dict[str, object]) -> object:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _MAPPING_FACTORIES:
        result: dict = {}
        for arg in node.args:
            result.update(_as_mapping(_evaluate(arg, env)))
        for keyword in node.keywords:  # OrderedDict(**{"gpt-sw3": ...}, **CONFIG_MAPPING_NAMES)
            if keyword.arg is None:
                result.update(_as_mapping(_evaluate(keyword.value, env)))
            else:
                result[keyword.arg] = _evaluate(keyword.value, env)
        return result
    if (
        isinstance(func, ast.Name)
        and func.id in _SEQUENCE_FACTORIES
        and len(node.args) == 1
        and not node.keywords
    ):
        return _SEQUENCE_FACTORIES[func.id](_as_iterable(_evaluate(node.args[0], env)))
    if isinstance(func, ast.Attribute) and func.attr == "items" and not node.args and not node.keywords:
        return list(_as_mapping(_evaluate(func.value, env)).items())
    if isinstance(func, ast.Name) and func.id == "_LazyAutoMapping" and len(node.args) == 2:
        config_names, model_names = (_as_mapping(_evaluate(arg, env)) for arg in node.args)
        return _AutoMapping(config_names, model_names)
    if isinstance(func, ast.Name) and func.id == "auto_class_update" and node.args:
        # `AutoModel = auto_class_update(AutoModel, head_doc=...)` only rewrites docstrings.
        auto_class = _evaluate(node.args[0], env)
        if isinstance(auto_class, _AutoClass):
            return auto_class
    raise _Unevaluable(ast.unparse(func))


def _as_mapping(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, list | tuple) and all(
        isinstance(item, tuple | list) and len(item) == 2 for item in value
    ):
        return dict(value)
    raise _Unevaluable(type(value).__name__)


def _as_iterable(value: object) -> Iterable[object]:
    if isinstance(value, list | tuple | dict):
        return value
    raise _Unevaluable(type(value).__name__)


# --------------------------------------------------------------------------------------------------
# Replaying the modules of transformers/models/auto/.


@dataclass
class _ClassInfo:
    bases: tuple[str, ...]
    defines_from_pretrained: bool

    @classmethod
    def of(cls, node: ast.ClassDef) -> _ClassInfo:
        return cls(
            bases=tuple(base.id for base in node.bases if isinstance(base, ast.Name)),
            defines_from_pretrained=any(
                isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == "from_pretrained"
                for item in node.body
            ),
        )


class _AutoPackage:
    """The modules of `models/auto/`, parsed once and replayed on demand (imports follow siblings)."""

    def __init__(self, auto_dir: Path) -> None:
        self.auto_dir = auto_dir
        self._trees: dict[str, ast.Module] = {}
        self._envs: dict[str, dict[str, object]] = {}

    def module_names(self) -> list[str]:
        return sorted(path.stem for path in self.auto_dir.glob("*.py") if path.stem != "__init__")

    def tree(self, module: str) -> ast.Module:
        if module not in self._trees:
            self._trees[module] = _parse(self.auto_dir / f"{module}.py")
        return self._trees[module]

    def env(self, module: str) -> dict[str, object]:
        """The module's top-level names after replaying it; unevaluable bindings are left out."""
        if module not in self._envs:
            env: dict[str, object] = {}
            self._envs[module] = env  # set first: an import cycle then sees a partial module, not a loop
            for statement in self.tree(module).body:
                self._execute(statement, env)
        return self._envs[module]

    def _execute(self, statement: ast.stmt, env: dict[str, object]) -> None:
        if isinstance(statement, ast.ImportFrom):
            self._import(statement, env)
        elif isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if statement.value is not None:
                for target in targets:
                    _assign(target, statement.value, env)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            _call_method(statement.value, env)
        elif isinstance(statement, ast.ClassDef):
            self._define_class(statement, env)
        elif not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.Import):
            _forget_bindings(statement, env)  # `if`/`try`/`for` blocks: what they touch is unknown

    def _import(self, statement: ast.ImportFrom, env: dict[str, object]) -> None:
        # Only `from .sibling import NAME`: that is how CONFIG_MAPPING_NAMES travels between files.
        if statement.level != 1 or not statement.module or "." in statement.module:
            return
        if not (self.auto_dir / f"{statement.module}.py").is_file():
            return
        source = self.env(statement.module)
        for alias in statement.names:
            if alias.name in source:
                env[alias.asname or alias.name] = source[alias.name]

    def _define_class(self, node: ast.ClassDef, env: dict[str, object]) -> None:
        mapping = _class_model_mapping(node, env)
        if mapping is None:  # inherited, as a subclass of another Auto model class would
            bases = [env.get(base.id) for base in node.bases if isinstance(base, ast.Name)]
            mapping = next((base.mapping for base in bases if isinstance(base, _AutoClass)), None)
        if mapping is not None:
            env[node.name] = _AutoClass(mapping)
        else:
            env.pop(node.name, None)

    def model_class_modules(self) -> list[str]:
        """The modules defining a class with a `_model_mapping`: only these need replaying."""
        return [
            module
            for module in self.module_names()
            if any(
                isinstance(node, ast.ClassDef) and _assigns_model_mapping(node)
                for node in self.tree(module).body
            )
        ]

    def loader_class_names(self) -> frozenset[str]:
        """Top-level `Auto*` classes that define `from_pretrained` or inherit it from a class here."""
        classes: dict[str, _ClassInfo] = {}
        for module in self.module_names():
            for node in self.tree(module).body:
                if isinstance(node, ast.ClassDef):
                    classes.setdefault(node.name, _ClassInfo.of(node))

        def has_from_pretrained(name: str, seen: frozenset[str]) -> bool:
            info = classes.get(name)
            if info is None or name in seen:
                return False
            return info.defines_from_pretrained or any(
                has_from_pretrained(b, seen | {name}) for b in info.bases
            )

        return frozenset(
            name for name in classes if name.startswith("Auto") and has_from_pretrained(name, frozenset())
        )


def _parse(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except FileNotFoundError:
        raise TablesError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TablesError(f"{path}: cannot read ({error})") from None
    except SyntaxError as error:
        raise TablesError(f"{path}:{error.lineno}: not valid Python ({error.msg})") from None


def _assign(target: ast.expr, value: ast.expr, env: dict[str, object]) -> None:
    if isinstance(target, ast.Name):
        try:
            env[target.id] = _evaluate(value, env)
        except _Unevaluable:
            env.pop(target.id, None)  # rebound to something unknown: the old value is stale
    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):  # TABLE["key"] = ...
        table = env.get(target.value.id)
        if isinstance(table, dict):
            try:
                table[_evaluate(target.slice, env)] = _evaluate(value, env)
            except _Unevaluable:
                env.pop(target.value.id, None)
    else:  # A, B = ...: not evaluated, so forget whatever the names held
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                env.pop(node.id, None)


def _forget_bindings(statement: ast.stmt, env: dict[str, object]) -> None:
    """Drop every name that `statement` may rebind or mutate: a stale table is worse than none."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            env.pop(node.id, None)
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.value, ast.Name):
            env.pop(node.value.id, None)  # X.update(...), X[k] = v, del X[k]
        elif isinstance(node, ast.alias):  # an import inside the block
            env.pop(node.asname or node.name, None)


def _call_method(call: ast.Call, env: dict[str, object]) -> None:
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
            raise _Unevaluable(func.attr)
        table.update(_as_mapping(_evaluate(call.args[0], env)))
    except _Unevaluable:
        env.pop(name, None)


def _model_mapping_statement(node: ast.ClassDef) -> ast.Assign | None:
    """The `_model_mapping = NAME` line of a class body, if any."""
    for item in node.body:
        if (
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "_model_mapping" for t in item.targets)
            and isinstance(item.value, ast.Name)
        ):
            return item
    return None


def _assigns_model_mapping(node: ast.ClassDef) -> bool:
    return _model_mapping_statement(node) is not None


def _class_model_mapping(node: ast.ClassDef, env: dict[str, object]) -> _AutoMapping | None:
    statement = _model_mapping_statement(node)
    if statement is None:
        return None
    mapping = env.get(statement.value.id)
    return mapping if isinstance(mapping, _AutoMapping) else None


# --------------------------------------------------------------------------------------------------
# From the replayed modules to Tables.


def derive_tables(package_dir: Path) -> Tables:
    """Read the tables from the `transformers` package folder (the one holding models/auto/)."""
    package_dir = Path(package_dir)
    if not (package_dir / _MARKER).is_file():
        raise TablesError(f"{package_dir}: not a transformers package folder (no {_MARKER.as_posix()})")
    return _derive(package_dir, origin=str(package_dir))


def _derive(package_dir: Path, origin: str) -> Tables:
    package = _AutoPackage(package_dir / _AUTO_DIR)
    config_file = package.auto_dir / "configuration_auto.py"
    config_classes = package.env("configuration_auto").get("CONFIG_MAPPING_NAMES")
    if not _is_str_mapping(config_classes):
        raise TablesError(f"{config_file}: CONFIG_MAPPING_NAMES is not a literal mapping of names")
    auto_models: dict[str, dict[str, ClassNames]] = {}
    for module in package.model_class_modules():
        for name, value in package.env(module).items():
            if isinstance(value, _AutoClass):
                auto_models[name] = _runtime_table(value.mapping, package.auto_dir / f"{module}.py", name)
    if not auto_models:
        raise TablesError(f"{package.auto_dir / 'modeling_auto.py'}: no Auto model class found")
    loader_classes = package.loader_class_names() | frozenset(auto_models)
    return Tables(
        transformers_version=_read_version(package_dir / "__init__.py"),
        origin=origin,
        config_classes=dict(config_classes),
        auto_models=auto_models,
        loader_classes=loader_classes,
        **_read_pipeline_tables(package_dir / _PIPELINES_FILE),
        **_read_loading_arguments(package_dir),
    )


def _runtime_table(mapping: _AutoMapping, path: Path, auto_class: str) -> dict[str, ClassNames]:
    """What `_LazyAutoMapping` exposes: only model types that also have a config class."""
    table: dict[str, ClassNames] = {}
    for model_type, names in mapping.model_names.items():
        if model_type not in mapping.config_names:
            continue
        if isinstance(names, list | tuple) and names and all(isinstance(n, str) for n in names):
            names = tuple(names)
        elif not isinstance(names, str):
            raise TablesError(f"{path}: {auto_class} maps {model_type!r} to {names!r}, not a class name")
        table[model_type] = names
    return table


def _is_str_mapping(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _read_version(path: Path) -> str:
    for statement in _parse(path).body:
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in statement.targets)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ):
            return statement.value.value
    raise TablesError(f'{path}: no `__version__ = "..."` assignment')


def _read_pipeline_tables(path: Path) -> dict[str, dict]:
    """SUPPORTED_TASKS' "pt" classes, TASK_ALIASES and REMOVED_TASKS from pipelines/__init__.py."""
    assignments = {
        target.id: statement.value
        for statement in _parse(path).body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    missing = [
        name for name in ("SUPPORTED_TASKS", "TASK_ALIASES", "REMOVED_TASKS") if name not in assignments
    ]
    if missing:
        raise TablesError(f"{path}: no top-level {', '.join(missing)}")
    tables: dict[str, dict] = {}
    for field_name, variable in (("task_aliases", "TASK_ALIASES"), ("removed_tasks", "REMOVED_TASKS")):
        try:
            value = _evaluate(assignments[variable], {})
        except _Unevaluable:
            value = None
        if not _is_str_mapping(value):
            raise TablesError(f"{path}: {variable} is not a literal mapping of strings")
        tables[field_name] = value
    tables["pipeline_tasks"] = _read_supported_tasks(assignments["SUPPORTED_TASKS"], path)
    return tables


def _read_supported_tasks(node: ast.expr, path: Path) -> dict[str, tuple[str, ...]]:
    # The "pt" values are `(AutoModelForX, ...) if is_torch_available() else ()`: class objects, so the
    # names are read from the syntax, taking the torch-available branch.
    if not isinstance(node, ast.Dict):
        raise TablesError(f"{path}: SUPPORTED_TASKS is not a dict literal")
    tasks: dict[str, tuple[str, ...]] = {}
    for key, entry in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(entry, ast.Dict)):
            raise TablesError(f"{path}:{entry.lineno}: SUPPORTED_TASKS entry is not a literal task dict")
        pt = next(
            (v for k, v in zip(entry.keys, entry.values) if isinstance(k, ast.Constant) and k.value == "pt"),
            None,
        )
        tasks[key.value] = _class_names(pt, path)
    return tasks


def _read_loading_arguments(package_dir: Path) -> dict[str, object]:
    """What transformers records about loading arguments and tokenizer classes, read from the syntax:

    - renamed arguments: its own `"`old` is deprecated! Use `new` instead!"` warnings, in
      modeling_utils.py and pipelines/__init__.py;
    - ignored arguments: the `kwargs.pop(name)` whose value `from_pretrained` drops (a bare
      statement, `_ = ...`, or the `for name in [...]` loop), in `PreTrainedModel.from_pretrained`
      and `AutoTokenizer.from_pretrained`;
    - tokenizer classes: the values of TOKENIZER_MAPPING_NAMES (`X if is_tokenizers_available() else None`
      counts as `X`).
    """
    modeling_path = package_dir / _MODELING_FILE
    tokenization_path = package_dir / _TOKENIZATION_AUTO_FILE
    modeling, tokenization = _parse(modeling_path), _parse(tokenization_path)
    renamed: dict[str, str] = {}
    for tree in (modeling, _parse(package_dir / _PIPELINES_FILE)):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                match = _RENAMED_ARGUMENT_WARNING.match(node.value)
                if match:
                    renamed[match.group(1)] = match.group(2)
    return {
        "tokenizer_classes": _tokenizer_classes(tokenization, tokenization_path),
        "renamed_kwargs": renamed,
        "ignored_model_kwargs": _dropped_kwargs(_method(modeling, "PreTrainedModel", "from_pretrained", modeling_path)),
        "ignored_tokenizer_kwargs": _dropped_kwargs(
            _method(tokenization, "AutoTokenizer", "from_pretrained", tokenization_path)
        ),
    }


def _method(tree: ast.Module, class_name: str, method: str, path: Path) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == method:
                    return item
    raise TablesError(f"{path}: no {class_name}.{method}")


def _dropped_kwargs(function: ast.FunctionDef) -> frozenset[str]:
    """Argument names that `function` pops from `kwargs` and throws away."""
    dropped: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Expr) or (
            isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["_"]
        ):
            name = _popped_kwarg(node.value)
            if isinstance(name, str):
                dropped.add(name)
            elif isinstance(name, ast.Name):
                dropped.update(_loop_names(function, name.id, node))
    return frozenset(dropped)


def _popped_kwarg(node: ast.expr) -> str | ast.Name | None:
    """The key of `kwargs.pop(key, ...)`: a string, or the loop variable it names."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "pop"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "kwargs"
        and node.args
    ):
        return None
    key = node.args[0]
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return key if isinstance(key, ast.Name) else None


def _loop_names(function: ast.FunctionDef, variable: str, statement: ast.stmt) -> set[str]:
    """The strings of `for variable in [...]` loops whose body holds `statement`."""
    return {
        element.value
        for loop in ast.walk(function)
        if isinstance(loop, ast.For)
        and isinstance(loop.target, ast.Name)
        and loop.target.id == variable
        and isinstance(loop.iter, ast.List | ast.Tuple)
        and any(child is statement for child in ast.walk(loop))
        for element in loop.iter.elts
        if isinstance(element, ast.Constant) and isinstance(element.value, str)
    }


def _tokenizer_classes(tree: ast.Module, path: Path) -> frozenset[str]:
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "TOKENIZER_MAPPING_NAMES" for t in statement.targets
        ):
            names = set()
            for node in ast.walk(statement.value):
                if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                    value = node.elts[1].body if isinstance(node.elts[1], ast.IfExp) else node.elts[1]
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        names.add(value.value)
            if names:
                return frozenset(names)
    raise TablesError(f"{path}: no top-level TOKENIZER_MAPPING_NAMES of (model_type, class) pairs")


def _class_names(node: ast.expr | None, path: Path) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node, ast.IfExp):
        node = node.body
    if not isinstance(node, ast.Tuple | ast.List):
        raise TablesError(f'{path}:{node.lineno}: a "pt" entry is not a tuple of classes')
    names = []
    for element in node.elts:
        if isinstance(element, ast.Name):
            names.append(element.id)
        elif isinstance(element, ast.Attribute):
            names.append(element.attr)
        else:
            raise TablesError(f'{path}:{element.lineno}: a "pt" entry holds {ast.unparse(element)!r}')
    return tuple(names)


# --------------------------------------------------------------------------------------------------
# Choosing where the tables come from.


def load_tables(transformers_dir: Path | str | None = None) -> Tables:
    """The tables of `transformers_dir`, else of the installed transformers, else the bundled snapshot.

    `transformers_dir` may be the package folder or a site-packages folder holding `transformers/`;
    when it is given, failing to read it is an error (the user asked for that version). Without it,
    a missing or unreadable installed transformers falls back to the snapshot.
    """
    if transformers_dir is not None:
        return _tables_at(_package_folder(Path(transformers_dir)), str(transformers_dir))
    installed = _installed_package_folder()
    if installed is not None:
        try:
            return _tables_at(installed, "installed")
        except TablesError as error:
            logger.warning("using the bundled transformers tables: %s", error)
    return _snapshot()


def _package_folder(path: Path) -> Path:
    for candidate in (path, path / "transformers"):
        if (candidate / _MARKER).is_file():
            return candidate
    raise TablesError(
        f"{path}: not a transformers package folder (no {_MARKER.as_posix()} in it or in transformers/ under it)"
    )


def _installed_package_folder() -> Path | None:
    """Where `import transformers` would load from, found without executing it."""
    try:
        spec = find_spec("transformers")
    except (ImportError, ValueError):  # ValueError: a module in sys.modules without __spec__
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _tables_at(package_dir: Path, origin: str) -> Tables:
    return _derive(package_dir.resolve(), origin)


@functools.lru_cache(maxsize=1)
def _snapshot() -> Tables:
    try:
        data = json.loads(SNAPSHOT_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TablesError(f"{SNAPSHOT_PATH}: cannot read the bundled snapshot ({error})") from None
    return Tables.from_json(data, origin="snapshot")
