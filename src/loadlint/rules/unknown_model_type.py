"""LL004 unknown-model-type."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.gguf import gguf_supported
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables


class UnknownModelType(Rule):
    """
    ## What it does
    Checks loads of a model whose config `model_type` the installed transformers does not know,
    and whose repo ships no `auto_map` code for `AutoConfig` (that case is LL005's).

    ## Why is this bad?
    transformers raises `ValueError: The checkpoint you are trying to load has model type X but
    Transformers does not recognize this architecture`. Either the architecture is newer than the
    installed transformers, or it was removed (26 types left in v5, e.g. `transfo-xl`).  A
    `gguf_file=` load is judged on its GGUF architecture (the Hub reads it from the files): one
    transformers does not convert raises `ValueError: GGUF model with architecture X is not
    supported yet`.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("transfo-xl/transfo-xl-wt103")
    ```

    ## Use instead
    A transformers release that has the architecture (pin it), or another checkpoint.

    ## Fix safety
    No fix: it depends on the environment, not on the code.
    """

    code = "LL004"
    name = "unknown-model-type"
    severity = "error"
    summary = "The installed transformers does not know the model's type"
    valid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
        '# Unknown type served by repo code: LL005 judges the flag\n'
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("transfo-xl/transfo-xl-wt103")\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="transfo-xl/transfo-xl-wt103")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or model.model_type is None:
            return
        architecture = model.gguf_architecture if site.loads_gguf else None
        supported = tables.gguf_architectures
        if architecture is not None and supported and not gguf_supported(architecture, supported):
            yield self.finding(
                site,
                model,
                f"the GGUF files of {describe(site)} hold architecture `{architecture}`, which transformers "
                f"{tables.transformers_version} cannot convert: it raises `ValueError: GGUF model with "
                f"architecture {architecture} is not supported yet`",
                suggestion="load the original (transformers-format) repo, or a transformers release that "
                "converts this GGUF architecture",
            )
            return
        if semantics.is_known_type(tables, model.model_type):
            return
        if "AutoConfig" in model.auto_map_classes:
            return
        yield self.finding(
            site,
            model,
            f"{describe(site)} has model_type `{model.model_type}`, which transformers "
            f"{tables.transformers_version} does not recognize",
            suggestion="install a transformers release that has this architecture, or use another checkpoint",
        )
