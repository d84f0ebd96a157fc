"""LL005 remote-code."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.fixes import Fix, RemoveKeyword
from loadlint.rules._base import Rule, describe
from loadlint.tables import Tables


class RemoteCode(Rule):
    """
    ## What it does
    Checks the `auto_map` of the model's config (code shipped in the repo) against the class used
    and the `trust_remote_code` argument, the way transformers decides which class to build:
    - the repo's type is not native and `auto_map` has no entry for the class used (error);
    - the class is only served by repo code and `trust_remote_code=True` is missing (error);
    - `trust_remote_code=True` is passed but no `auto_map` entry serves this class (warning).

    ## Why is this bad?
    Without the flag transformers refuses with `The repository ... contains custom code which must
    be executed`; with a class the repo does not map it raises `Unrecognized configuration class`.
    A needless `trust_remote_code=True` is worse: nothing needs it today, but it lets any future
    push to the repo execute code on the machine that loads it.

    ## Example
    ```python
    from transformers import AutoModel, AutoModelForCausalLM

    chat = AutoModel.from_pretrained("THUDM/chatglm2-6b")
    gpt = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", trust_remote_code=True)
    ```

    ## Use instead
    ```python
    from transformers import AutoModel, AutoModelForCausalLM

    chat = AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True, revision="<commit>")
    gpt = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    ```

    ## Fix safety
    Only the needless flag has a fix: removing `trust_remote_code=True`, **unsafe** because the
    repo could add code later that the caller meant to trust.  A missing flag gets no fix: trusting
    a repo's code is a decision to review, never to automate.
    """

    code = "LL005"
    name = "remote-code"
    severity = "error"
    summary = "`auto_map` repo code and `trust_remote_code` do not fit the class used"
    valid = (
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
        '# Native type: transformers ignores the repo code without the flag\n'
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("microsoft/Phi-3-mini-4k-instruct")\n',
        '# The flag may hide in **kwargs: not judged\n'
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", **load_options)\n',
    )
    invalid = (
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b")\n',
        'from transformers import AutoModelForMaskedLM\n'
        'AutoModelForMaskedLM.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", trust_remote_code=True)\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or site.kind != "from_pretrained" or site.loader not in tables.loader_classes:
            return
        trust = site.keyword("trust_remote_code")
        flag_unknown = site.keyword("**") is not None or (trust is not None and not trust.is_constant)
        trusted = trust is not None and trust.is_constant and trust.value is True
        mapped = site.loader in model.auto_map_classes
        native = semantics.is_known_type(tables, model.model_type)
        if model.auto_map and not native and not mapped:
            offered = ", ".join(f"`{name}`" for name, _ in model.auto_map if name != "AutoConfig")
            yield self.finding(
                site,
                model,
                f"{describe(site)} has model_type `{model.model_type}`, unknown to transformers, and its "
                f"repo code (`auto_map`) has no `{site.loader}`",
                suggestion=f"use one of the classes the repo maps: {offered}" if offered else None,
            )
        elif semantics.needs_remote_code(tables, site.loader, model) and not trusted and not flag_unknown:
            yield self.finding(
                site,
                model,
                f"`{site.loader}` for {describe(site)} is served only by the repo's own code, and "
                f"`trust_remote_code=True` is missing: transformers refuses to load it",
                suggestion="review the repo's code, then pass `trust_remote_code=True` with a pinned `revision=`",
            )
        elif trusted and not mapped:
            yield self.finding(
                site,
                model,
                f"`trust_remote_code=True` for {describe(site)} is needless: no `auto_map` entry serves "
                f"`{site.loader}`, yet any future repo code would run",
                suggestion="remove `trust_remote_code=True`",
                severity="warning",
                fix=Fix("Remove `trust_remote_code=True`", "unsafe", (RemoveKeyword(site.span, "trust_remote_code"),)),
            )
