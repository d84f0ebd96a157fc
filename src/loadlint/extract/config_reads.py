"""Where code reads a config file, and which of its keys a value is: a `FromConfig` to read later.

The forms: `yaml.safe_load(open(path))[...]`, the same through `with open(path) as f` and names bound
once (`cfg = ...; cfg["model"]["name"]`, `model_cfg = cfg["model"]`), `json.load`, `tomllib.load`,
`OmegaConf.load(path).model.name`, the parameter of a `@hydra.main(config_path=..., config_name=...)`
function, and `HfArgumentParser(...).parse_yaml_file(path)` / `parse_json_file` (whose dataclass field
takes the file's key of its name).  The path is a string the code spells out, possibly joined onto the
script's own folder (`Path(__file__).parent / "conf.yaml"`, `os.path.join(os.path.dirname(__file__),
...)`).  A config the code changes after reading it (`cfg["model"]["name"] = ...`, `cfg.update(...)`)
and a computed path or key are never guessed: their value is an `Unknown` saying why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from loadlint.extract.evaluate import keyword_name, source_of
from loadlint.facts import Alternative, FromConfig, Known, Span, Unknown

if TYPE_CHECKING:
    from loadlint.extract.follow import Follower

STREAM_READERS = {  # read an open file (or, for YAML, its text)
    "yaml.safe_load": "yaml", "yaml.load": "yaml", "yaml.full_load": "yaml", "yaml.unsafe_load": "yaml",
    "json.load": "json", "tomllib.load": "toml", "tomli.load": "toml",
}
TEXT_READERS = {"json.loads": "json", "tomllib.loads": "toml", "tomli.loads": "toml"}
PATH_READERS = {"omegaconf.OmegaConf.load": "yaml", "toml.load": "toml"}  # given the path itself
RECIPE_PARSERS = {"parse_yaml_file": ("yaml", "yaml_file"), "parse_json_file": ("json", "json_file")}
MUTATORS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "merge_with", "__setitem__", "__delitem__"})
OPENERS = frozenset({"builtins.open", "io.open", "open"})
FILE_NAMES = frozenset({"__file__"})


@dataclass(frozen=True)
class _Read:
    """A config read in the code: its reader, the values of its path, whether attributes are keys
    (OmegaConf, Hydra), the keys already applied, and the names that hold it (to see it changed)."""

    reader: str
    paths: tuple[tuple[str, bool] | Unknown, ...]
    attributes: bool = False
    keys: tuple[str | int | None, ...] = ()
    holders: tuple[cst.CSTNode, ...] = ()


def config_value(follower: Follower, node: cst.BaseExpression, depth: int) -> list[Alternative] | None:
    """The value `node` (a subscript or attribute chain) reads from a config file, or None when it
    reads none."""
    found = _keyed(follower, node, depth)
    if found is None:
        return None
    read, keys = found
    if not keys:
        return None
    if any(key is None for key in keys):
        return [Unknown("computed", f"`{_short(node)}`: a key of the config cannot be followed")]
    changed = _changed_holder(follower, read)
    if changed is not None:
        return [Unknown("computed", f"`{changed}` is changed by the code after it is read from its config file")]
    step = follower.step(node, f"`{_short(node)}` read from the config file")
    fallback = _get_default(follower, node, depth)
    return from_files(follower, list(read.paths), read.reader, tuple(keys), (step,), fallback)  # type: ignore[arg-type]


def _get_default(follower: Follower, node: cst.BaseExpression, depth: int) -> tuple[Known | Unknown, ...] | None:
    """The values of `default` in `config.get("key", default)`: what the load takes when the file
    has no such key (None where the code gives no default, or one that is not a plain value)."""
    if not (_is_get(node) and len(node.args) == 2):  # type: ignore[attr-defined]
        return None
    values = follower.alternatives(node.args[1].value, depth + 1)  # type: ignore[attr-defined]
    return tuple(values) if all(isinstance(value, Known | Unknown) for value in values) else None


def from_files(
    follower: Follower,
    paths: list[tuple[str, bool] | Unknown],
    reader: str,
    keys: tuple[str | int, ...],
    trace: tuple,
    fallback: tuple[Known | Unknown, ...] | None = None,
) -> list[Alternative]:
    """One `FromConfig` per path the file may have (a computed one is an `Unknown`)."""
    return [
        path if isinstance(path, Unknown)
        else FromConfig(follower.collector.path, path[0], path[1], keys, reader, fallback, trace)
        for path in paths
    ]


def recipe_paths(follower: Follower, call: cst.Call, depth: int) -> tuple[str, list[tuple[str, bool] | Unknown]] | None:
    """`parser.parse_yaml_file(path)` / `parse_json_file(path)`: its reader and the path's values."""
    assert isinstance(call.func, cst.Attribute)
    reader, keyword = RECIPE_PARSERS.get(call.func.attr.value, (None, None))
    if reader is None:
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    given = next((a.value for a in call.args if keyword_name(a) == keyword), positional[0] if positional else None)
    return (reader, path_values(follower, given, depth)) if given is not None else None


