"""Read the config files that code reads, keeping where each value is written.

YAML goes through PyYAML's node-level load (`compose`), whose nodes carry their marks; JSON through
the stdlib decoder, whose own scanners then walk the validated text to the key's offset; TOML through
tomllib, which keeps no positions: a value's line is found by reading the file's prefixes with it.  Hydra's primary
config is composed with its defaults list, recursively: `defaults: [model: t5]` reads
`<config dir>/model/t5.yaml` into the key `model`.  PyYAML is imported only when a YAML file is read.
A file that cannot be read or parsed raises `ConfigFileError` with the one line to show.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

MAX_CONFIG_BYTES = 4 * 1024 * 1024  # a config larger than this is no hand-written recipe
MAX_HYDRA_DEPTH = 4  # nested defaults lists followed
MAX_TOML_SCAN = 400  # lines of a TOML file searched for a key's line
_ABSENT = object()
Key = str | int


class ConfigFileError(Exception):
    """A config file that cannot be read or parsed: the message names the file and the problem."""


@dataclass(frozen=True)
class Located:
    """A value in a config file, and where it is written (1-based line and column)."""

    value: object
    path: str
    line: int
    column: int


class Document:
    """One config file, parsed: `find(keys)` is the value the keys lead to, None when one is absent."""

    def __init__(self, path: str, reader: str, text: str) -> None:
        self.path = path
        self._find = {"yaml": _yaml_finder, "json": _json_finder, "toml": _toml_finder}[reader](path, text)

    def find(self, keys: tuple[Key, ...]) -> Located | None:
        return self._find(keys)


class Composed:
    """Hydra's composed config: documents placed at key prefixes, each overriding those before it."""

    def __init__(self, layers: list[tuple[tuple[Key, ...], Document]]) -> None:
        self.layers = layers

    def find(self, keys: tuple[Key, ...]) -> Located | None:
        for prefix, document in reversed(self.layers):
            if keys[: len(prefix)] == prefix and len(keys) > len(prefix):
                found = document.find(keys[len(prefix) :])
                if found is not None:
                    return found
        return None


def read_text(path: str) -> str:
    """A config file's text (UTF-8, a BOM dropped)."""
    try:
        size = os.stat(path).st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigFileError(f"{path}: {size} bytes is too large for a config file")
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigFileError(f"{path}: cannot decode the file as utf-8: {exc.reason}") from None


def read_document(path: str, reader: str) -> Document | Composed:
    """The parsed file (for "hydra", the composition it heads)."""
    if reader == "hydra":
        return Composed(_hydra_layers(path, (), 0))
    return Document(path, reader, read_text(path))


# --- YAML ------------------------------------------------------------------------------------------
def _yaml_finder(path: str, text: str):
    import yaml  # only when a YAML config is read

    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: does not parse as YAML: {_yaml_problem(exc)}") from None
    finally:
        loader.dispose()

    def find(keys: tuple[Key, ...]) -> Located | None:
        node = root
        for key in keys:
            node = _yaml_child(node, key) if node is not None else None
        if node is None:
            return None
        try:
            value = loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise ConfigFileError(f"{path}: does not parse as YAML: {_yaml_problem(exc)}") from None
        return Located(value, path, node.start_mark.line + 1, node.start_mark.column + 1)

    return find


def _yaml_child(node: Any, key: Key, depth: int = 0) -> Any:
    """The node under `key`: the last of a mapping's duplicate keys (as PyYAML keeps), then `<<` merges."""
    import yaml

    if isinstance(node, yaml.SequenceNode) and isinstance(key, int):
        return node.value[key] if -len(node.value) <= key < len(node.value) else None
    if not isinstance(node, yaml.MappingNode):
        return None
    found = None
    merged = []
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
            found = value_node
        elif key_node.tag == "tag:yaml.org,2002:merge" and depth < MAX_HYDRA_DEPTH:
            merged += value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
    for source in merged if found is None else ():
        found = _yaml_child(source, key, depth + 1)
        if found is not None:
            break
    return found


