"""LL005 remote-code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.fixes import Fix, RemoveKeyword
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables


class RemoteCode(Rule):
    """
    ## What it does
    Checks the `auto_map` of the model's config (code shipped in the repo) against the class used
    and the `trust_remote_code` argument, the way transformers decides which class to build. For
    `AutoTokenizer` that is tokenizer_config.json's `tokenizer_class` and `auto_map` first, then
    config.json's (a tokenizer whose tokenizer_config.json could not be read is not judged); the
    processor classes, which read their own files first, are not judged yet:
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
        '# A tokenizer comes from tokenizer_config.json\'s auto_map, not config.json\'s\n'
        'from transformers import AutoTokenizer\n'
        'AutoTokenizer.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
    )
    invalid = (
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b")\n',
        'from transformers import AutoModelForMaskedLM\n'
        'AutoModelForMaskedLM.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", trust_remote_code=True)\n',
        'from transformers import AutoTokenizer\n'
        'AutoTokenizer.from_pretrained("THUDM/chatglm2-6b")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or site.kind != "from_pretrained" or site.loader not in tables.loader_classes:
            return
        if site.loader == "AutoTokenizer":
            code = _tokenizer_code(model, tables)
            if code is None:
                return  # tokenizer_config.json unread: where the tokenizer comes from is unknown
        elif site.loader == "AutoConfig" or site.loader in tables.auto_models:
            code = _Code(
                mapped=site.loader in model.auto_map_classes,
                native=semantics.is_known_type(tables, model.model_type),
                needs_remote=semantics.needs_remote_code(tables, site.loader, model),
                where="`auto_map`",
                decided=bool(model.auto_map),
            )
        else:
            return  # processors read their own files first, which loadlint does not read yet
        trust = site.keyword("trust_remote_code")
        flag_unknown = site.keyword("**") is not None or (trust is not None and not trust.is_constant)
        trusted = trust is not None and trust.is_constant and trust.value is True
        if code.decided and not code.native and not code.mapped:
            offered = ", ".join(f"`{name}`" for name, _ in model.auto_map if name != "AutoConfig")
            yield self.finding(
                site,
                model,
                f"{describe(site)} has model_type `{model.model_type}`, unknown to transformers, and its "
                f"repo code ({code.where}) has no `{site.loader}`",
                suggestion=f"use one of the classes the repo maps: {offered}" if offered else None,
            )
        elif code.needs_remote and not trusted and not flag_unknown:
            yield self.finding(
                site,
                model,
                f"`{site.loader}` for {describe(site)} is served only by the repo's own code, and "
                f"`trust_remote_code=True` is missing: transformers refuses to load it",
                suggestion="review the repo's code, then pass `trust_remote_code=True` with a pinned `revision=`",
            )
        elif trusted and not code.mapped:
            yield self.finding(
                site,
                model,
                f"`trust_remote_code=True` for {describe(site)} is needless: no {code.where} entry serves "
                f"`{site.loader}`, yet any future repo code would run",
                suggestion="remove `trust_remote_code=True`",
                severity="warning",
                fix=Fix("Remove `trust_remote_code=True`", "unsafe", (RemoveKeyword(site.span, "trust_remote_code"),)),
            )


@dataclass(frozen=True)
class _Code:
    """Where transformers finds the class for one load: repo code (`mapped`, `where` it is declared),
    its own (`native`); `needs_remote` when only repo code serves it; `decided` when a missing class
    is certain to fail."""

    mapped: bool
    native: bool
    needs_remote: bool
    where: str
    decided: bool


def _tokenizer_code(model: ModelFacts, tables: Tables) -> _Code | None:
    """AutoTokenizer's own lookup: tokenizer_config.json's `auto_map` and `tokenizer_class` first, then
    config.json's `auto_map` and model type when the file names no class; None when it was not read."""
    if model.tokenizer_auto_map is None:
        return None
    declared = model.tokenizer_class
    mapped = "AutoTokenizer" in dict(model.tokenizer_auto_map) or (
        declared is None and "AutoTokenizer" in model.auto_map_classes
    )
    if declared is not None:  # transformers finds any class it exports by name: not judged further
        native = declared in tables.tokenizer_classes or f"{declared}Fast" in tables.tokenizer_classes
        return _Code(mapped, native, mapped and not native, "tokenizer_config.json's `auto_map`", decided=False)
    native = semantics.is_known_type(tables, model.model_type)
    where = "tokenizer_config.json's or config.json's `auto_map`"
    return _Code(mapped, native, mapped and not native, where, decided=True)
