"""`[tool.loadlint]`: discovery, every key, every error, rule selection and the run-wide settings."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadlint.cli import options as cli_options
from loadlint.config import (
    OUTPUT_FORMATS,
    CliOverrides,
    Config,
    ConfigError,
    RuleSelection,
    RunSettings,
    find_config,
    load_config,
    parse_duration,
    settings_for_run,
)
from loadlint.discover import DEFAULT_EXCLUDE, checked_files
from loadlint.rules import ALL_RULES, Rule


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path) -> Iterator[None]:
    """Every test runs in its own folder, so messages name files relative to it."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield
    os.chdir(cwd)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def pyproject(folder: Path, body: str) -> Path:
    return write(folder / "pyproject.toml", f"[project]\nname = 'x'\n\n[tool.loadlint]\n{body}\n")


# --- discovery --------------------------------------------------------------------------------------


def test_find_config_takes_the_nearest_pyproject_with_a_loadlint_table(tmp_path: Path) -> None:
    outer = pyproject(tmp_path, "offline = true")
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")  # no [tool.loadlint]: skipped
    inner = pyproject(tmp_path / "pkg" / "sub", "offline = false")
    write(tmp_path / "pkg" / "sub" / "deep" / "app.py", "")
    assert find_config(tmp_path / "pkg") == outer
    assert find_config(tmp_path / "pkg" / "mod.py") == outer
    assert find_config(tmp_path / "pkg" / "sub" / "deep" / "app.py") == inner
    assert find_config(tmp_path / "pkg" / "sub") == inner


def test_find_config_without_any(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path) is None


# --- every key --------------------------------------------------------------------------------------


def test_every_key_is_parsed(tmp_path: Path) -> None:
    path = pyproject(
        tmp_path,
        """
select = ["LL0", "wrong-auto-class"]
extend-select = ["LL001"]
ignore = ["LL003"]
exclude = ["legacy/"]
extend-exclude = ["/scratch.py"]
offline = true
lockfile = "locks/loadlint.lock"
cache-ttl = "30m"
timeout = 2.5
transformers = "../env/transformers"
output-format = "sarif"

[tool.loadlint.per-file-ignores]
"tests/*" = ["LL001", "partial-load"]
"__init__.py" = ["ALL"]
""",
    )
    config = load_config(path)
    assert config.path == path
    assert config.folder == tmp_path
    assert config.select == ("LL0", "wrong-auto-class")
    assert config.extend_select == ("LL001",)
    assert config.ignore == ("LL003",)
    assert config.per_file_ignores == (("tests/*", ("LL001", "partial-load")), ("__init__.py", ("ALL",)))
    assert config.exclude == ("legacy/",)
    assert config.extend_exclude == ("/scratch.py",)
    assert config.settings == RunSettings(
        offline=True,
        lockfile=tmp_path / "locks" / "loadlint.lock",
        cache_ttl=1800.0,
        timeout=2.5,
        transformers=tmp_path / ".." / "env" / "transformers",
        output_format="sarif",
    )


def test_unset_keys_stay_none(tmp_path: Path) -> None:
    config = load_config(pyproject(tmp_path, ""))
    assert config.settings == RunSettings()
    assert config.select is None and config.exclude is None


@pytest.mark.parametrize(("value", "seconds"), [("3600", 3600.0), ("90s", 90.0), ("1.5h", 5400.0), ("7d", 604800.0)])
def test_cache_ttl_duration_strings(tmp_path: Path, value: str, seconds: float) -> None:
    assert load_config(pyproject(tmp_path, f'cache-ttl = "{value}"')).settings.cache_ttl == seconds


def test_cache_ttl_number_of_seconds(tmp_path: Path) -> None:
    assert load_config(pyproject(tmp_path, "cache-ttl = 120")).settings.cache_ttl == 120.0


@pytest.mark.parametrize("name", OUTPUT_FORMATS)
def test_every_output_format(tmp_path: Path, name: str) -> None:
    assert load_config(pyproject(tmp_path, f'output-format = "{name}"')).settings.output_format == name


def test_loadlint_toml_is_the_table_itself(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "ci" / "loadlint.toml", 'select = ["LL001"]\ntimeout = 3\n'))
    assert config.select == ("LL001",)
    assert config.settings.timeout == 3.0
    assert config.folder == tmp_path / "ci"


