"""Values a script takes from its command line: a `FromCommandLine` for each option the code reads.

The options: a dataclass field parsed by `HfArgumentParser.parse_args_into_dataclasses` or TRL's
`TrlParser.parse_args_and_config` (`--field_name`, and `--field-name` as transformers adds it; a
recipe file given to the script sets the field too), an argparse option read through `args.<dest>`,
a click option and a typer or fire command's parameter.  Their values are the project's invocations
of the script (`extract.invocations`, matched in `extract.external`) and the option's default; a
dataclass field read from `parse_yaml_file` / `parse_json_file` takes the recipe's key instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from loadlint.extract.config_reads import from_files, recipe_paths
from loadlint.extract.evaluate import NotConstant
from loadlint.facts import Alternative, FromCommandLine, Known, TraceStep, Unknown

if TYPE_CHECKING:
    from loadlint.extract.follow import Follower

COMMAND_LINE_PARSERS = frozenset({"parse_args_into_dataclasses", "parse_args_and_config"})


def option(
    follower: Follower,
    flags: list[str],
    default: list[Known | Unknown] | None,
    detail: str,
    trace: tuple[TraceStep, ...],
    recipe_key: str | None = None,
) -> FromCommandLine:
    """The option named by `flags` (those that start with `-`) of the collector's script."""
    named = tuple(dict.fromkeys(flag for flag in flags if flag.startswith("-")))
    given = None if default is None else tuple(default)
    return FromCommandLine(follower.collector.path, named, given, detail, trace, recipe_key)


def field_values(
    follower: Follower,
    parsed: cst.Call,
    field: str,
    defaults: list[Known | Unknown] | None,
    shown: str,
    how: TraceStep,
    depth: int,
) -> list[Alternative]:
    """A dataclass field, as the parser that made the instance fills it: from a recipe file, from the
    command line (or a recipe given there), or its default (`parse_dict`)."""
    assert isinstance(parsed.func, cst.Attribute)
    recipe = recipe_paths(follower, parsed, depth)
    if recipe is not None:
        reader, paths = recipe
        return from_files(follower, paths, reader, (field,), (how,), None if defaults is None else tuple(defaults))
    if parsed.func.attr.value in COMMAND_LINE_PARSERS:
        flags = [f"--{field}", f"--{field.replace('_', '-')}"]
        return [option(follower, flags, defaults, f"{shown} has no default", (how,), recipe_key=field)]
    return list(defaults) if defaults is not None else [Unknown("cli-required", f"{shown} has no default", (how,))]


def argparse_values(follower: Follower, node: cst.Attribute, depth: int) -> list[Alternative] | None:
    """`args.<dest>` of `parser.parse_args()`: the option's default (the one every parser of the file
    gives it) and its invocations; None when its parsers disagree on the default."""
    dest = node.attr.value
    collector = follower.collector
    defaults = collector.argparse_set_defaults.get(dest) or collector.argparse_defaults.get(dest, [])
    flags = collector.argparse_flags.get(dest, [])
    if not defaults:
        return None  # a parser the file does not build: nothing is known of the option
    step = follower.step(node, f"`{node.value.value}` parsed from the command line")  # type: ignore[attr-defined]
    if all(default is None for default in defaults):
        shown = next((flag for flag in flags if flag.startswith("--")), f"`{dest}`")
        return [option(follower, flags, None, f"the option {shown} has no default", (step,))]
    try:
        value = follower.evaluator.value(node, depth)
    except NotConstant:  # defaults that disagree, or cannot be known
        return None
    return [option(follower, flags, [Known(value)], "", (step,))]
