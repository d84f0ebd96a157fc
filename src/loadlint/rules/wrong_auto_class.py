"""LL001 wrong-auto-class."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.fixes import Applicability
from loadlint.rules._base import Rule, describe
from loadlint.rules._fixes import switch_class
from loadlint.tables.model import Tables


class WrongAutoClass(Rule):
    """
    ## What it does
    Checks `AutoModel*.from_pretrained(id)` calls whose Auto class has no entry for the model's
    `model_type` in the installed transformers.

    ## Why is this bad?
    transformers looks the config class up in the Auto class's table and raises
    `ValueError: Unrecognized configuration class ... for this kind of AutoModel` when it is not
    there: the script fails at run time, often after downloading the config and tokenizer.

    ## Example
    ```python
    from transformers import AutoModelForSeq2SeqLM

    model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")
    ```

    ## Use instead
    The Auto class whose table maps the model type to the checkpoint's own architecture
    (`architectures[0]` in config.json); else the generative class that accepts it; else the Hub's
    `transformersInfo.auto_model` when the installed transformers has that class.
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")
    ```

    ## Fix safety
    The fix replaces the class at the call and in its import (the old name is dropped from the
    import only when nothing else uses it; `transformers.X` / `tf.X` is rewritten in place).
    It is **safe** when the call used a generative class, exactly one generative class accepts the
    model, and its table maps the type to the checkpoint's own architecture (`gpt2` under
    `AutoModelForSeq2SeqLM` -> `AutoModelForCausalLM`): the code meant to generate with this model
    and there is one class that can.  It is **unsafe** when several generative classes accept the
    model or the checkpoint's architecture is another one, and **display-only** when the call used a
    task head (a classifier, say): switching it to another task changes what the code does.
    """

    code = "LL001"
    name = "wrong-auto-class"
    severity = "error"
    summary = "The Auto class cannot load the model's type: transformers raises `Unrecognized configuration class`"
    valid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
        'import transformers as tf\n'
        'tf.AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n',
        '# Remote code: handled by LL005, not this rule\n'
        'from transformers import AutoModel\n'
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n',
    )
    invalid = (
        'from transformers import AutoModelForSeq2SeqLM\n'
        'AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("google-t5/t5-small")\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("llava-hf/llava-1.5-7b-hf")\n',
        'from transformers import AutoModelForSeq2SeqLM\n'
        'AutoModelForSeq2SeqLM.from_pretrained("openai/whisper-tiny")\n',
        '# the config comes from the GGUF file: architecture `llama`\n'
        'from transformers import AutoModelForSeq2SeqLM\n'
        'AutoModelForSeq2SeqLM.from_pretrained("bartowski/Llama-3.2-1B-Instruct-GGUF",\n'
        '                                      gguf_file="Llama-3.2-1B-Instruct-Q4_K_M.gguf")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if (
            model is None
            or site.kind != "from_pretrained"
            or site.loader not in tables.auto_models
            or not semantics.is_known_type(tables, model.model_type)
            or site.loader in model.auto_map_classes
            or semantics.accepts(tables, site.loader, model.model_type or "")
        ):
            return
        suggestion = semantics.suggest_auto_class(tables, model)
        fix = None
        if suggestion:
            fix = switch_class(site, suggestion, _applicability(tables, site.loader, model, suggestion))
        yield self.finding(
            site,
            model,
            f"`{site.loader}` cannot load {describe(site)}: its model_type `{model.model_type}` is not in "
            f"the class's table, so transformers raises `Unrecognized configuration class`",
            suggestion=f"use `{suggestion}`" if suggestion else None,
            fix=fix,
        )


def _applicability(tables: Tables, used: str, model: ModelFacts, suggestion: str) -> Applicability:
    if used not in semantics.GENERATIVE_CLASSES:
        return "display-only"
    assert model.model_type is not None
    generative = [name for name in semantics.GENERATIVE_CLASSES if semantics.accepts(tables, name, model.model_type)]
    own_architecture = semantics.canonical_architecture(model) in semantics.class_names(
        tables, suggestion, model.model_type
    )
    return "safe" if generative == [suggestion] and own_architecture else "unsafe"
