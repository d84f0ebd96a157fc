"""`[tool.loadlint]` configuration: finding it, validating it, and what it decides for a run.

Like Ruff: each file's rules come from its closest `pyproject.toml` that has a `[tool.loadlint]` table
(no merging between configs); `--config FILE` (a pyproject.toml, or a loadlint.toml whose top level
is the table) applies to every file instead.  The run-wide values (resolver settings, `transformers`,
`output-format`, which files to check) come from `--config FILE`, else from the config found for the
first path, else the defaults.

Rule selection: start from `select` (default: every rule whose `default_enabled` is true), add
`extend-select`, remove `ignore`, then remove the file's matching `per-file-ignores`.  A selector is
`ALL`, a code (`LL001`), a code prefix (`LL0`) or a rule name (`wrong-auto-class`); `ALL` and prefixes
take every rule they match, opt-in rules included (as Ruff's `ALL` does): opt-in only means "not in
the default selection".  A `--select` on the command line replaces the config's whole selection
(its `select`, `extend-select` and `ignore`, as in Ruff); `--extend-select` and `--ignore` add to
whichever selection is in force.  `per-file-ignores` globs and `exclude` patterns use gitignore
semantics relative to the config's folder: a pattern without a slash matches a name at any depth.

Wiring (cli.py / engine.py):

    run = settings_for_run(paths, config_file, CliOverrides(select=select, ignore=ignore))
    settings = run.settings.overridden_by(RunSettings(offline=offline or None, timeout=timeout))
    files = list(checked_files(paths, run.discovery))
    codes = run.codes_for(path)  # per file; may raise ConfigError for an invalid nested config
    rules = [rule for rule in ALL_RULES if rule.code in codes]

Every problem is a `ConfigError` whose one-line message names the file (or the option) and the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadlint.discover import (
    DEFAULT_EXCLUDE,
    DEFAULT_INCLUDE,
    LANGUAGES,
    LOCKFILE_NAME,
    DiscoveryOptions,
    PathPatterns,
)
from loadlint.limits import parse_size
from loadlint.report import FORMATS
from loadlint.rules import ALL_RULES, Rule
from loadlint.source import TomlError, read_toml

PYPROJECT = "pyproject.toml"
# The files whose change changes what a run decides: its configuration, and the facts it pins.
SETTINGS_FILES = frozenset({PYPROJECT, "loadlint.toml", LOCKFILE_NAME})
OUTPUT_FORMATS = tuple(FORMATS)
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(Exception):
    """An unreadable or invalid configuration, or a bad rule selector on the command line."""


def parse_duration(value: str) -> float:
    """'90', '90s', '30m', '24h' or '7d' as seconds."""
    match = DURATION.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a duration such as 3600, 30m, 24h or 7d")
    return float(match.group(1)) * DURATION_UNITS[match.group(2)]


@dataclass(frozen=True)
class RunSettings:
    """The values that apply to the whole run; None where unset, so a command-line flag can win."""

    offline: bool | None = None
    lockfile: Path | None = None
    cache_ttl: float | None = None  # seconds
    timeout: float | None = None  # seconds
    transformers: Path | None = None
    output_format: str | None = None
    max_file_size: int | None = None  # bytes
    file_timeout: float | None = None  # seconds

    def overridden_by(self, cli: RunSettings) -> RunSettings:
        """These settings with every value `cli` sets replacing the config's."""
        given = {item.name: getattr(cli, item.name) for item in dataclasses.fields(cli)}
        return dataclasses.replace(self, **{name: value for name, value in given.items() if value is not None})


@dataclass(frozen=True)
class Config:
    """One validated `[tool.loadlint]` table; `path` None is the defaults (no config file)."""

    path: Path | None = None
    select: tuple[str, ...] | None = None  # None: the default rules
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, selectors), in file order
    exclude: tuple[str, ...] | None = None  # None: DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    include: tuple[str, ...] | None = None  # None: DEFAULT_INCLUDE
    extend_include: tuple[str, ...] = ()
    extension: tuple[tuple[str, str], ...] = ()  # (suffix, language), as `--extension` takes them
    recipes: tuple[str, ...] = ()  # YAML training recipes to check (opt-in): glob patterns
    settings: RunSettings = RunSettings()

    @property
    def folder(self) -> Path:
        """What relative paths and patterns in the config are relative to."""
        return self.path.parent if self.path else Path.cwd()


