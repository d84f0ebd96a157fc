"""The project index: which values a function's callers in the project pass to its parameters.

A load whose id is a parameter (`def load(name): AutoModel.from_pretrained(name)`) is recorded
with a `FromParameter` origin.  Once every file is read, the engine looks for the calls of those
functions (a byte search for their names first, then libcst on the files that name them), and
`link` replaces each such load by one record per value its callers pass, with the path the value
took.  A caller that passes its own parameter continues up the chain, `MAX_DEPTH` calls at most;
a call that omits the argument contributes the parameter's default, and only then.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Iterable

from loadlint.extract.values import followed_by, variant
from loadlint.facts import Alternative, CallRecord, CallSite, FileReport, FromParameter, Known, TraceStep, Unknown

MAX_DEPTH = 4  # calls followed up from a load's parameter
_SPREAD = object()  # the call passes *args / **kwargs where the parameter would be


def shown(path: str) -> str:
    """A path as the run prints it: relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def module_name(path: str) -> str:
    """The dotted module a file is imported as: its name, below the packages (`__init__.py`) above it."""
    folder, name = os.path.split(os.path.abspath(path))
    stem = name.rpartition(".")[0] or name
    parts = [] if stem == "__init__" else [stem]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    return ".".join(parts) or stem


def is_test(function: str) -> bool:
    """A function pytest collects and calls: `test*` at module level or in a `Test*` class."""
    path = function.partition(":")[2].split(".")
    return path[-1].startswith("test") and (len(path) == 1 or (len(path) == 2 and path[0].startswith("Test")))


def wanted_names(origins: Iterable[FromParameter]) -> frozenset[str]:
    """The names to look for in the project's bytes: each function's own name (a class's, for __init__)."""
    return frozenset(called_as(origin.function) for origin in origins)


def called_as(function: str) -> str:
    """The name a call of the function ("module:Qualified.name") uses: its own, or its class's for __init__."""
    path = function.partition(":")[2].split(".")
    return path[-2] if path[-1] == "__init__" and len(path) > 1 else path[-1]


def passed_on(calls: Iterable[CallRecord]) -> list[FromParameter]:
    """The callers' own parameters that calls pass on: the next link of each chain."""
    return [
        alt
        for record in calls
        for alts in (*record.positional, *(alts for _, alts in record.keywords))
        for alt in alts
        if isinstance(alt, FromParameter)
    ]


def link(reports: Iterable[FileReport], calls: Iterable[CallRecord]) -> None:
    """Replace each load that depends on a parameter by one record per value its callers pass."""
    by_callee: dict[str, list[CallRecord]] = defaultdict(list)
    for record in calls:
        by_callee[record.callee].append(record)
    for report in reports:
        report.sites = [
            variant
            for site in report.sites
            for variant in (_expand(site, by_callee) if site.origin is not None else [site])
        ]


def _expand(site: CallSite, by_callee: dict[str, list[CallRecord]]) -> list[CallSite]:
    assert site.origin is not None
    unlinked = dataclasses.replace(site, origin=None)
    return [variant(unlinked, alt) for alt in unique_values(_values(site.origin, by_callee, MAX_DEPTH, frozenset()))]


def _values(
    origin: FromParameter, by_callee: dict[str, list[CallRecord]], depth: int, seen: frozenset[str]
) -> list[Known | Unknown]:
    """The values the parameter takes, put into the origin's template when it has one."""
    values = _passed(origin, by_callee, depth, seen)
    if origin.template is None:
        return values
    return [
        dataclasses.replace(value, value=origin.template.format(value.value))
        if isinstance(value, Known) and isinstance(value.value, str | int)
        else value
        for value in values
    ]


def _passed(
    origin: FromParameter, by_callee: dict[str, list[CallRecord]], depth: int, seen: frozenset[str]
) -> list[Known | Unknown]:
    shown = origin.function.partition(":")[2]
    records = list(by_callee.get(origin.function, ()))
    if origin.function.endswith(".__init__"):  # `Loader(...)` through an import names the class itself
        records += [
            dataclasses.replace(r, offset=1) for r in by_callee.get(origin.function.removesuffix(".__init__"), ())
        ]
    default = [followed_by(alt, origin.trace) for alt in origin.default or ()]
    if origin.caller is not None:  # called from outside with these values, and maybe from the project too
        found: list[Known | Unknown] = default
    elif not records:
        detail = (
            f"the fixture `{origin.param}` of {shown}() is not defined in its file or a conftest.py above it"
            if is_test(origin.function)
            else f"{shown}() is not called in the project"
        )
        return [Unknown("parameter", detail, origin.trace), *default]
    else:
        found = []
    for record in records:
        where = TraceStep(
            record.path, record.span.line, record.span.column, f"{shown}() called without `{origin.param}`"
        )
        argument = _argument(record, origin)
        if argument is _SPREAD:
            found.append(
                Unknown("parameter", f"`{origin.param}` of {shown}() comes through *args or **kwargs", (where,))
            )
        elif argument is None:
            found += [followed_by(alt, (where, *origin.trace)) for alt in origin.default or ()]
        else:
            for alt in argument:  # type: ignore[union-attr]
                found += _followed(alt, origin, by_callee, depth, seen)
    return found


def _followed(
    alt: Alternative, origin: FromParameter, by_callee: dict[str, list[CallRecord]], depth: int, seen: frozenset[str]
) -> list[Known | Unknown]:
    """One value a caller passes: itself, or (its own parameter) the values of that one's callers."""
    if not isinstance(alt, FromParameter):
        return [followed_by(alt, origin.trace)]
    shown = f"`{alt.param}` of {alt.function.partition(':')[2]}()"
    if alt.function in seen or alt.function == origin.function:
        return [Unknown("parameter", f"{shown} is passed around a recursive call", (*alt.trace, *origin.trace))]
    if depth <= 1:
        detail = f"{shown} is passed on more than {MAX_DEPTH} calls deep"
        return [Unknown("parameter", detail, (*alt.trace, *origin.trace))]
    # `alt`'s own steps (its parameter, and where it is passed here) end each of its values already
    return [followed_by(value, origin.trace) for value in _values(alt, by_callee, depth - 1, seen | {origin.function})]


def _argument(record: CallRecord, origin: FromParameter) -> tuple[Alternative, ...] | object | None:
    """What a call passes for the parameter: its values, `_SPREAD` when it cannot be told, None if omitted."""
    for name, alts in record.keywords:
        if name == origin.param:
            return alts
    if origin.index is not None and 0 <= origin.index - record.offset < len(record.positional):
        return record.positional[origin.index - record.offset]
    return _SPREAD if record.spread else None


def unique_values(values: list[Alternative]) -> list[Alternative]:
    """One record per value (the first path that brings it), one per distinct reason it is unknown, one
    per value still to read from outside the Python files."""
    kept: dict[object, Alternative] = {}
    for value in values:
        if isinstance(value, Known):
            key: tuple = ("known", repr(value.value))
        elif isinstance(value, Unknown):
            key = ("unknown", value.kind, value.detail)
        else:
            key = ("outside", repr(dataclasses.replace(value, trace=())))
        kept.setdefault(key, value)
    return list(kept.values())
