"""LL003 encoder-as-generator."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables


class EncoderAsGenerator(Rule):
    """
    ## What it does
    Checks `AutoModelForCausalLM` loads (directly or through `pipeline("text-generation")`) of an
    encoder-only model: a type that both the causal-LM and the masked-LM tables accept and that no
    whole-model generative table (seq2seq, speech, image-text) has, e.g. BERT, RoBERTa, ELECTRA,
    XLM-RoBERTa. The set is computed from the installed transformers' tables.

    ## Why is this bad?
    transformers builds e.g. `BertLMHeadModel` and only logs `If you want to use BertLMHeadModel as
    a standalone, add is_decoder=True.` The checkpoint was trained with bidirectional attention on
    masked tokens: `generate()` runs but its text is meaningless.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Use instead
    A generative model for generation, or the masked-LM class for this model.
    ```python
    from transformers import AutoModelForMaskedLM

    model = AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Fix safety
    No fix: the right change is a different model, which only the author can choose.
    """

    code = "LL003"
    name = "encoder-as-generator"
    severity = "warning"
    summary = "An encoder-only model is loaded as a text generator"
    valid = (
        'from transformers import AutoModelForMaskedLM\n'
        'AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")\n',
        'from transformers import pipeline\n'
        'generator = pipeline("text-generation", model="FacebookAI/roberta-base")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or not semantics.is_known_type(tables, model.model_type):
            return
        assert model.model_type is not None
        auto_class = semantics.loading_class(tables, site.kind, site.loader, site.task, model.model_type)
        if auto_class is None or auto_class in model.auto_map_classes:
            return
        if not semantics.generates_from_encoder(tables, auto_class, model):
            return
        used = semantics.concrete_class(tables, auto_class, model.model_type)
        yield self.finding(
            site,
            model,
            f"{describe(site)} is an encoder-only model (model_type `{model.model_type}`): `{auto_class}` "
            f"builds `{used}` with bidirectional attention, so generated text is meaningless",
            suggestion=f"use a generative model, or `{semantics.MASKED_LM}` for this one",
        )
