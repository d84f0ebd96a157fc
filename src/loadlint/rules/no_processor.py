"""LL009 no-processor."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables

# The processor Auto classes that raise when nothing names their class, and what they are called.
PROCESSOR_KINDS = {
    "AutoFeatureExtractor": "feature extractor",
    "AutoImageProcessor": "image processor",
    "AutoVideoProcessor": "video processor",
}
OTHER_PROCESSORS = ("AutoProcessor", "AutoImageProcessor", "AutoFeatureExtractor", "AutoVideoProcessor")
# timm checkpoints keep their image processing in config.json, where AutoImageProcessor looks next.
CONFIG_HOLDS_PROCESSOR = frozenset({"timm_wrapper"})


class NoProcessor(Rule):
    """
    ## What it does
    Checks `AutoFeatureExtractor`, `AutoImageProcessor` and `AutoVideoProcessor` loads of a repo whose
    file list holds no processor config (`preprocessor_config.json`, `processor_config.json`,
    `video_preprocessor_config.json`) and whose config.json maps no such class in `auto_map`: each of
    them reads its config file first and fails without one, whatever the model type (but a timm
    checkpoint, whose config.json holds its image processing).  A repo with a processor config is not
    judged (its declared class wins), nor one whose file list is unknown.

    ## Why is this bad?
    transformers raises `OSError: Can't load feature extractor for ... make sure ... is the correct
    path to a directory containing a preprocessor_config.json file` (or the image or video
    processor's twin).  A text model has no feature extractor: its inputs come from the tokenizer.

    ## Example
    ```python
    from transformers import AutoFeatureExtractor

    extractor = AutoFeatureExtractor.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Use instead
    ```python
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")
    ```

    ## Fix safety
    No fix: the code that uses the processor changes with it.
    """

    code = "LL009"
    name = "no-processor"
    severity = "error"
    summary = "A feature extractor, image or video processor loaded for a model that has none: transformers raises"
    valid = (
        'from transformers import AutoFeatureExtractor\n'
        'AutoFeatureExtractor.from_pretrained("openai/whisper-tiny")\n',
        'from transformers import AutoTokenizer\n'
        'AutoTokenizer.from_pretrained("google-bert/bert-base-uncased")\n',
    )
    invalid = (
        'from transformers import AutoFeatureExtractor\n'
        'AutoFeatureExtractor.from_pretrained("google-bert/bert-base-uncased")\n',
        'from transformers import AutoImageProcessor\n'
        'AutoImageProcessor.from_pretrained("openai-community/gpt2")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        kind = PROCESSOR_KINDS.get(site.loader)
        if kind is None or site.kind != "from_pretrained" or model is None:
            return
        if model.model_type is None or model.processor_files != () or site.loader in model.auto_map_classes:
            return
        if site.loader == "AutoImageProcessor" and model.model_type in CONFIG_HOLDS_PROCESSOR:
            return
        others = [f"`{name}`" for name in OTHER_PROCESSORS if tables.serves(name, model.model_type)]
        if tables.serves(site.loader, model.model_type):
            instead = "save the processor beside the model (its preprocessor_config.json), or use a repo that has one"
        else:
            instead = f"use {' or '.join(others)}" if others else "load its tokenizer with `AutoTokenizer`"
        yield self.finding(
            site,
            model,
            f"`{site.loader}` has nothing to load for {describe(site)}: the repo has no preprocessor_config.json "
            f"(nor processor_config.json), which it reads first, so transformers raises `OSError: Can't load {kind}`",
            suggestion=instead,
        )