@dataclass(frozen=True)
class CliOverrides:
    """What the command line says about selection and discovery; an item may hold comma-separated values."""

    select: Sequence[str] | None = None  # replaces the config's whole selection
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    force_exclude: bool = False
    extension: Sequence[str] = ()  # `--extension ipy:ipynb`, as Ruff's


def find_config(start: Path) -> Path | None:
    """The nearest `pyproject.toml` with a `[tool.loadlint]` table at or above `start` (a file or folder)."""
    return _ConfigFinder().nearest(_folder_of(start)).path


def load_config(path: Path) -> Config:
    """Read and validate a pyproject.toml's `[tool.loadlint]`, or a loadlint.toml's top level."""
    table = _loadlint_table(path)
    if table is None:
        raise ConfigError(f"{_display(path)}: no [tool.loadlint] table")
    return _parse(path, table)


def _folder_of(start: Path) -> Path:
    absolute = Path(os.path.abspath(start))
    return absolute if os.path.isdir(absolute) else absolute.parent  # os.path: never raises


def _display(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else as it is."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_pyproject(path: Path) -> bool:
    return path.name == PYPROJECT


def _where(path: Path) -> str:
    """How a message starts: the file, and the table when it is not the whole file."""
    return f"{_display(path)}: " + ("[tool.loadlint] " if _is_pyproject(path) else "")


def _loadlint_table(path: Path) -> dict[str, Any] | None:
    """The `[tool.loadlint]` table of a pyproject.toml (None without one), or a loadlint.toml's top level."""
    try:
        data = read_toml(path)
    except TomlError as exc:
        raise ConfigError(f"{_display(path)}: {exc}") from None
    if not _is_pyproject(path):
        return data
    tool = data.get("tool")
    table = tool.get("loadlint") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [tool.loadlint] must be a table, got {_shown(table)}")
    return table


class _ConfigFinder:
    """Each folder's closest config, each pyproject.toml read at most once."""

    def __init__(self) -> None:
        self._by_folder: dict[Path, Config] = {}

    def nearest(self, folder: Path) -> Config:
        if folder not in self._by_folder:
            candidate = folder / PYPROJECT
            table = _loadlint_table(candidate) if os.path.isfile(candidate) else None  # an unreadable folder: none
            if table is not None:
                self._by_folder[folder] = _parse(candidate, table)
            else:
                self._by_folder[folder] = Config() if folder.parent == folder else self.nearest(folder.parent)
        return self._by_folder[folder]


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse(path: Path, table: Mapping[str, Any]) -> Config:
    """Validate every key and value of the table into a Config."""
    where = _where(path)
    folder = path.parent
    values: dict[str, Any] = {}
    for key, value in table.items():
        parser = _KEYS.get(key)
        if parser is None:
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(_KEYS)}"
            raise ConfigError(f"{where}unknown key {key!r}{hint}")
        try:
            values[key.replace("-", "_")] = parser(value, folder)
        except ValueError as exc:
            raise ConfigError(f"{where}{key!r} {exc}") from None
    settings = {name: values.pop(name) for name in list(values) if name in _RUN_SETTINGS}
    return Config(path=path, settings=RunSettings(**settings), **values)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"must be a list of {what}, got {_shown(value)}")
    return tuple(value)


