"""The shape every rule shares: identity, docs, examples and one pure `check` function."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import ClassVar

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding, Severity
from loadlint.fixes import Fix
from loadlint.tables import Tables


class Rule:
    """A rule is a pure function of (call site, model facts, transformers tables).

    Subclasses set the class attributes and implement `check`.  The class docstring holds the docs
    (`## What it does`, `## Why is this bad?`, `## Example`, `## Use instead`, `## Fix safety`);
    `valid` / `invalid` are complete Python files that the tests run and `loadlint rule` prints.
    Model ids in examples are resolved from `rules._examples.EXAMPLE_MODELS`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    needs_model: ClassVar[bool] = True
    default_enabled: ClassVar[bool] = True  # opt-in rules run only when selected explicitly
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(
        self,
        site: CallSite,
        model: ModelFacts | None,
        message: str,
        *,
        suggestion: str | None = None,
        severity: Severity | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        return Finding.at(
            site,
            model,
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            suggestion=suggestion,
            fix=fix,
        )

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


def describe(site: CallSite) -> str:
    """How a message names the call's model: its id, with the revision when one is given."""
    return f"`{site.model_id}`" + (f" (revision `{site.revision}`)" if site.revision else "")