# --- every error ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('selct = ["LL001"]', "pyproject.toml: [tool.loadlint] unknown key 'selct' (did you mean 'select'?)"),
        ("extend_select = []", "unknown key 'extend_select' (did you mean 'extend-select'?)"),
        ("frobnicate = 1", "unknown key 'frobnicate'; known keys: select, extend-select"),
        ('select = "LL001"', "[tool.loadlint] 'select' must be a list of rule codes, prefixes or names, got 'LL001'"),
        ("ignore = [1]", "'ignore' must be a list of rule codes, prefixes or names, got [1]"),
        ('select = ["LL999"]', "'select' unknown rule selector 'LL999'"),
        ('extend-select = ["ll001"]', "'extend-select' unknown rule selector 'll001' (did you mean 'LL001'?)"),
        ('ignore = ["wrong-auto-clas"]', "unknown rule selector 'wrong-auto-clas' (did you mean 'wrong-auto-class'?)"),
        ('ignore = [""]', "'ignore' unknown rule selector ''"),
        ('per-file-ignores = ["x"]', "'per-file-ignores' must be a table of glob = [rule codes], got ['x']"),
        ('per-file-ignores = {"t/*" = ["XX1"]}', "'per-file-ignores' 't/*': unknown rule selector 'XX1'"),
        ('per-file-ignores = {"t/*" = "LL001"}', "'per-file-ignores' 't/*': must be a list of rule codes"),
        ('per-file-ignores = {"a\\\\" = ["LL001"]}', "'per-file-ignores' has an invalid pattern 'a\\\\'"),
        ('exclude = "build"', "'exclude' must be a list of glob patterns, got 'build'"),
        ('extend-exclude = ["!"]', "'extend-exclude' has an invalid pattern '!'"),
        ('extend-exclude = [" "]', "'extend-exclude' has an empty pattern"),
        ('offline = "yes"', "'offline' must be true or false, got 'yes'"),
        ("lockfile = 3", "'lockfile' must be a path, got 3"),
        ('transformers = ""', "'transformers' must be a path, got ''"),
        ('cache-ttl = "soon"', "'cache-ttl' 'soon' is not a duration such as 3600, 30m, 24h or 7d"),
        ("cache-ttl = -5", "'cache-ttl' must be a duration such as 3600, '30m', '24h' or '7d', got -5"),
        ("cache-ttl = true", "'cache-ttl' must be a duration"),
        ("timeout = 0", "'timeout' must be a positive number of seconds, got 0"),
        ("timeout = true", "'timeout' must be a positive number of seconds, got True"),
        ('timeout = "10"', "'timeout' must be a positive number of seconds, got '10'"),
        ('output-format = "xml"', "'output-format' must be one of text, concise, json, sarif, github, gitlab, junit, got 'x"),
    ],
)
def test_each_bad_value_names_the_file_and_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(pyproject(tmp_path, body))
    text = str(caught.value)
    assert text.startswith("pyproject.toml: [tool.loadlint] ")
    assert message in text
    assert "\n" not in text


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.loadlint\nselect = [")
    with pytest.raises(ConfigError, match=r"^pkg/pyproject\.toml: invalid TOML: .*line 1"):
        find_config(tmp_path / "pkg")


def test_a_loadlint_value_that_is_not_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\nloadlint = 3\n")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: \[tool\.loadlint\] must be a table, got 3$"):
        load_config(tmp_path / "pyproject.toml")


def test_an_explicit_pyproject_without_the_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.loadlnt]\nselect = []\n")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: no \[tool\.loadlint\] table$"):
        load_config(tmp_path / "pyproject.toml")


def test_a_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^nope\.toml: cannot read the file"):
        load_config(tmp_path / "nope.toml")


def test_errors_in_loadlint_toml_name_the_key_without_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^loadlint\.toml: unknown key 'tiemout' \(did you mean 'timeout'\?\)$"):
        load_config(write(tmp_path / "loadlint.toml", "tiemout = 3\n"))


def test_a_file_outside_the_working_directory_is_named_in_full(tmp_path: Path) -> None:
    path = pyproject(tmp_path / "elsewhere", "timeout = -1")
    os.chdir(write(tmp_path / "here" / "x", "").parent)
    with pytest.raises(ConfigError, match=f"^{path}: "):
        load_config(path)


# --- rule selection ---------------------------------------------------------------------------------


class FakeRule(Rule):
    severity = "error"
    summary = "a test rule"


def fake(code: str, name: str, *, default_enabled: bool = True) -> Rule:
    return type(name, (FakeRule,), {"code": code, "name": name, "default_enabled": default_enabled})()


RULES = (
    fake("LL001", "first"),
    fake("LL002", "second"),
    fake("LL010", "tenth"),
    fake("LL900", "opt-in", default_enabled=False),
)