def path_values(follower: Follower, node: cst.BaseExpression, depth: int) -> list[tuple[str, bool] | Unknown]:
    """The values a config file's path may take: (path, whether it is relative to the script's folder)."""
    anchored = _anchored(follower, node, depth)
    if anchored is not None:
        return [anchored]
    bound = follower.evaluator.bound_value(node) if isinstance(node, cst.Name) else None
    if bound is not None and depth < 32:
        return path_values(follower, bound, depth + 1)
    if isinstance(node, cst.Call) and follower.collector.qualified_names(node.func) & {"pathlib.Path"}:
        return path_values(follower, node.args[0].value, depth + 1) if len(node.args) == 1 else [_computed(node)]
    found: list[tuple[str, bool] | Unknown] = []
    for alt in follower.alternatives(node, depth + 1):
        found.append((alt.value, False) if isinstance(alt, Known) and isinstance(alt.value, str) else _computed(node))
    return found


def _computed(node: cst.BaseExpression) -> Unknown:
    return Unknown("computed", f"the config file's path `{_short(node)}` is computed at run time")


def _short(node: cst.CSTNode) -> str:
    from loadlint.extract.follow import shorten

    return shorten(source_of(node))


def _anchored(follower: Follower, node: cst.BaseExpression, depth: int) -> tuple[str, bool] | None:
    """`Path(__file__).parent / "configs" / "x.yaml"` or `os.path.join(os.path.dirname(__file__), ...)`:
    the path below the script's folder."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        base, parts = node.left, [node.right]
    elif isinstance(node, cst.Call) and follower.collector.qualified_names(node.func) & {"os.path.join"} and node.args:
        base, parts = node.args[0].value, [a.value for a in node.args[1:]]
    else:
        return None
    below = "" if _is_script_folder(follower, base, depth) else (_anchored(follower, base, depth + 1) or (None,))[0]
    rest = [follower.literal(part, depth + 1) for part in parts]
    if below is None or not all(isinstance(part, str) for part in rest):
        return None
    return "/".join(filter(None, [below, *rest])), True  # type: ignore[list-item]


def _is_script_folder(follower: Follower, node: cst.BaseExpression, depth: int) -> bool:
    """`Path(__file__).parent` (through `.resolve()` / `.absolute()`), `os.path.dirname(__file__)`
    (through `abspath` / `realpath`), possibly through a name bound once."""
    bound = follower.evaluator.bound_value(node) if isinstance(node, cst.Name) else None
    if bound is not None and depth < 8:
        return _is_script_folder(follower, bound, depth + 1)
    if isinstance(node, cst.Attribute) and node.attr.value == "parent":
        return _is_script_path(follower, node.value)
    if isinstance(node, cst.Call) and follower.collector.qualified_names(node.func) & {"os.path.dirname"}:
        return len(node.args) == 1 and _is_script_path(follower, node.args[0].value)
    return False


def _is_script_path(follower: Follower, node: cst.BaseExpression) -> bool:
    names = follower.collector.qualified_names
    while isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("resolve", "absolute") and not node.args:
            node = func.value
        elif names(func) & {"pathlib.Path", "os.path.abspath", "os.path.realpath"} and len(node.args) == 1:
            node = node.args[0].value
        else:
            return False
    return isinstance(node, cst.Name) and node.value in FILE_NAMES


def _keyed(follower: Follower, node: cst.BaseExpression, depth: int) -> tuple[_Read, list[str | int | None]] | None:
    """The config read a chain of keys starts from, and the keys (None for one that is not constant)."""
    keys: list[str | int | None] = []
    attributes = False
    while depth < 32:
        if isinstance(node, cst.Attribute):
            keys.insert(0, node.attr.value)
            attributes, node = True, node.value
        elif isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            keys.insert(0, _key(follower, node.slice[0].slice.value, depth))
            node = node.value
        elif _is_get(node):
            assert isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            keys.insert(0, _key(follower, node.args[0].value, depth))
            node = node.func.value
        else:
            break
        depth += 1
    read = _read_of(follower, node, depth)
    if read is None or (attributes and not read.attributes):
        return None
    return read, [*read.keys, *keys]


def _key(follower: Follower, node: cst.BaseExpression, depth: int) -> str | int | None:
    key = follower.literal(node, depth + 1)
    return key if isinstance(key, str | int) and not isinstance(key, bool) else None


def _is_get(node: cst.BaseExpression) -> bool:
    """`config.get("key")` or `config.get("key", default)`: the key, read as a subscript."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
        and 1 <= len(node.args) <= 2
        and all(a.keyword is None for a in node.args)
    )


