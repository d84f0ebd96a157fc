"""LL010 generate-without-lm-head."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint import semantics
from loadlint.facts import ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.rules._base import Rule
from loadlint.rules._fixes import switch_class
from loadlint.tables.model import Tables


class GenerateWithoutLmHead(Rule):
    """
    ## What it does
    Follows a loaded model to its `.generate(...)` calls (within the function or module, through
    names bound once and `self.x` set in `__init__`) and checks that the class it was loaded with
    can generate: `AutoModel` builds the bare model without a language-modeling head, and classes
    such as `*ForMaskedLM` or `*ForSequenceClassification` have no `generate`. Which classes can
    generate comes from transformers' tables (a class some generative Auto class builds). `AutoModel`
    is judged without resolving the model; other classes need the model's type.

    ## Why is this bad?
    `AttributeError: 'GPT2Model' object has no attribute 'generate'`, after the weights were
    downloaded and loaded.

    ## Example
    ```python
    from transformers import AutoModel

    model = AutoModel.from_pretrained("openai-community/gpt2")
    output = model.generate(input_ids, max_new_tokens=20)
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    output = model.generate(input_ids, max_new_tokens=20)
    ```

    ## Fix safety
    Unsafe: the load switches to the generative Auto class that accepts the model's type (the one
    mapping it to the checkpoint's own architecture first), which builds another class with other
    weights and outputs. Offered only when the model was resolved, and never for an encoder-only
    model (BERT and kin), which needs another checkpoint to generate.
    """

    code = "LL010"
    name = "generate-without-lm-head"
    severity = "error"
    summary = "`.generate` on a model loaded with a class that has no generation head (`AutoModel`, `*ForMaskedLM`)"
    runtime_confirms = False
    valid = (
        'from transformers import AutoModelForCausalLM\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
        'model.generate(input_ids, max_new_tokens=20)\n',
        '# A rebound name is not followed\n'
        'from transformers import AutoModel\n'
        'model = AutoModel.from_pretrained("openai-community/gpt2")\n'
        'model = wrap(model)\n'
        'model.generate(input_ids)\n',
        '# Repo code may generate\n'
        'from transformers import AutoModel\n'
        'model = AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n'
        'model.generate(input_ids)\n',
    )
    invalid = (
        'from transformers import AutoModel\n'
        'model = AutoModel.from_pretrained("openai-community/gpt2")\n'
        'model.generate(input_ids, max_new_tokens=20)\n',
        'from transformers import AutoModelForMaskedLM\n'
        'class Filler:\n'
        '    def __init__(self):\n'
        '        self.model = AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")\n'
        '    def run(self, ids):\n'
        '        return self.model.generate(ids)\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        load = use.receiver
        if use.kind != "generate" or load is None or load.kind != "from_pretrained":
            return
        trust = load.keyword("trust_remote_code")
        if trust is not None and (not trust.is_constant or trust.value):
            return
        model = facts_for(load, models)
        if semantics.can_generate(tables, load.loader, model) is not False:
            return
        replacement = semantics.generative_class_for(tables, model) if model else None
        built = semantics.concrete_class(tables, load.loader, model.model_type or "") if model else None
        what = f"`{load.loader}`" + (f" (which builds `{built}`)" if built and built != load.loader else "")
        yield self.use_finding(
            use,
            load,
            model,
            f"`{use.receiver_source}.generate` calls a model loaded with {what}, a class without a "
            "language-modeling head: it has no `generate`, so this raises `AttributeError`",
            suggestion=f"load it with `{replacement}`" if replacement else "load it with a generative class",
            fix=switch_class(load, replacement, "unsafe") if replacement else None,
        )