def selected(config: Config | None = None, overrides: CliOverrides | None = None, path: str = "app.py") -> set[str]:
    return set(RuleSelection(config or Config(), overrides or CliOverrides(), RULES).codes_for(path))


def test_the_default_selection_leaves_opt_in_rules_out() -> None:
    assert selected() == {"LL001", "LL002", "LL010"}


@pytest.mark.parametrize(
    ("select", "codes"),
    [
        (("LL001",), {"LL001"}),
        (("LL00",), {"LL001", "LL002"}),
        (("LL0",), {"LL001", "LL002", "LL010"}),
        (("second", "tenth"), {"LL002", "LL010"}),
        (("ALL",), {"LL001", "LL002", "LL010", "LL900"}),  # ALL takes opt-in rules too, as in Ruff
        (("LL9",), {"LL900"}),  # so does a prefix that matches one
        (("opt-in",), {"LL900"}),
        (("LL900",), {"LL900"}),
        ((), set()),
    ],
)
def test_select_by_code_prefix_name_or_all(select: tuple[str, ...], codes: set[str]) -> None:
    assert selected(Config(select=select)) == codes


def test_extend_select_adds_and_ignore_removes() -> None:
    config = Config(select=("LL00",), extend_select=("opt-in",), ignore=("LL002", "tenth"))
    assert selected(config) == {"LL001", "LL900"}


def test_ignore_wins_over_extend_select() -> None:
    assert selected(Config(extend_select=("LL900",), ignore=("LL9",))) == {"LL001", "LL002", "LL010"}


def test_cli_select_replaces_the_whole_config_selection() -> None:
    config = Config(select=("LL001",), extend_select=("LL002",), ignore=("LL010",))
    assert selected(config, CliOverrides(select=["LL0"])) == {"LL001", "LL002", "LL010"}


def test_cli_extend_select_and_ignore_add_to_the_config_selection() -> None:
    config = Config(select=("LL001", "LL002"), ignore=("LL002",))
    assert selected(config, CliOverrides(extend_select=["LL010,opt-in"], ignore=["LL001"])) == {"LL010", "LL900"}


