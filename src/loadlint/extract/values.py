"""A load's records by value: one `CallSite` per value its id, task and revision may take, and the
path each value took.  Plain records only (no libcst), so the project index can use them too."""

from __future__ import annotations

import dataclasses
import itertools

from loadlint.facts import (
    Alternative,
    CallSite,
    FromCommandLine,
    FromConfig,
    FromParameter,
    Known,
    TraceStep,
    Unknown,
)

MAX_VALUES = 16  # values of one expression; past it the rest are not followed


def load_step(site: CallSite) -> TraceStep:
    """The last step of every trace: the call that loads the value."""
    call = f"{site.loader}.from_pretrained" if site.kind in ("from_pretrained", "adapter") else site.loader
    return TraceStep(site.path, site.span.line, site.span.column, call)


def followed_by(alt: Alternative, steps: tuple[TraceStep, ...]) -> Alternative:
    """`alt` with `steps` after its own; for a value still to read outside the Python files, after
    those of each value it falls back to as well (they are its values when the files do not give one)."""
    if isinstance(alt, FromCommandLine) and alt.default is not None:
        alt = dataclasses.replace(alt, default=tuple(followed_by(value, steps) for value in alt.default))
    if isinstance(alt, FromConfig) and alt.fallback is not None:
        alt = dataclasses.replace(alt, fallback=tuple(followed_by(value, steps) for value in alt.fallback))
    return dataclasses.replace(alt, trace=(*alt.trace, *steps))


def variant(site: CallSite, alt: Alternative) -> CallSite:
    """A load's record for one value of its id: known, unknown (with why) or a parameter to link."""
    if isinstance(alt, FromParameter):
        return dataclasses.replace(site, origin=alt, dynamic_kind="parameter", trace=alt.trace)
    if isinstance(alt, FromConfig | FromCommandLine):
        return _pending(site, alt)
    trace = (*alt.trace, load_step(site)) if alt.trace else ()  # a value found at the call has no path
    if isinstance(alt, Unknown):
        return dataclasses.replace(site, dynamic_kind=alt.kind, dynamic_detail=alt.detail, trace=trace)
    if isinstance(alt.value, str) and alt.value:
        return dataclasses.replace(site, model_id=alt.value, model_expr=None, trace=trace)
    detail = f"`{site.model_expr}` is {'None' if alt.value is None else repr(alt.value)} here, not a model id"
    return dataclasses.replace(site, dynamic_kind="computed", dynamic_detail=detail, trace=trace)


def _pending(site: CallSite, alt: FromConfig | FromCommandLine) -> CallSite:
    """A load whose id lives outside the Python files, until `extract.external` reads them (once every
    file is extracted): as one file alone tells it, an option's one default, else dynamic."""
    defaults = alt.default if isinstance(alt, FromCommandLine) else None
    if defaults is not None and len(defaults) == 1 and isinstance(defaults[0], Known):
        seen = variant(site, defaults[0])
    elif isinstance(alt, FromConfig):
        detail = f"`{site.model_expr}` is read from {alt.path}"
        seen = dataclasses.replace(site, dynamic_kind="computed", dynamic_detail=detail, trace=alt.trace)
    else:
        seen = dataclasses.replace(site, dynamic_kind="cli-required", dynamic_detail=alt.detail, trace=alt.trace)
    return dataclasses.replace(seen, model_expr=site.model_expr, external=alt)


def combinations(
    models: list[Alternative | None], tasks: list[Known | None], revisions: list[Known | None]
) -> list[tuple[Alternative | None, Known | None, Known | None]]:
    """Each way a call's model id, task and revision go together (item by item for one loop), bounded."""
    every = itertools.product(models, tasks, revisions)
    return list(itertools.islice((c for c in every if one_item_per_loop(c)), MAX_VALUES))


def with_settings(site: CallSite, task: Known | None, revision: Known | None) -> CallSite:
    """A load's record with a followed task and revision (None: as `evaluate` read them), and their
    paths ahead of the model id's."""
    changes: dict[str, object] = {}
    steps: list[TraceStep] = []
    if task is not None:
        changes.update(task=task.value, task_dynamic=False)
        steps += task.trace
    if revision is not None:
        changes.update(revision=revision.value, revision_dynamic=False)
        steps += revision.trace
    if steps:
        changes["trace"] = tuple(dict.fromkeys((*steps, *(site.trace or (load_step(site),)))))
    return dataclasses.replace(site, **changes) if changes else site


def one_item_per_loop(combination: tuple[Alternative | None, ...]) -> bool:
    """Values from one loop combine only when they come from the same item of it."""
    items: dict[tuple[int, int], int] = {}
    for alt in combination:
        if isinstance(alt, Known) and alt.element is not None:
            loop, item = alt.element[:2], alt.element[2]
            if items.setdefault(loop, item) != item:
                return False
    return True
