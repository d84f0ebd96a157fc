"""The shape every rule shares: identity, docs, examples and one pure `check` function."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import ClassVar

from loadlint.facts import CallSite, ModelFacts, ModelRef, Unresolved, UseSite
from loadlint.findings import Finding, Severity
from loadlint.fixes import Fix
from loadlint.tables.model import Tables


class Rule:
    """A rule is a pure function of (call site, model facts, transformers tables).

    Subclasses set the class attributes and implement `check` (one call site), `check_use` (one
    use of a loaded object, see below), or both.  The class docstring holds the docs
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
    reads_downloads: ClassVar[bool] = False  # judges hf_hub_download / snapshot_download / load_dataset calls
    reads_layout: ClassVar[bool] = False  # is given the facts of a repo that is no checkpoint (`ModelFacts.layout`)
    runtime_only: ClassVar[bool] = False  # reported by `check --runtime` only; `check` yields nothing
    # Whether loading the model can show this rule's problem (an exception, a partial load, a warning);
    # False for findings about the code itself (pinning, spelling), which `--runtime` neither confirms nor refutes.
    runtime_confirms: ClassVar[bool] = True
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        return iter(())

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        """Judge one use of a loaded object (`model.generate(...)`, `tokenizer(...)`, ...).

        The engine calls it once per `UseSite` of a file, next to `check` for the file's call sites,
        with the facts of every resolved id: a use may involve two loads (the model its `receiver`
        names, and the tokenizer behind an argument's `origin`); `facts_for` looks one up.
        """
        return iter(())

    def use_finding(
        self,
        use: UseSite,
        load: CallSite | None,
        model: ModelFacts | None,
        message: str,
        *,
        suggestion: str | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        """A finding at the use, naming the load (and model) it is about."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            path=use.path,
            span=use.span,
            model_id=load.model_id if load else None,
            revision=load.revision if load else None,
            model_type=model.model_type if model else None,
            auto_class=load.loader if load and load.kind == "from_pretrained" else None,
            suggestion=suggestion,
            fix=fix,
        )

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
        if model is not None and model.adapter_base is not None:  # every verdict on an adapter is its base's
            kind = f"{model.peft_type} adapter" if model.peft_type else "PEFT adapter"
            message += f" (`{site.model_id}` is a {kind} of `{model.adapter_base}`, which transformers loads first)"
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