def _extensions(value: object, _folder: Path) -> tuple[tuple[str, str], ...]:
    """`extension = { ipy = "ipynb" }`: a table from file suffix to language."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a table from file suffix to language, got {_shown(value)}")
    return tuple(extension_mapping(f"{suffix}:{language}") for suffix, language in value.items())


def extension_mapping(text: str) -> tuple[str, str]:
    """`ipy:ipynb` as (`ipy`, `ipynb`); ValueError naming the languages for anything else."""
    suffix, _, language = text.partition(":")
    suffix = suffix.strip().lstrip(".")
    if not suffix or language.strip() not in LANGUAGES:
        raise ValueError(f"must map a file suffix to one of {', '.join(LANGUAGES)} (such as 'ipy:ipynb'), got {text!r}")
    return suffix, language.strip()


def _selectors(value: object, _folder: Path) -> tuple[str, ...]:
    selectors = _strings(value, "rule codes, prefixes or names")
    for selector in selectors:
        rules_matching(selector, ALL_RULES)
    return selectors


def _patterns(value: object, _folder: Path) -> tuple[str, ...]:
    patterns = _strings(value, "glob patterns")
    _compile(patterns)
    return patterns


def _compile(patterns: Sequence[str]) -> None:
    for pattern in patterns:
        try:
            PathPatterns.parse(".", [pattern])
        except ValueError as exc:
            raise ValueError(f"has an invalid pattern {pattern!r}: {exc}") from None
        if not pattern.strip():
            raise ValueError("has an empty pattern")


def _per_file_ignores(value: object, _folder: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ValueError(f"must be a table of glob = [rule codes], got {_shown(value)}")
    entries = []
    for glob, selectors in value.items():
        _compile([glob.removeprefix("!")])
        try:
            entries.append((glob, _selectors(selectors, _folder)))
        except ValueError as exc:
            raise ValueError(f"{glob!r}: {exc}") from None
    return tuple(entries)


def _boolean(value: object, _folder: Path) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {_shown(value)}")
    return value


def _path(value: object, folder: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a path, got {_shown(value)}")
    return folder / value


def _duration(value: object, _folder: Path) -> float:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"must be a duration such as 3600, '30m', '24h' or '7d', got {_shown(value)}")
    return float(value)


def _positive(value: object, _folder: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"must be a positive number of seconds, got {_shown(value)}")
    return float(value)


def _size(value: object, _folder: Path) -> int:
    if isinstance(value, str):
        size = parse_size(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        size = value
    else:
        raise ValueError(f"must be a size such as '4MB', '512KB' or 4194304, got {_shown(value)}")
    if size <= 0:
        raise ValueError(f"must be a positive size, got {_shown(value)}")
    return size


def _output_format(value: object, _folder: Path) -> str:
    if value not in OUTPUT_FORMATS:
        raise ValueError(f"must be one of {', '.join(OUTPUT_FORMATS)}, got {_shown(value)}")
    return str(value)


# Each key's parser turns a TOML value into the Config field, or raises ValueError saying what is wrong.
_KEYS: dict[str, Callable[[object, Path], Any]] = {
    "select": _selectors,
    "extend-select": _selectors,
    "ignore": _selectors,
    "per-file-ignores": _per_file_ignores,
    "exclude": _patterns,
    "extend-exclude": _patterns,
    "include": _patterns,
    "extend-include": _patterns,
    "extension": _extensions,
    "recipes": _patterns,
    "offline": _boolean,
    "lockfile": _path,
    "cache-ttl": _duration,
    "timeout": _positive,
    "transformers": _path,
    "output-format": _output_format,
    "max-file-size": _size,
    "file-timeout": _positive,
}
_RUN_SETTINGS = {item.name for item in dataclasses.fields(RunSettings)}


def rules_matching(selector: str, rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """The rules a selector names: `ALL`, a code, a code prefix or a rule name; ValueError if none."""
    matched = tuple(
        rule
        for rule in rules
        if selector == "ALL" or (selector and rule.code.startswith(selector)) or rule.name == selector
    )
    if not matched:
        known = [*(rule.code for rule in rules), *(rule.name for rule in rules)]
        close = difflib.get_close_matches(selector, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown rule selector {selector!r}{hint}")
    return matched


class RuleSelection:
    """The rule codes one config (plus the command line) selects, and per file after `per-file-ignores`."""

    def __init__(self, config: Config, overrides: CliOverrides = CliOverrides(), rules: Sequence[Rule] = ALL_RULES):
        def codes(selectors: Sequence[str], where: str) -> frozenset[str]:
            try:
                return frozenset(rule.code for selector in selectors for rule in rules_matching(selector, rules))
            except ValueError as exc:
                raise ConfigError(f"{where}: {exc}") from None

        label = _where(config.path) if config.path else ""
        cli_select = _split(overrides.select) if overrides.select is not None else None
        if cli_select is not None:
            selected = codes(cli_select, "--select")
        elif config.select is not None:
            selected = codes(config.select, f"{label}'select'")
        else:
            selected = frozenset(rule.code for rule in rules if rule.default_enabled)
        if cli_select is None:
            selected |= codes(config.extend_select, f"{label}'extend-select'")
            selected -= codes(config.ignore, f"{label}'ignore'")
        selected |= codes(_split(overrides.extend_select), "--extend-select")
        self.codes: frozenset[str] = selected - codes(_split(overrides.ignore), "--ignore")
        self._per_file = [
            (glob.startswith("!"), PathPatterns.parse(config.folder, [glob.removeprefix("!")]),
             codes(selectors, f"{label}'per-file-ignores' {glob!r}"))
            for glob, selectors in config.per_file_ignores
        ]

    def codes_for(self, path: str | Path) -> frozenset[str]:
        """The codes to check `path` with; a `!glob` entry applies to the files the glob does not match."""
        absolute = os.path.abspath(path)
        ignored = [codes for negated, glob, codes in self._per_file if glob.matches(absolute) != negated]
        return self.codes.difference(*ignored)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    """`--select LL001,LL002 --select LL003` as three selectors."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@dataclass
