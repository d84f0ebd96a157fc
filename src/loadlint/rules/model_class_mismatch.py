"""LL006 model-class-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.gguf import gguf_model_types
from loadlint.rules._base import Rule, describe
from loadlint.rules._fixes import switch_class
from loadlint.tables.model import Tables


class ModelClassMismatch(Rule):
    """
    ## What it does
    Checks `from_pretrained` on a concrete model class (`T5ForConditionalGeneration`,
    `GPT2LMHeadModel`, ...) whose model type, per the installed transformers' tables, differs from
    the `model_type` in the model's config.  A class no Auto class builds (`CLIPTextModelWithProjection`)
    is judged on its config class's `model_type`, and only where the outcome is certain: not for a
    `*PreTrainedModel` class, nor for a checkpoint whose config nests sub-configs (transformers looks
    for a matching one there).  A class whose config has a `base_config_key` (`CLIPTextModel`,
    `CLIPVisionModel`) is never judged: it reads its part out of a composite checkpoint's config.

    ## Why is this bad?
    transformers builds the class's own config from the other model's config.json, logs only
    `You are using a model of type X to instantiate a model of type Y`, and then fails on shapes
    or leaves most weights randomly initialised.

    ## Example
    ```python
    from transformers import GPT2LMHeadModel

    model = GPT2LMHeadModel.from_pretrained("google-t5/t5-small")
    ```

    ## Use instead
    The checkpoint's own architecture (`architectures[0]`), or an Auto class.
    ```python
    from transformers import T5ForConditionalGeneration

    model = T5ForConditionalGeneration.from_pretrained("google-t5/t5-small")
    ```

    ## Fix safety
    **Display-only**: the fix shows the checkpoint's own class (`architectures[0]`), else the Auto
    class for the model, in place of the one used.  It is never applied: a concrete class usually
    comes with code written for it (its inputs, its outputs), so the change needs a person.
    """

    code = "LL006"
    name = "model-class-mismatch"
    severity = "error"
    summary = "A concrete model class is used for a model of another type"
    valid = (
        'from transformers import T5ForConditionalGeneration\n'
        'T5ForConditionalGeneration.from_pretrained("google-t5/t5-small")\n',
        'import transformers\n'
        'transformers.BartForConditionalGeneration.from_pretrained("facebook/bart-large-cnn")\n',
        '# the text tower reads `text_config` out of the CLIP checkpoint\'s config\n'
        'from transformers import CLIPTextModelWithProjection\n'
        'CLIPTextModelWithProjection.from_pretrained("openai/clip-vit-base-patch32")\n',
    )
    invalid = (
        'from transformers import GPT2LMHeadModel\n'
        'GPT2LMHeadModel.from_pretrained("google-t5/t5-small")\n',
        'from transformers import BertForMaskedLM\n'
        'BertForMaskedLM.from_pretrained("FacebookAI/roberta-base")\n',
        '# in no Auto table: judged on its config class, `BridgeTowerConfig`\n'
        'from transformers import BridgeTowerForMaskedLM\n'
        'BridgeTowerForMaskedLM.from_pretrained("google-bert/bert-base-uncased")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or site.kind != "from_pretrained" or site.loader in tables.loader_classes:
            return
        if not semantics.is_known_type(tables, model.model_type):
            return
        assert model.model_type is not None
        class_types = semantics.class_model_types(tables, site.loader, model.model_type)
        if not class_types:
            return
        # A GGUF file's model type may be another its architecture maps to (`llama` files of Mistral models).
        possible = gguf_model_types(model.gguf_architecture) if site.loads_gguf and model.gguf_architecture else ()
        if any(tables.lookup_type(t) in class_types or t in class_types for t in (model.model_type, *possible)):
            return
        architecture = semantics.canonical_architecture(model)
        if not (architecture and tables.model_types_for_class(architecture)):
            architecture = semantics.suggest_auto_class(tables, model)
        expected = ", ".join(f"`{t}`" for t in sorted(class_types))
        yield self.finding(
            site,
            model,
            f"`{site.loader}` is a class for model_type {expected}, but {describe(site)} has model_type "
            f"`{model.model_type}`",
            suggestion=f"use `{architecture}`" if architecture else None,
            fix=switch_class(site, architecture, "display-only") if architecture else None,
        )
