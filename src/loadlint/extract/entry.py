"""Functions that something outside the project calls, and the values it passes their parameters.

A command-line framework calls its commands with the options' values, which are their defaults
unless the user types others (click's `@click.option(..., default=...)`, typer's `typer.Option(...)`
or plain defaults, `fire.Fire(fn)`'s parameter defaults); pytest calls a test once per
`@pytest.mark.parametrize` value, and with its fixtures' values (those of a `conftest.py` are linked
by the engine, as calls of the test).  An option without a default is `cli-required`: the user must give
it, and nothing in the code says which id it will be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from loadlint.extract.command_line import option
from loadlint.extract.evaluate import constant_strings, keyword_name, source_of
from loadlint.facts import Alternative, Known, TraceStep, Unknown

if TYPE_CHECKING:
    from loadlint.extract.follow import Follower

CLI_DECORATORS = frozenset({"command", "main"})  # `@click.command()`, `@app.command()`, `@cli.main`
CLICK_PARAMETERS = frozenset({"option", "argument"})
TYPER_PARAMETERS = frozenset({"Option", "Argument"})


def outside_values(
    follower: Follower, function: cst.FunctionDef, param: cst.Param, depth: int
) -> tuple[str, list[Alternative]] | None:
    """(who calls the function, the values it passes `param`), or None for an ordinary function."""
    for decorator in function.decorators:
        call = decorator.decorator
        if isinstance(call, cst.Call) and _last_name(call.func) == "parametrize":
            values = _parametrized(follower, call, param.name.value, depth)
            if values is not None:
                return "pytest", values
    if function.name.value.startswith("test"):
        values = fixture_values(follower, param.name.value, depth)
        if values is not None:
            return "pytest", values
    click = _click_option(function, param.name.value)
    if click is not None:
        return "click", _option_values(follower, click, param, depth)
    if _is_command(follower, function):
        return "the command line", _default_values(follower, param, depth)
    return None


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else None


def _is_command(follower: Follower, function: cst.FunctionDef) -> bool:
    """A CLI command: decorated as one, or handed to `fire.Fire` / `typer.run` in this file."""
    for decorator in function.decorators:
        node = decorator.decorator
        if _last_name(node.func if isinstance(node, cst.Call) else node) in CLI_DECORATORS:
            return True
    return function.name.value in follower.collector.cli_functions


def _click_option(function: cst.FunctionDef, param: str) -> cst.Call | None:
    """The `@click.option` / `@click.argument` whose destination is `param`, as click derives it."""
    for decorator in function.decorators:
        call = decorator.decorator
        if not (isinstance(call, cst.Call) and _last_name(call.func) in CLICK_PARAMETERS):
            continue
        names = [
            a.value.evaluated_value
            for a in call.args
            if a.keyword is None and isinstance(a.value, cst.SimpleString) and isinstance(a.value.evaluated_value, str)
        ]
        plain = [name for name in names if not name.startswith("-")]
        flags = sorted((name for name in names if name.startswith("-")), key=len, reverse=True)
        destination = plain[0] if plain else (flags[0].lstrip("-").replace("-", "_") if flags else None)
        if destination == param:
            return call
    return None


def _option_values(follower: Follower, call: cst.Call, param: cst.Param, depth: int) -> list[Alternative]:
    """A click option: its default, and what the script's invocations give it."""
    default = next((a.value for a in call.args if keyword_name(a) == "default"), None)
    flag = next((source_of(a.value) for a in call.args if a.keyword is None), param.name.value)
    values = None if default is None else _noted(follower, default, f"default of the option {flag}", depth)
    step = follower.step(call, "a click option")
    return [option(follower, constant_strings(call), values, f"the option {flag} has no default", (step,))]


def _default_values(follower: Follower, param: cst.Param, depth: int) -> list[Alternative]:
    """A command's parameter: its default (through `typer.Option("...")`), or required, and what the
    script's invocations give it (`--name`, and `--name-with-dashes` as typer and fire accept)."""
    name = param.name.value
    default = param.default
    flags = [f"--{name}", f"--{name.replace('_', '-')}"]
    if isinstance(default, cst.Call) and _last_name(default.func) in TYPER_PARAMETERS:
        flags = [flag for flag in constant_strings(default) if flag.startswith("-")] or flags
        given = next((a.value for a in default.args if keyword_name(a) == "default"), None)
        positional = [a.value for a in default.args if a.keyword is None]
        default = given if given is not None else (positional[0] if positional else None)
        if isinstance(default, cst.Ellipsis):
            default = None
    values = None
    if default is not None:
        values = _noted(follower, default, f"default of the command-line parameter `{name}`", depth)
    detail = f"the command's parameter `{name}` has no default"
    return [option(follower, flags, values, detail, (follower.step(param, "a command-line parameter"),))]


def _parametrized(follower: Follower, call: cst.Call, param: str, depth: int) -> list[Known | Unknown] | None:
    """`@pytest.mark.parametrize("a,b", [(x, y), ...])`: the values `param` takes, or None when the
    decorator does not name it."""
    if len(call.args) < 2:
        return None
    names_value = follower.literal(call.args[0].value, depth)
    names = [n.strip() for n in names_value.split(",")] if isinstance(names_value, str) else names_value
    if not isinstance(names, list | tuple) or param not in names:
        return None
    rows = follower.literal(call.args[1].value, depth)
    if not isinstance(rows, list | tuple):
        return [Unknown("computed", f"the values of `{param}` are not a literal list")]
    position = list(names).index(param)
    step = follower.step(call, f"`{param}` from @pytest.mark.parametrize")
    try:
        return [Known(row if len(names) == 1 else row[position], (step,)) for row in rows]
    except (TypeError, IndexError):
        return [Unknown("computed", f"the rows of @pytest.mark.parametrize do not unpack into `{param}`")]


def fixture_values(follower: Follower, name: str, depth: int = 0) -> list[Known | Unknown] | None:
    """A test's parameter is the fixture of that name in the collector's file (the test's own, or a
    `conftest.py` above it): its `params=` (the fixture returning `request.param`), or the value it
    returns; None when the file defines no such fixture."""
    fixture = follower.collector.fixtures.get(name)
    if fixture is None:
        return None
    function, params = fixture
    if params is not None:
        rows = follower.literal(params, depth)
        if not isinstance(rows, list | tuple):
            return [Unknown("computed", f"the params of the fixture `{name}` are not a literal list")]
        step = follower.step(params, f"`{name}` from the params of its fixture")
        return [Known(row, (step,)) for row in rows]
    returned = [
        statement.value
        for line in function.body.body
        if isinstance(line, cst.SimpleStatementLine)
        for statement in line.body
        if isinstance(statement, cst.Return) and statement.value is not None
    ]
    if len(returned) != 1:
        return [Unknown("computed", f"the fixture `{name}` does not return one value")]
    return _noted(follower, returned[0], f"returned by the fixture `{name}`", depth)


def _noted(follower: Follower, node: cst.BaseExpression, note: str, depth: int) -> list[Known | Unknown]:
    step: TraceStep = follower.step(node, note)
    return [
        Known(alt.value, (*alt.trace, step)) if isinstance(alt, Known) else Unknown("cli-required", note, (step,))
        for alt in follower.alternatives(node, depth)
    ]
