"""LL016 adapter-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables

# peft's AutoPeftModel* classes: the transformers class each loads the base with, and the adapter
# `task_type` it requires (peft/auto.py `_target_class`, `_target_peft_class`); AutoPeftModel takes any.
PEFT_CLASSES: dict[str, tuple[str, str | None]] = {
    "AutoPeftModel": ("AutoModel", None),
    "AutoPeftModelForCausalLM": ("AutoModelForCausalLM", "CAUSAL_LM"),
    "AutoPeftModelForSeq2SeqLM": ("AutoModelForSeq2SeqLM", "SEQ_2_SEQ_LM"),
    "AutoPeftModelForSequenceClassification": ("AutoModelForSequenceClassification", "SEQ_CLS"),
    "AutoPeftModelForTokenClassification": ("AutoModelForTokenClassification", "TOKEN_CLS"),
    "AutoPeftModelForQuestionAnswering": ("AutoModelForQuestionAnswering", "QUESTION_ANS"),
    "AutoPeftModelForFeatureExtraction": ("AutoModel", "FEATURE_EXTRACTION"),
}
TASK_CLASSES = {task: name for name, (_, task) in PEFT_CLASSES.items() if task is not None}
# The transformers Auto class a `task_type` is for (CAUSAL_LM -> AutoModelForCausalLM, ...).
TASK_TARGETS = {task: target for target, task in PEFT_CLASSES.values() if task is not None}


class AdapterMismatch(Rule):
    """
    ## What it does
    Checks `AutoPeftModelFor*.from_pretrained(adapter)` against the adapter's adapter_config.json and
    its base model's config (resolved through the base the adapter names):
    - the adapter's `task_type` is not the one the class is for (`CAUSAL_LM` under
      `AutoPeftModelForSeq2SeqLM`);
    - the transformers class the base is loaded with cannot load the base's model type.

    ## Why is this bad?
    peft raises `ValueError: Expected target PEFT class: PeftModelForCausalLM, but you have asked
    for: PeftModelForSeq2SeqLM`; and the base load raises `Unrecognized configuration class` before
    the adapter is attached.

    ## Example
    ```python
    from peft import AutoPeftModelForSeq2SeqLM

    model = AutoPeftModelForSeq2SeqLM.from_pretrained("timdettmers/guanaco-7b")
    ```

    ## Use instead
    ```python
    from peft import AutoPeftModelForCausalLM

    model = AutoPeftModelForCausalLM.from_pretrained("timdettmers/guanaco-7b")
    ```

    ## Fix safety
    No fix: the code around the model depends on its task.
    """

    code = "LL016"
    name = "adapter-mismatch"
    severity = "error"
    summary = "An `AutoPeftModelFor*` class that does not fit the adapter's task or its base model"
    valid = (
        'from peft import AutoPeftModelForCausalLM\n'
        'AutoPeftModelForCausalLM.from_pretrained("timdettmers/guanaco-7b")\n',
    )
    invalid = (
        'from peft import AutoPeftModelForSeq2SeqLM\n'
        'AutoPeftModelForSeq2SeqLM.from_pretrained("timdettmers/guanaco-7b")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if site.kind != "adapter" or model is None or site.loader not in PEFT_CLASSES:
            return
        target, task = PEFT_CLASSES[site.loader]
        if task is not None and model.adapter_task is not None and model.adapter_task != task:
            fitting = TASK_CLASSES.get(model.adapter_task)
            yield self.finding(
                site,
                model,
                f"`{site.loader}` is for `{task}` adapters, and {describe(site)} is a `{model.adapter_task}` "
                f"one: peft raises `ValueError: Expected target PEFT class`",
                suggestion=f"use `{fitting}`" if fitting else None,
            )
        elif model.model_type is not None and not semantics.accepts(tables, target, model.model_type):
            yield self.finding(
                site,
                model,
                f"`{site.loader}` loads the base with `{target}`, which cannot load model_type "
                f"`{model.model_type}`: transformers raises `Unrecognized configuration class`",
            )