def _read_of(follower: Follower, node: cst.BaseExpression, depth: int) -> _Read | None:
    """The config read `node` holds: a reading call, or a name bound once to one (or to part of one)."""
    if depth > 32:
        return None
    if isinstance(node, cst.Name):
        binding = follower.evaluator.single_binding(node)
        if isinstance(binding, cst.Param):
            read = _hydra(follower, binding, depth)
        elif isinstance(binding, cst.Name) and binding in follower.collector.bound_values:
            found = _keyed(follower, follower.collector.bound_values[binding], depth + 1)
            read = dataclasses.replace(found[0], keys=tuple(found[1])) if found is not None else None
        else:
            read = None
        return dataclasses.replace(read, holders=(*read.holders, binding)) if read is not None else None
    if not isinstance(node, cst.Call) or not node.args:
        return None
    for name in follower.collector.qualified_names(node.func):
        if name in PATH_READERS:
            paths = path_values(follower, node.args[0].value, depth)
            return _Read(PATH_READERS[name], tuple(paths), attributes=name.startswith("omegaconf"))
        reader = STREAM_READERS.get(name) or TEXT_READERS.get(name)
        if reader is not None:
            opened = _opened(follower, node.args[0].value, name in TEXT_READERS or reader == "yaml", depth)
            return _Read(reader, tuple(path_values(follower, opened, depth))) if opened is not None else None
    return None


def _opened(follower: Follower, node: cst.BaseExpression, text: bool, depth: int) -> cst.BaseExpression | None:
    """The path a stream (`open(path)`, `path.open()`, a `with ... as f` name), or with `text` a file's
    text (`Path(path).read_text()`, `open(path).read()`), is read from."""
    if isinstance(node, cst.Name) and depth < 32:
        bound = follower.evaluator.bound_value(node) or _with_item(follower, node)
        return _opened(follower, bound, text, depth + 1) if bound is not None else None
    if not isinstance(node, cst.Call):
        return None
    func = node.func
    if follower.collector.qualified_names(func) & OPENERS or (isinstance(func, cst.Name) and func.value == "open"):
        return node.args[0].value if node.args else None
    if isinstance(func, cst.Attribute) and not node.args:
        if func.attr.value == "open" or (text and func.attr.value == "read_text"):
            return func.value
        if text and func.attr.value == "read":
            return _opened(follower, func.value, False, depth + 1)
    return None


def _with_item(follower: Follower, name: cst.Name) -> cst.BaseExpression | None:
    """What `with ... as f` gives `f` inside that statement's body, when `f` is bound more than once
    (one `f` per `with` block, as scripts do) and no other binding of it lies inside the block."""
    collector = follower.collector
    where = collector.span_of(name)
    bindings = follower.evaluator.bindings(name)
    opened = [
        binding
        for binding in bindings
        if isinstance(binding, cst.Name)
        and binding in collector.with_statements
        and _encloses(collector.span_of(collector.with_statements[binding]), where)
    ]
    if len(opened) != 1:
        return None
    block = collector.span_of(collector.with_statements[opened[0]])
    others = [binding for binding in bindings if binding is not opened[0] and binding is not None]
    if any(_encloses(block, collector.span_of(binding)) for binding in others):
        return None
    return collector.bound_values[opened[0]]


def _encloses(outer: Span, inner: Span) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (inner.end_line, inner.end_column) <= (
        outer.end_line, outer.end_column
    )


def _hydra(follower: Follower, param: cst.Param, depth: int) -> _Read | None:
    """The first parameter of a `@hydra.main(config_path=..., config_name=...)` function: the composed
    config, whose folder is relative to the script's (as Hydra resolves it)."""
    _, index, _, function = follower.collector.params[param]
    if index != 0:
        return None
    for decorator in function.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and follower.collector.qualified_names(call.func) & {"hydra.main"}:
            given = {keyword_name(a): follower.literal(a.value, depth + 1) for a in call.args if a.keyword}
            folder, name = given.get("config_path"), given.get("config_name")
            if not isinstance(folder, str) or not isinstance(name, str):
                unknown = Unknown("computed", "@hydra.main names no constant config_path and config_name")
                return _Read("hydra", (unknown,), attributes=True)
            file = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
            return _Read("hydra", ((f"{folder.rstrip('/')}/{file}", True),), attributes=True)
    return None


def _changed_holder(follower: Follower, read: _Read) -> str | None:
    """The name of a config object the code writes to (an item, an attribute, a mutating method), if any."""
    holders = set(read.holders)
    for target in follower.collector.item_writes:
        root = _root(target)
        if root is not None and follower.evaluator.single_binding(root) in holders:
            return root.value
    for call, _ in follower.collector.use_candidates:
        func = call.func
        receiver = func.value if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS else None
        if follower.collector.qualified_names(func) & {"omegaconf.OmegaConf.update"} and call.args:
            receiver = call.args[0].value
        root = _root(receiver) if receiver is not None else None
        if root is not None and follower.evaluator.single_binding(root) in holders:
            return root.value
    return None


def _root(node: cst.BaseExpression) -> cst.Name | None:
    while isinstance(node, cst.Subscript | cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None
