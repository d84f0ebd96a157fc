"""LL021 removed-auto-class."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.extract import is_removed_auto_class
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.fixes import Fix
from loadlint.rules._base import Rule
from loadlint.rules._fixes import switch_class
from loadlint.tables.model import Tables

# Auto classes transformers 5 removed without a record in its source (hand-kept, from the v5
# migration guide): the class that replaces each, or None when it depends on the model.
RENAMED_AUTO_CLASSES: dict[str, str | None] = {
    "AutoModelForVision2Seq": "AutoModelForImageTextToText",  # every v4 Vision2Seq type is in the new table
    "AutoModelWithLMHead": None,  # chosen from the model: causal, masked or seq2seq LM
}
# In the order ties are broken: bart maps to the same class in the seq2seq and masked tables, xlm in the
# masked and causal ones; v4 built the whole model (seq2seq) and the pretraining head (masked).
LM_HEAD_CLASSES = ("AutoModelForSeq2SeqLM", "AutoModelForMaskedLM", "AutoModelForCausalLM")
FRAMEWORK_PREFIXES = ("TF", "Flax")


class RemovedAutoClass(Rule):
    """
    ## What it does
    Checks `from_pretrained` on an Auto class the installed transformers does not have:
    `AutoModelForVision2Seq` (now `AutoModelForImageTextToText`), `AutoModelWithLMHead` (split into
    the causal, masked and seq2seq LM classes), the TensorFlow and Flax Auto classes (`TFAutoModel*`,
    `FlaxAutoModel*`), and any other `Auto*` name missing from its tables.

    The installed classes come from transformers' tables; the two v4 renames are a hand-kept list,
    as transformers 5 keeps no record of them.

    ## Why is this bad?
    `from transformers import AutoModelForVision2Seq` raises `ImportError` in transformers 5: the
    script fails before loading anything. TensorFlow and Flax support was removed altogether.

    ## Example
    ```python
    from transformers import AutoModelForVision2Seq, AutoModelWithLMHead

    vlm = AutoModelForVision2Seq.from_pretrained("llava-hf/llava-1.5-7b-hf")
    lm = AutoModelWithLMHead.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForImageTextToText, AutoModelForMaskedLM

    vlm = AutoModelForImageTextToText.from_pretrained("llava-hf/llava-1.5-7b-hf")
    lm = AutoModelForMaskedLM.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Fix safety
    `AutoModelForVision2Seq` -> `AutoModelForImageTextToText` is safe. For `AutoModelWithLMHead` the
    class is chosen from the resolved model (the LM class whose table maps its type to the
    checkpoint's own architecture, else the only LM class that accepts the type): unsafe, as it
    rests on the model's current config. TensorFlow and Flax classes get no fix: the code around
    them uses that framework.
    """

    code = "LL021"
    name = "removed-auto-class"
    severity = "error"
    summary = "An Auto class transformers 5 removed (`AutoModelForVision2Seq`, `AutoModelWithLMHead`, TF/Flax)"
    valid = (
        'from transformers import AutoModelForImageTextToText\n'
        'AutoModelForImageTextToText.from_pretrained("llava-hf/llava-1.5-7b-hf")\n',
    )
    invalid = (
        'from transformers import AutoModelForVision2Seq\n'
        'AutoModelForVision2Seq.from_pretrained("llava-hf/llava-1.5-7b-hf")\n',
        'from transformers import AutoModelWithLMHead\n'
        'AutoModelWithLMHead.from_pretrained("google-bert/bert-base-uncased")\n',
        'from transformers import TFAutoModelForCausalLM\n'
        'TFAutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        loader = site.loader
        if site.kind != "from_pretrained" or loader in tables.loader_classes or not is_removed_auto_class(loader):
            return
        version = tables.transformers_version
        framework = next((prefix for prefix in FRAMEWORK_PREFIXES if loader.startswith(prefix + "Auto")), None)
        if framework is not None:
            counterpart = loader.removeprefix(framework)
            yield self.finding(
                site,
                model,
                f"`{loader}` is a {framework} class: transformers {version} removed TensorFlow and Flax, "
                "so importing it raises `ImportError`",
                suggestion=f"use the PyTorch class `{counterpart}`" if counterpart in tables.loader_classes else None,
            )
            return
        if loader in RENAMED_AUTO_CLASSES:
            replacement, fix = self._replacement(site, model, tables)
            yield self.finding(
                site,
                model,
                f"`{loader}` was removed in transformers {version}: importing it raises `ImportError`",
                suggestion=f"use `{replacement}`" if replacement else f"use one of {_names(LM_HEAD_CLASSES)}",
                fix=fix,
            )
            return
        yield self.finding(
            site, model, f"transformers {version} has no `{loader}`: importing it raises `ImportError`"
        )

    @staticmethod
    def _replacement(site: CallSite, model: ModelFacts | None, tables: Tables) -> tuple[str | None, Fix | None]:
        renamed = RENAMED_AUTO_CLASSES[site.loader]
        if renamed is not None:
            return renamed, switch_class(site, renamed, "safe")
        chosen = _lm_head_class(tables, model)
        return chosen, switch_class(site, chosen, "unsafe") if chosen else None


def _lm_head_class(tables: Tables, model: ModelFacts | None) -> str | None:
    """The LM class for `AutoModelWithLMHead`: the one mapping the type to the checkpoint's own
    architecture, else the only one accepting the type."""
    if model is None or not semantics.is_known_type(tables, model.model_type):
        return None
    assert model.model_type is not None
    accepting = [name for name in LM_HEAD_CLASSES if semantics.accepts(tables, name, model.model_type)]
    architecture = semantics.canonical_architecture(model)
    for name in accepting:
        if architecture in semantics.class_names(tables, name, model.model_type):
            return name
    return accepting[0] if len(accepting) == 1 else None


def _names(classes: tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in classes)
