"""LL018 processor-fallback."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from loadlint.facts import ModelFacts, ModelRef, Unresolved, UseSite, facts_for
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables

# The inputs only a multimodal processor takes: a tokenizer ignores them (they reach no model).
NON_TEXT_INPUTS = ("images", "videos", "audio", "audios")
TOKENIZER_CONFIG = "tokenizer_config.json"


def processor_fallback(model: ModelFacts, tables: Tables) -> str | None:
    """What `AutoProcessor.from_pretrained` returns when it finds no processor class for the repo:
    "tokenizer" for a bare tokenizer; None when it returns a processor, raises, or the facts do not say.

    transformers looks for a declared class in processor_config.json, preprocessor_config.json (or
    video_preprocessor_config.json), tokenizer_config.json and config.json, then in PROCESSOR_MAPPING by
    model type; only then does it try AutoTokenizer, which needs tokenizer_config.json here (a repo
    without one is not judged: whether the next fallbacks succeed depends on files not read).
    """
    declared = model.processor_declarations
    if declared is None or any(name for _, name in declared) or model.model_type is None:
        return None
    if "AutoConfig" in model.auto_map_classes:  # the config class is repo code, in no table
        return None
    if tables.serves("AutoProcessor", model.model_type):
        return None
    if TOKENIZER_CONFIG not in dict(declared) or "AutoTokenizer" in dict(model.tokenizer_auto_map or ()):
        return None
    return "tokenizer"


def _multimodal_use(use: UseSite) -> str | None:
    """How the code treats the object as a multimodal processor: the part it reads, or the non-text
    input it passes; None for a use a tokenizer serves."""
    if use.kind == "component":
        return f"reads `{use.receiver_source}.{use.component}`"
    if use.kind == "call":
        given = [f"`{a.keyword}=`" for a in use.arguments if a.keyword in NON_TEXT_INPUTS]
        return f"passes {' and '.join(given)}" if given else None
    return None


class ProcessorFallback(Rule):
    """
    ## What it does
    Checks `AutoProcessor.from_pretrained(id)` when transformers finds no processor for the repo and
    falls back to a bare tokenizer, while the code uses the result as a multimodal processor: it passes
    `images=`, `videos=` or `audio=`, or reads `.tokenizer`, `.image_processor`, `.feature_extractor`
    or `.video_processor`.  The verdict follows transformers' own lookup: no file it reads
    (processor_config.json, preprocessor_config.json, tokenizer_config.json, config.json) names a
    `processor_class` or an `AutoProcessor` in `auto_map`, the model type has no processor in
    `PROCESSOR_MAPPING`, and the repo has a tokenizer_config.json.  A repo whose files were not all read
    is not judged, nor a load without such a use.

    ## Why is this bad?
    The object is a tokenizer.  It drops `images=` (and the other non-text inputs) with at most a
    logged warning, so the model never sees the image or audio and answers from the text alone; reading
    `processor.tokenizer` raises `AttributeError: ... has no attribute tokenizer`.  Usually the id is a
    text model where a multimodal one was meant.

    ## Example
    ```python
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")
    inputs = processor(text="What is in the picture?", images=image, return_tensors="pt")
    ```

    ## Use instead
    ```python
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained("llava-hf/llava-1.5-7b-hf")
    inputs = processor(text="USER: <image>\\nWhat is in the picture? ASSISTANT:", images=image,
                       return_tensors="pt")
    ```
    or, for text alone, `AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")`.

    ## Fix safety
    No fix: which model was meant is the author's choice.
    """

    code = "LL018"
    name = "processor-fallback"
    severity = "warning"
    summary = "`AutoProcessor` returns a bare tokenizer for the repo, but the code uses it as a multimodal processor"
    valid = (
        'from transformers import AutoProcessor\n'
        'processor = AutoProcessor.from_pretrained("llava-hf/llava-1.5-7b-hf")\n'
        'inputs = processor(text="USER: <image> ASSISTANT:", images=[image], return_tensors="pt")\n',
        '# Used as the tokenizer it is: nothing to report\n'
        'from transformers import AutoProcessor\n'
        'processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")\n'
        'inputs = processor(text="Hello", return_tensors="pt")\n',
    )
    invalid = (
        'from transformers import AutoProcessor\n'
        'processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")\n'
        'inputs = processor(text="What is in the picture?", images=[image], return_tensors="pt")\n',
        'from transformers import AutoProcessor\n'
        '\n'
        'class Captioner:\n'
        '    def __init__(self):\n'
        '        self.processor = AutoProcessor.from_pretrained("google-bert/bert-base-uncased")\n'
        '\n'
        '    def decode(self, ids):\n'
        '        return self.processor.tokenizer.decode(ids)\n',
    )

    def check_use(
        self, use: UseSite, models: Mapping[ModelRef, ModelFacts | Unresolved], tables: Tables
    ) -> Iterator[Finding]:
        load = use.receiver
        if load is None or load.kind != "from_pretrained" or load.loader != "AutoProcessor":
            return
        if load.keyword("config") is not None:  # a given config decides instead of the repo's config.json
            return
        how = _multimodal_use(use)
        model = facts_for(load, models) if how is not None else None
        if model is None or processor_fallback(model, tables) is None:
            return
        tokenizer = f"a bare tokenizer (`{model.tokenizer_class}`)" if model.tokenizer_class else "a bare tokenizer"
        yield self.use_finding(
            use,
            load,
            model,
            f"the code {how}, as of a multimodal processor, but `AutoProcessor` returns {tokenizer} for "
            f"{describe(load)}: no file it reads names a processor class and model type `{model.model_type}` "
            "has none, so it falls back to `AutoTokenizer`"
            + (", which drops that input" if use.kind == "call" else ", which has no such attribute"),
            suggestion=f"use a repo that ships a processor for this input, or load {describe(load)} with "
            "`AutoTokenizer` and pass text alone",
        )