class RunConfig:
    """What the configuration decides for one run; built by `settings_for_run`."""

    config: Config  # the run-wide config: `--config FILE`, else the first path's closest, else defaults
    discovery: DiscoveryOptions
    overrides: CliOverrides
    fixed: bool  # `--config FILE`: that config selects the rules of every file
    _finder: _ConfigFinder = field(default_factory=_ConfigFinder, repr=False)
    _selections: dict[Path | None, RuleSelection] = field(default_factory=dict, repr=False)

    @property
    def settings(self) -> RunSettings:
        """The run-wide values, None where unset."""
        return self.config.settings

    def codes_for(self, path: str | Path) -> frozenset[str]:
        """The rule codes for one file, from its closest config (or the fixed one)."""
        config = self.config if self.fixed else self._finder.nearest(Path(os.path.abspath(path)).parent)
        return self.selection(config).codes_for(path)

    def selection(self, config: Config) -> RuleSelection:
        if config.path not in self._selections:
            self._selections[config.path] = RuleSelection(config, self.overrides)
        return self._selections[config.path]


def settings_for_run(
    paths: Sequence[str], config_file: Path | None = None, overrides: CliOverrides = CliOverrides()
) -> RunConfig:
    """The run's configuration; the command line's selectors are validated here, once."""
    finder = _ConfigFinder()
    if config_file is not None:
        config = load_config(config_file)
    else:
        config = finder.nearest(_folder_of(Path(paths[0] if paths else ".")))
    exclude = DEFAULT_EXCLUDE if config.exclude is None else config.exclude
    include = DEFAULT_INCLUDE if config.include is None else config.include
    try:
        extension = (*config.extension, *(extension_mapping(item) for item in _split(overrides.extension)))
    except ValueError as exc:
        raise ConfigError(f"--extension {exc}") from None
    run = RunConfig(
        config=config,
        discovery=DiscoveryOptions(
            exclude=(*exclude, *config.extend_exclude), root=config.folder, force_exclude=overrides.force_exclude,
            include=(*include, *config.extend_include), extension=extension, recipes=config.recipes,
        ),
        overrides=overrides,
        fixed=config_file is not None,
        _finder=finder,
    )
    run.selection(config)
    return run
