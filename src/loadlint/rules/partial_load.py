"""LL002 partial-load."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.rules._fixes import switch_class
from loadlint.tables.model import Tables


class PartialLoad(Rule):
    """
    ## What it does
    Checks `AutoModelForCausalLM` loads (directly or through `pipeline("text-generation")`) of a
    model whose type the causal-LM table maps to a decoder-only slice of the checkpoint: an
    encoder-decoder (BART, Marian, Pegasus, mBART, Blenderbot, ProphetNet, ...), a speech model
    (Whisper) or a vision-language model whose causal-LM class is text-only (Mllama, Llama 4, ...).

    ## Why is this bad?
    transformers accepts the call and builds e.g. `BartForCausalLM`: the encoder's weights are
    reported as unexpected and dropped, tied embeddings may be left randomly initialised, and
    `generate()` runs and returns garbage. Nothing fails, so the bug ships.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")
    ```

    ## Use instead
    The Auto class that builds the whole checkpoint (`AutoModelForSeq2SeqLM`,
    `AutoModelForSpeechSeq2Seq` or `AutoModelForImageTextToText`).
    ```python
    from transformers import AutoModelForSeq2SeqLM

    model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")
    ```

    ## Fix safety
    **Unsafe**: the fix switches a `from_pretrained` call to the class that loads the whole model
    (and fixes the import), but that changes the model's outputs and what `generate` expects as
    input (encoder inputs, `decoder_input_ids`, pixel or audio features), so the code around the call
    may need changes too.  Pipelines get no fix: the task, not a class, decides what they build.
    """

    code = "LL002"
    name = "partial-load"
    severity = "error"
    summary = "The class loads only part of the checkpoint (the encoder or vision tower is dropped)"
    valid = (
        'from transformers import AutoModelForSeq2SeqLM\n'
        'AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai/whisper-tiny")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-11B-Vision")\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="Helsinki-NLP/opus-mt-en-de")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or not semantics.is_known_type(tables, model.model_type):
            return
        assert model.model_type is not None
        auto_class = semantics.loading_class(tables, site.kind, site.loader, site.task, model.model_type)
        if auto_class is None or auto_class in model.auto_map_classes:
            return
        partial = semantics.partial_load(tables, auto_class, model)
        if partial is None:
            return
        used = semantics.concrete_class(tables, auto_class, model.model_type)
        yield self.finding(
            site,
            model,
            f"`{auto_class}` loads {describe(site)} (model_type `{model.model_type}`) as `{used}`, "
            f"which drops {partial.dropped}: only part of the checkpoint is loaded",
            suggestion=f"use `{partial.whole_auto_class}` (builds `{partial.whole_class}`)",
            fix=switch_class(site, partial.whole_auto_class, "unsafe"),
        )