def _yaml_problem(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else problem


# --- JSON ------------------------------------------------------------------------------------------
def _json_finder(path: str, text: str):
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise ConfigFileError(f"{path}: does not parse as JSON: {problem}") from None
    decoder = json.JSONDecoder()

    def find(keys: tuple[Key, ...]) -> Located | None:
        offset: int | None = _json_skip(text, 0)
        for key in keys:
            offset = _json_child(decoder, text, offset, key)
            if offset is None:
                return None
        value, _ = decoder.raw_decode(text, offset)
        line_start = text.rfind("\n", 0, offset) + 1
        return Located(value, path, text.count("\n", 0, offset) + 1, offset - line_start + 1)

    return find


def _json_skip(text: str, offset: int) -> int:
    return json.decoder.WHITESPACE.match(text, offset).end()  # type: ignore[union-attr]


def _json_child(decoder: json.JSONDecoder, text: str, offset: int, key: Key) -> int | None:
    """The offset of the value under `key` in the object or array at `offset` (valid JSON: the last of
    duplicate keys, as `json.loads` keeps), or None."""
    opening = text[offset : offset + 1]
    if opening not in ("{", "[") or (opening == "{") != isinstance(key, str):
        return None
    found, index = None, 0
    offset = _json_skip(text, offset + 1)
    while text[offset] not in "}]":
        if opening == "{":
            name, offset = json.decoder.scanstring(text, offset + 1)
            offset = _json_skip(text, _json_skip(text, offset) + 1)  # past the colon
            found = offset if name == key else found
        else:
            found = offset if index == key else found
            index += 1
        _, offset = decoder.raw_decode(text, offset)
        offset = _json_skip(text, offset)
        offset = _json_skip(text, offset + 1) if text[offset] == "," else offset
    return found


# --- TOML ------------------------------------------------------------------------------------------
def _toml_finder(path: str, text: str):
    """tomllib keeps no positions: a value's line is that of the shortest prefix of the file that
    tomllib reads with the key in it (where its definition ends); past `MAX_TOML_SCAN` lines, line 1."""
    try:
        data: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(f"{path}: does not parse as TOML: {exc}") from None
    lines = text.splitlines()

    def find(keys: tuple[Key, ...]) -> Located | None:
        value = _toml_value(data, keys)
        if value is _ABSENT:
            return None
        for end in range(1, len(lines) + 1 if len(lines) <= MAX_TOML_SCAN else 1):
            try:
                if _toml_value(tomllib.loads("\n".join(lines[:end])), keys) == value:
                    return Located(value, path, end, 1)
            except tomllib.TOMLDecodeError:
                continue
        return Located(value, path, 1, 1)

    return find


def _toml_value(data: object, keys: tuple[Key, ...]) -> object:
    for key in keys:
        try:
            data = data[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return _ABSENT
    return data


# --- Hydra -----------------------------------------------------------------------------------------
def _hydra_layers(path: str, prefix: tuple[Key, ...], depth: int) -> list[tuple[tuple[Key, ...], Document]]:
    """The documents a Hydra config is composed of, in order (a later one overrides): each entry of its
    defaults list (`group: option` under the key `group`, a plain name at the same level), and the
    file itself where `_self_` stands (last when it is not listed, as Hydra 1.1 does)."""
    document = Document(path, "yaml", read_text(path))
    defaults = document.find(("defaults",))
    entries = defaults.value if defaults is not None and isinstance(defaults.value, list) else []
    folder = os.path.dirname(path)
    layers: list[tuple[tuple[Key, ...], Document]] = []
    own = (prefix, document)
    for entry in entries if depth < MAX_HYDRA_DEPTH else ():
        if entry == "_self_":
            layers.append(own)
        elif isinstance(entry, str):
            layers += _hydra_layers(os.path.join(folder, f"{entry}.yaml"), prefix, depth + 1)
        elif isinstance(entry, dict) and len(entry) == 1:
            [(group, option)] = entry.items()
            group = str(group).removeprefix("override ").strip()
            if isinstance(option, str):
                package = group.partition("@")[2] or group.replace("/", ".")
                keys = tuple(part for part in package.split(".") if part != "_global_")
                where = os.path.join(folder, group.partition("@")[0], f"{option}.yaml")
                layers += _hydra_layers(where, (*prefix, *keys), depth + 1)
    if own not in layers:
        layers.append(own)
    return layers