def test_cli_values_may_be_comma_separated() -> None:
    assert selected(overrides=CliOverrides(select=["LL001, LL002", "tenth"])) == {"LL001", "LL002", "LL010"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (CliOverrides(select=["XYZ"]), "--select: unknown rule selector 'XYZ'"),
        (
            CliOverrides(extend_select=["frist"]),
            "--extend-select: unknown rule selector 'frist' (did you mean 'first'?)",
        ),
        (CliOverrides(ignore=["LL001,nope"]), "--ignore: unknown rule selector 'nope'"),
    ],
)
def test_a_bad_cli_selector_names_the_option(overrides: CliOverrides, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        selected(overrides=overrides)
    assert str(caught.value) == message


def test_per_file_ignores(tmp_path: Path) -> None:
    config = Config(
        path=tmp_path / "pyproject.toml",
        per_file_ignores=(
            ("conftest.py", ("LL001",)),  # no slash: that name at any depth
            ("tests/*", ("LL002",)),  # a slash: relative to the config's folder
            ("examples", ("ALL",)),  # a folder name: everything inside
            ("!src/**", ("LL010",)),  # negated: every file the glob does not match
        ),
    )
    assert selected(config, path=str(tmp_path / "src" / "conftest.py")) == {"LL002", "LL010"}
    assert selected(config, path=str(tmp_path / "tests" / "test_a.py")) == {"LL001"}
    assert selected(config, path=str(tmp_path / "pkg" / "tests" / "test_a.py")) == {"LL001", "LL002"}
    assert selected(config, path=str(tmp_path / "pkg" / "examples" / "demo.py")) == set()
    assert selected(config, path=str(tmp_path / "src" / "app.py")) == {"LL001", "LL002", "LL010"}


def test_per_file_ignores_take_relative_paths_from_the_working_directory(tmp_path: Path) -> None:
    config = Config(path=tmp_path / "pyproject.toml", per_file_ignores=(("tests/*", ("LL001",)),))
    assert selected(config, path="tests/test_a.py") == {"LL002", "LL010"}


def test_real_selectors_resolve_against_all_rules() -> None:
    codes = RuleSelection(Config(select=("ALL",))).codes_for("app.py")
    assert codes == {rule.code for rule in ALL_RULES}
    assert RuleSelection(Config(select=("wrong-auto-class",))).codes_for("app.py") == {"LL001"}


# --- the run ----------------------------------------------------------------------------------------


def test_run_wide_settings_come_from_the_first_paths_config(tmp_path: Path) -> None:
    pyproject(tmp_path / "a", 'timeout = 3\noutput-format = "json"\nlockfile = "a.lock"')
    pyproject(tmp_path / "b", "timeout = 9")
    run = settings_for_run(["a", "b"])
    assert run.settings == RunSettings(timeout=3.0, output_format="json", lockfile=tmp_path / "a" / "a.lock")
    assert run.config.path == tmp_path / "a" / "pyproject.toml"


def test_without_a_config_everything_is_unset(tmp_path: Path) -> None:
    run = settings_for_run([])
    assert run.config == Config()
    assert run.settings == RunSettings()
    assert run.discovery.exclude == DEFAULT_EXCLUDE
    assert run.discovery.root == tmp_path


def test_the_config_file_option_wins_and_applies_to_every_file(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["LL001"]\ntimeout = 3')
    explicit = write(tmp_path / "ci" / "loadlint.toml", 'select = ["LL002"]\ntimeout = 7\n')
    run = settings_for_run(["."], explicit)
    assert run.settings.timeout == 7.0
    assert run.codes_for("app.py") == {"LL002"}
    assert run.codes_for(str(tmp_path / "pkg" / "app.py")) == {"LL002"}


def test_each_file_takes_its_closest_config_without_merging(tmp_path: Path) -> None:
    pyproject(tmp_path, 'select = ["LL001", "LL002"]\nignore = ["LL002"]')
    pyproject(tmp_path / "sub", 'extend-select = ["LL003"]\n[tool.loadlint.per-file-ignores]\n"gen_*.py" = ["LL003"]')
    write(tmp_path / "other" / "pyproject.toml", "[tool.black]\n")
    run = settings_for_run(["."], overrides=CliOverrides(ignore=["LL001"]))
    defaults = {rule.code for rule in ALL_RULES if rule.default_enabled}
    assert run.codes_for("app.py") == set()
    assert run.codes_for("other/app.py") == set()  # a pyproject without the table is skipped
    assert run.codes_for("sub/app.py") == defaults - {"LL001"}  # sub's own config, nothing from the outer one
    assert run.codes_for("sub/deep/gen_x.py") == defaults - {"LL001", "LL003"}


def test_an_invalid_nested_config_is_reported_when_its_file_is_reached(tmp_path: Path) -> None:
    pyproject(tmp_path / "sub", "timeout = 0")
    run = settings_for_run(["app.py"])
    with pytest.raises(ConfigError, match=r"^sub/pyproject\.toml: \[tool\.loadlint\] 'timeout'"):
        run.codes_for("sub/app.py")


def test_cli_selectors_are_validated_up_front() -> None:
    with pytest.raises(ConfigError, match=r"^--select: unknown rule selector 'XYZ'$"):
        settings_for_run(["."], overrides=CliOverrides(select=["XYZ"]))


def test_discovery_follows_the_run_wide_config(tmp_path: Path) -> None:
    pyproject(tmp_path, 'exclude = ["gen/"]\nextend-exclude = ["/scratch.py"]')
    for name in ("app.py", "scratch.py", "pkg/scratch.py", "gen/x.py", "build/y.py"):
        write(tmp_path / name, "")
    run = settings_for_run(["."])
    assert run.discovery.root == tmp_path
    assert run.discovery.exclude == ("gen/", "/scratch.py")
    assert list(checked_files(["."], run.discovery)) == ["app.py", "./build/y.py", "./pkg/scratch.py"]
    forced = settings_for_run(["scratch.py"], overrides=CliOverrides(force_exclude=True))
    assert forced.discovery.force_exclude
    assert list(checked_files(["scratch.py", "app.py"], forced.discovery)) == ["app.py"]


def test_extend_exclude_keeps_the_defaults(tmp_path: Path) -> None:
    pyproject(tmp_path, 'extend-exclude = ["gen/"]')
    assert settings_for_run(["."]).discovery.exclude == (*DEFAULT_EXCLUDE, "gen/")


def test_command_line_values_override_the_configs(tmp_path: Path) -> None:
    pyproject(tmp_path, 'offline = true\ntimeout = 3\noutput-format = "json"')
    settings = settings_for_run(["."]).settings.overridden_by(RunSettings(timeout=8.0, output_format="text"))
    assert settings == RunSettings(offline=True, timeout=8.0, output_format="text")


# --- durations --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [("90", 90.0), (" 30m ", 1800.0), ("24h", 86400.0), ("0.5d", 43200.0)])
def test_parse_duration(value: str, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "h", "-1h", "3w", "1 day"])
def test_parse_duration_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(value)


def test_the_cli_reports_a_bad_duration_as_a_usage_error() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="'soon' is not a duration"):
        cli_options.parse_duration("soon")
