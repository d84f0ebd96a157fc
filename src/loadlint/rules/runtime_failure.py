"""LL090 runtime-failure."""

from __future__ import annotations

import dataclasses

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe


class RuntimeFailure(Rule):
    """
    ## What it does
    Reported only by `loadlint check --runtime meta|full`: a call that no static rule flagged, but
    whose load fails when transformers really builds the class (meta) or loads the weights and
    generates (full), e.g. because a keyword argument does not fit the checkpoint or this machine.
    The finding quotes the exception transformers raised.

    ## Why is this bad?
    The script will fail at that line.  The static rules judge the class against the model; they
    cannot see everything a load depends on (config overrides, optional packages, the hardware).
    Each LL090 also points at a gap in the static rules.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    # on a machine without the flash-attn package
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", attn_implementation="flash_attention_2")
    ```

    ## Use instead
    What the quoted exception asks for; here an attention implementation that is installed.
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", attn_implementation="sdpa")
    ```

    ## Fix safety
    No fix: the cause is only known at run time.
    """

    code = "LL090"
    name = "runtime-failure"
    severity = "error"
    summary = "Found by `--runtime` only: the load fails although no static rule flagged the call"
    runtime_only = True
    valid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", attn_implementation="sdpa")\n',
    )
    invalid = (
        '# on a machine without the flash-attn package\n'
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", attn_implementation="flash_attention_2")\n',
        '# a config override the checkpoint cannot take: 768 is not divisible by 5 heads\n'
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", n_head=5)\n',
    )

    def failure(self, site: CallSite, model: ModelFacts | None, error: str, runtime: dict) -> Finding:
        """The finding for a call whose runtime check raised `error` (its first line)."""
        loading = f"`{site.loader}`" if site.kind == "from_pretrained" else f"`pipeline({site.task!r})`"
        message = f"{loading} fails at run time for {describe(site)}: {error.rstrip('.')}"
        return dataclasses.replace(self.finding(site, model, message), runtime=runtime)
