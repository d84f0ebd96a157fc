"""Read loadlint's tables from a transformers package folder's source files, without importing it.

Importing `transformers.models.auto.modeling_auto` pulls in torch and costs seconds, so the few files
that define the tables are parsed with `ast` and their top-level statements replayed by the evaluator
(`loadlint.tables.evaluate`). Whatever it cannot follow is dropped rather than guessed, so a future
transformers that builds a table some other way fails loudly (`TablesError`) and `load_tables()`
falls back to the bundled snapshot instead of silently linting with wrong data.

Every file is read through one `SourceFiles`, which notes what was read: that record is what keeps
the on-disk cache of the tables honest.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from loadlint.tables.evaluate import (
    UNKNOWN_VALUE,
    AutoClass,
    AutoMapping,
    Unevaluable,
    assign,
    call_method,
    evaluate,
    forget_bindings,
    replay_loop,
)
from loadlint.tables.inputs import Inputs, SourceFiles
from loadlint.tables.model import ClassNames, Tables, TablesError
from loadlint.tables.model_classes import read_model_classes

_AUTO_DIR = Path("models", "auto")
MARKER = _AUTO_DIR / "modeling_auto.py"  # the file that tells a transformers package folder apart
_PIPELINES_FILE = Path("pipelines", "__init__.py")
_MODELING_FILE = Path("modeling_utils.py")
_TOKENIZATION_AUTO_FILE = _AUTO_DIR / "tokenization_auto.py"
_GGML_FILE = Path("integrations", "ggml.py")
# transformers' own deprecation warnings for renamed loading arguments, e.g.
# "`torch_dtype` is deprecated! Use `dtype` instead!"
_RENAMED_ARGUMENT_WARNING = re.compile(r"^`(\w+)` is deprecated! Use `(\w+)` instead!$")
# The Auto classes that load something other than a model, each with the module of models/auto/ and
# the `_LazyAutoMapping` its from_pretrained looks model types up in.
_PROCESSOR_MAPPINGS = {
    "AutoFeatureExtractor": ("feature_extraction_auto", "FEATURE_EXTRACTOR_MAPPING"),
    "AutoImageProcessor": ("image_processing_auto", "IMAGE_PROCESSOR_MAPPING"),
    "AutoProcessor": ("processing_auto", "PROCESSOR_MAPPING"),
    "AutoVideoProcessor": ("video_processing_auto", "VIDEO_PROCESSOR_MAPPING"),
}


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
    """The modules of `models/auto/`, replayed on demand (imports follow siblings)."""

    def __init__(self, auto_dir: Path, sources: SourceFiles) -> None:
        self.auto_dir = auto_dir
        self._sources = sources
        self._envs: dict[str, dict[str, object]] = {}

    @functools.cached_property
    def module_names(self) -> list[str]:
        return self._sources.module_names(self.auto_dir)

    def tree(self, module: str) -> ast.Module:
        return self._sources.tree(self.auto_dir / f"{module}.py")

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
                    assign(target, statement.value, env)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call_method(statement.value, env)
        elif isinstance(statement, ast.ClassDef):
            self._define_class(statement, env)
        elif isinstance(statement, ast.If) and _is_type_checking(statement.test):
            for runtime_statement in statement.orelse:  # the body is only for type checkers
                self._execute(runtime_statement, env)
        elif isinstance(statement, ast.For):
            replay_loop(statement, env)
        elif not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.Import):
            forget_bindings(statement, env)  # other `if`/`try`/`while` blocks: what they touch is unknown

    def _import(self, statement: ast.ImportFrom, env: dict[str, object]) -> None:
        # Only `from .sibling import NAME`: that is how CONFIG_MAPPING_NAMES travels between files.
        if statement.level != 1 or statement.module not in self.module_names:
            return
        source = self.env(statement.module)
        for alias in statement.names:
            if alias.name in source:
                env[alias.asname or alias.name] = source[alias.name]

    def _define_class(self, node: ast.ClassDef, env: dict[str, object]) -> None:
        mapping = _class_model_mapping(node, env)
        if mapping is None:  # inherited, as a subclass of another Auto model class would
            bases = [env.get(base.id) for base in node.bases if isinstance(base, ast.Name)]
            mapping = next((base.mapping for base in bases if isinstance(base, AutoClass)), None)
        if mapping is not None:
            env[node.name] = AutoClass(mapping)
        else:
            env.pop(node.name, None)

    def model_class_modules(self) -> list[str]:
        """The modules defining a class with a `_model_mapping`: only these need replaying."""
        return [
            module
            for module in self.module_names
            if any(
                isinstance(node, ast.ClassDef) and _assigns_model_mapping(node)
                for node in self.tree(module).body
            )
        ]

    def loader_class_names(self) -> frozenset[str]:
        """Top-level `Auto*` classes that define `from_pretrained` or inherit it from a class here."""
        classes: dict[str, _ClassInfo] = {}
        for module in self.module_names:
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


def _is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`: False at runtime."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


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


def _class_model_mapping(node: ast.ClassDef, env: dict[str, object]) -> AutoMapping | None:
    statement = _model_mapping_statement(node)
    if statement is None:
        return None
    mapping = env.get(statement.value.id)
    return mapping if isinstance(mapping, AutoMapping) else None


# --------------------------------------------------------------------------------------------------
# From the replayed modules to Tables.


def derive_tables(package_dir: Path) -> Tables:
    """Read the tables from the `transformers` package folder (the one holding models/auto/)."""
    package_dir = Path(package_dir)
    if not (package_dir / MARKER).is_file():
        raise TablesError(f"{package_dir}: not a transformers package folder (no {MARKER.as_posix()})")
    tables, _ = derive_with_inputs(package_dir, origin=str(package_dir))
    return tables


def derive_with_inputs(package_dir: Path, origin: str) -> tuple[Tables, Inputs]:
    """The tables of `package_dir`, and every file and folder they were read from."""
    sources = SourceFiles()
    package = _AutoPackage(package_dir / _AUTO_DIR, sources)
    config_file = package.auto_dir / "configuration_auto.py"
    config_classes = package.env("configuration_auto").get("CONFIG_MAPPING_NAMES")
    if not _is_str_mapping(config_classes):
        raise TablesError(f"{config_file}: CONFIG_MAPPING_NAMES is not a literal mapping of names")
    auto_models: dict[str, dict[str, ClassNames]] = {}
    for module in package.model_class_modules():
        for name, value in package.env(module).items():
            if isinstance(value, AutoClass):
                auto_models[name] = _runtime_table(value.mapping, package.auto_dir / f"{module}.py", name)
    if not auto_models:
        raise TablesError(f"{package.auto_dir / 'modeling_auto.py'}: no Auto model class found")
    loader_classes = package.loader_class_names() | frozenset(auto_models)
    classes = read_model_classes(sources, package_dir)
    tables = Tables(
        transformers_version=_read_version(sources, package_dir / "__init__.py"),
        origin=origin,
        config_classes=dict(config_classes),
        auto_models=auto_models,
        loader_classes=loader_classes,
        processor_types=_processor_types(package),
        gguf_architectures=_gguf_architectures(sources, package_dir / _GGML_FILE),
        model_classes=classes.model_classes,
        config_model_types=classes.config_model_types,
        sub_config_classes=classes.sub_config_classes,
        composite_config_classes=classes.composite_config_classes,
        **_read_pipeline_tables(sources, package_dir / _PIPELINES_FILE),
        **_read_loading_arguments(sources, package_dir),
    )
    return tables, sources.inputs


def _runtime_table(mapping: AutoMapping, path: Path, auto_class: str) -> dict[str, ClassNames]:
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


def _processor_types(package: _AutoPackage) -> dict[str, frozenset[str]]:
    """The model types each processor Auto class serves: like `_runtime_table`, those with a config
    class, and only those with a class to load (a None or empty value has none; a value a loop
    rewrote still has one, as `_LazyAutoMapping` serves every key)."""
    types: dict[str, frozenset[str]] = {}
    for auto_class, (module, variable) in _PROCESSOR_MAPPINGS.items():
        if module not in package.module_names:  # an older transformers, without this Auto class
            types[auto_class] = frozenset()
            continue
        mapping = package.env(module).get(variable)
        if not (isinstance(mapping, AutoMapping) and all(map(_is_class_names, mapping.model_names.values()))):
            raise TablesError(
                f"{package.auto_dir / f'{module}.py'}: {variable} is not a _LazyAutoMapping of literal class names"
            )
        types[auto_class] = frozenset(
            model_type
            for model_type, names in mapping.model_names.items()
            if names and model_type in mapping.config_names
        )
    return types


def _gguf_architectures(sources: SourceFiles, path: Path) -> frozenset[str]:
    """GGUF_SUPPORTED_ARCHITECTURES: the keys of integrations/ggml.py's GGUF_CONFIG_MAPPING literal
    (modeling_gguf_pytorch_utils.py lists `GGUF_TO_TRANSFORMERS_MAPPING["config"]`, which is it)."""
    if not path.is_file():  # a transformers older than its GGUF support
        return frozenset()
    for statement in sources.tree(path).body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "GGUF_CONFIG_MAPPING" for t in statement.targets
        ):
            if isinstance(statement.value, ast.Dict) and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in statement.value.keys
            ):
                return frozenset(k.value for k in statement.value.keys)  # type: ignore[union-attr]
            break
    raise TablesError(f"{path}: GGUF_CONFIG_MAPPING is not a dict literal with string keys")


def _is_class_names(value: object) -> bool:
    """A processor table's value: a class name, a tuple of them or a {backend: name} dict, None for none."""
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, list | tuple):
        return all(item is None or isinstance(item, str) for item in value)
    return value is None or value is UNKNOWN_VALUE or isinstance(value, str)


def _is_str_mapping(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _read_version(sources: SourceFiles, path: Path) -> str:
    for statement in sources.tree(path).body:
        if (
            isinstance(statement, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in statement.targets)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        ):
            return statement.value.value
    raise TablesError(f'{path}: no `__version__ = "..."` assignment')


def _read_pipeline_tables(sources: SourceFiles, path: Path) -> dict[str, dict]:
    """SUPPORTED_TASKS' "pt" classes, TASK_ALIASES and REMOVED_TASKS from pipelines/__init__.py."""
    assignments = {
        target.id: statement.value
        for statement in sources.tree(path).body
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
            value = evaluate(assignments[variable], {})
        except Unevaluable:
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


def _read_loading_arguments(sources: SourceFiles, package_dir: Path) -> dict[str, object]:
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
    modeling, tokenization = sources.tree(modeling_path), sources.tree(tokenization_path)
    renamed: dict[str, str] = {}
    for tree in (modeling, sources.tree(package_dir / _PIPELINES_FILE)):
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


