"""The model classes every model package of transformers exports, and their config classes, read
from the source text (not parsed: the modeling files are 25 MB, which `ast` takes seconds over).

transformers 5 exports what each `models/<name>/modeling_<name>.py` lists in its `__all__`
(`define_import_structure`).  A model class is an exported class whose bases lead to
`PreTrainedModel`; its config class is what `PreTrainedModel.__init_subclass__` picks: the class's
own `config_class = X`, else its own `config: X` annotation, else its first base's.  Of each config
class (`configuration_<name>.py`) the class-level `model_type`, `base_config_key` (a sub-config that
`PreTrainedConfig.from_pretrained` reads out of a composite checkpoint's config; a class with its own
`from_pretrained` counts too) and whether it declares `sub_configs_defaults` (or the older
`sub_configs`: a composite config, whose nested configs the same method searches for a matching
model_type) are read, inherited along the bases the same way.

Only class-level lines at the class's own indentation are read; a class whose body cannot be read
that way simply has an unknown config class (None), which gives no verdict, never a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from loadlint.tables.inputs import SourceFiles
from loadlint.tables.model import TablesError

_MODELS_DIR = Path("models")
_ALL = re.compile(r"__all__\s*=\s*\[")  # matched where a line starts with it
_CLASS = re.compile(r"class (\w+)(?:\(([^)]*)\))?:")  # matched where a line starts with `class `
# The newline before a line that starts a top-level statement (a literal first: re scans for it fast).
_TOP_LEVEL = re.compile(r"\n(?=[^\s#)\]}])")
_CONFIG_ATTRIBUTE = re.compile(r"^    config_class\s*=\s*(\w+)\s*$", re.MULTILINE)
_CONFIG_ANNOTATION = re.compile(r"^    config\s*:\s*[\"']?(\w+)[\"']?\s*$", re.MULTILINE)
_MODEL_TYPE = re.compile(r"^    model_type\s*(?::\s*\w+\s*)?=\s*[\"']([^\"']+)[\"']\s*$", re.MULTILINE)
# `base_config_key = "text_config"` (or a list of keys); a class that defines its own `from_pretrained`
# reads the checkpoint's config its own way: both take part of a composite config, never judged.
_BASE_CONFIG_KEY = re.compile(
    r"^    (?:base_config_key\s*(?::[^=]*)?=\s*(?![\"']{2}|None\b|\[\s*\])(\S.*?)|def (from_pretrained))\(?",
    re.MULTILINE,
)
_SUB_CONFIGS = re.compile(r"^    sub_configs(?:_defaults)?\s*(?::[^=]*)?=\s*(\{\s*\}|dict\(\s*\))?", re.MULTILINE)
_ROOT_MODEL = "PreTrainedModel"
_STRING = re.compile(r"""["']([A-Za-z_]\w*)["']""")
_NAMES_LIST_REST = re.compile(r"[,\s]|#[^\n]*")  # what may stand between the names of `__all__`


@dataclass
class _Class:
    """A class's bases, and where its body is in the file's text (kept whole, never copied out)."""

    bases: tuple[str, ...]
    text: str
    start: int
    end: int

    def search(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.search(self.text, self.start, self.end)


@dataclass
class ModelClassTables:
    """What `Tables` keeps of the model packages."""

    model_classes: dict[str, str | None] = field(default_factory=dict)  # exported model class -> config class
    config_model_types: dict[str, str] = field(default_factory=dict)  # config class -> its class-level model_type
    # config classes with a non-empty base_config_key, or their own from_pretrained
    sub_config_classes: frozenset[str] = frozenset()
    composite_config_classes: frozenset[str] = frozenset()  # config classes that declare sub_configs


def read_model_classes(sources: SourceFiles, package_dir: Path) -> ModelClassTables:
    models_dir = package_dir / _MODELS_DIR
    exported: set[str] = set()
    model_defs: dict[str, _Class] = {}
    config_defs: dict[str, _Class] = {}
    for folder in sources.folders(models_dir):
        for module in sources.module_names(models_dir / folder):
            if module.startswith("modeling_"):
                text = sources.text(models_dir / folder / f"{module}.py")
                exported.update(_exported(text, models_dir / folder / f"{module}.py"))
                _classes(text, model_defs)
            elif module.startswith("configuration_"):
                _classes(sources.text(models_dir / folder / f"{module}.py"), config_defs)
    tables = ModelClassTables()
    tables.model_classes = {
        name: _config_class(name, model_defs, set())
        for name in sorted(exported)
        if name in model_defs and _is_model(name, model_defs, set())
    }
    tables.config_model_types = {
        name: model_type for name in config_defs if (model_type := _inherited(name, config_defs, _MODEL_TYPE, set()))
    }
    tables.sub_config_classes = frozenset(
        name for name in config_defs if _inherited(name, config_defs, _BASE_CONFIG_KEY, set())
    )
    tables.composite_config_classes = frozenset(
        name for name in config_defs if _declares_sub_configs(name, config_defs, set())
    )
    return tables


def _exported(text: str, path: Path) -> list[str]:
    """The names of the module's top-level `__all__ = [...]` (the last one, as at run time): a list
    of string literals, read without compiling it (a thousand small parses cost a tenth of a second)."""
    line = text.rfind("\n__all__")
    match = _ALL.match(text, line + 1) if line >= 0 else _ALL.match(text)
    if match is None:
        return []
    start = match.end()
    end = text.find("]", start)
    items = text[start:end]
    if end < 0 or _NAMES_LIST_REST.sub("", _STRING.sub("", items)).strip():
        raise TablesError(f"{path}: __all__ is not a list literal of names")
    return _STRING.findall(items)


def _classes(text: str, into: dict[str, _Class]) -> None:
    """Each top-level class of the file: its bases (the last dotted part of each) and the text of its
    body up to the next top-level statement; the first definition of a name wins."""
    for match in _class_lines(text):
        following = _TOP_LEVEL.search(text, match.end())
        bases = tuple(
            base.strip().rpartition(".")[2]
            for base in (match.group(2) or "").split(",")
            if base.strip() and "=" not in base
        )
        end = following.start() + 1 if following else len(text)
        into.setdefault(match.group(1), _Class(bases, text, match.end(), end))


def _class_lines(text: str) -> list[re.Match[str]]:
    """The `class X(...):` lines of the file, found with `str.find` (a regex over 25 MB of modeling
    code costs a tenth of a second more)."""
    starts = [0] if text.startswith("class ") else []
    at = text.find("\nclass ")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\nclass ", at + 1)
    return [match for start in starts if (match := _CLASS.match(text, start))]


def _is_model(name: str, defs: dict[str, _Class], seen: set[str]) -> bool:
    if name == _ROOT_MODEL or name in seen or name not in defs:
        return name == _ROOT_MODEL
    seen.add(name)
    return any(_is_model(base, defs, seen) for base in defs[name].bases)


def _config_class(name: str, defs: dict[str, _Class], seen: set[str]) -> str | None:
    """`PreTrainedModel.__init_subclass__`'s choice: own attribute, own annotation, then inherited."""
    found = defs.get(name)
    if found is None or name in seen:
        return None
    seen.add(name)
    for pattern in (_CONFIG_ATTRIBUTE, _CONFIG_ANNOTATION):
        match = found.search(pattern)
        if match:
            return match.group(1)
    for base in found.bases:
        if base != _ROOT_MODEL and (inherited := _config_class(base, defs, seen)) is not None:
            return inherited
    return None


def _inherited(name: str, defs: dict[str, _Class], pattern: re.Pattern[str], seen: set[str]) -> str | None:
    """A class-level string attribute, own or of the first base that sets it (method resolution order
    for single inheritance, which is what configuration classes use)."""
    found = defs.get(name)
    if found is None or name in seen:
        return None
    seen.add(name)
    match = found.search(pattern)
    if match:
        return next(group for group in match.groups() if group is not None)
    return next((value for base in found.bases if (value := _inherited(base, defs, pattern, seen))), None)


def _declares_sub_configs(name: str, defs: dict[str, _Class], seen: set[str]) -> bool:
    found = defs.get(name)
    if found is None or name in seen:
        return False
    seen.add(name)
    match = found.search(_SUB_CONFIGS)
    if match:
        return match.group(1) is None  # `sub_configs = {}` declares none
    return any(_declares_sub_configs(base, defs, seen) for base in found.bases)
