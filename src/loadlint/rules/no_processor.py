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


class NoProcessor(Rule):
    """
    ## What it does
    Checks `AutoFeatureExtractor`, `AutoImageProcessor` and `AutoVideoProcessor` loads of a repo whose
    file list holds no processor config (`preprocessor_config.json`, `processor_config.json`,
    `video_preprocessor_config.json`), whose config.json maps no such class in `auto_map`, and whose
    model type has none in transformers' table: transformers has nothing to build.  A repo with a
    processor config is not judged (its declared class wins), nor one whose file list is unknown.

    ## Why is this bad?
    transformers raises `ValueError: Unrecognized feature extractor in ... Should have a
    `feature_extractor_type` key in its preprocessor_config.json of config.json` (or the image or
    video processor's twin).  A text model has no feature extractor: its inputs come from the tokenizer.

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
        if tables.serves(site.loader, model.model_type):
            return
        others = [f"`{name}`" for name in OTHER_PROCESSORS if tables.serves(name, model.model_type)]
        yield self.finding(
            site,
            model,
            f"`{site.loader}` has nothing to build for {describe(site)}: the repo has no processor config and "
            f"transformers has no {kind} for model_type `{model.model_type}`, so it raises `ValueError`",
            suggestion=f"use {' or '.join(others)}" if others else "load its tokenizer with `AutoTokenizer`",
        )
