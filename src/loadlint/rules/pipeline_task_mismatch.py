"""LL007 pipeline-task-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint import semantics
from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables


class PipelineTaskMismatch(Rule):
    """
    ## What it does
    Checks `pipeline(task, model=...)` calls: a task the installed transformers removed (v5 removed
    `summarization`, `translation`, `text2text-generation`, `question-answering`, ... — the list is
    read from its `REMOVED_TASKS`), a task it does not know, a model whose type none of the task's
    Auto classes accepts, and a call without a task whose model's Hub `pipeline_tag` is a removed
    task.

    ## Why is this bad?
    A removed or unknown task raises `KeyError` when the pipeline is built. A model outside the
    task's tables does not fail: the pipeline falls back to the config's `architectures`, logs
    `The model 'X' is not supported for <task>` and runs the wrong head.

    ## Example
    ```python
    from transformers import pipeline

    summarizer = pipeline("summarization", model="facebook/bart-large-cnn")
    generator = pipeline("text-generation", model="google-t5/t5-small")
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForSeq2SeqLM, pipeline

    model = AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-large-cnn")
    generator = pipeline("text-generation", model="openai-community/gpt2")
    ```

    ## Fix safety
    No fix: the replacement depends on what the pipeline was for.
    """

    code = "LL007"
    name = "pipeline-task-mismatch"
    severity = "error"
    summary = "The pipeline task is removed or unknown, or does not fit the model"
    needs_model = False
    valid = (
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="openai-community/gpt2")\n',
        'from transformers import pipeline\n'
        'pipeline("fill-mask", model="google-bert/bert-base-uncased")\n',
        'from transformers import pipeline\n'
        'pipeline("sentiment-analysis")\n',
    )
    invalid = (
        'from transformers import pipeline\n'
        'pipeline("summarization", model="facebook/bart-large-cnn")\n',
        'from transformers import pipeline\n'
        'pipeline("translation_en_to_de")\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="google-t5/t5-small")\n',
        'from transformers import pipeline\n'
        'pipeline("conversational", model="openai-community/gpt2")\n',
        'from transformers import pipeline\n'
        'pipeline(model="facebook/bart-large-cnn")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if site.kind != "pipeline":
            return
        if site.task is None:
            if site.task_dynamic or model is None or not model.pipeline_tag:
                return
            removed = semantics.removed_task_reason(tables, model.pipeline_tag)
            if removed:
                yield self.finding(
                    site,
                    model,
                    f"no task given, so the pipeline takes {describe(site)}'s Hub task "
                    f"`{model.pipeline_tag}`, which transformers {tables.transformers_version} removed",
                    suggestion=removed,
                )
            return
        removed = semantics.removed_task_reason(tables, site.task)
        if removed:
            yield self.finding(
                site,
                model,
                f"the `{site.task}` pipeline was removed in transformers {tables.transformers_version}",
                suggestion=removed,
            )
            return
        classes = semantics.task_classes(tables, site.task)
        if classes is None:
            yield self.finding(
                site, model, f"transformers {tables.transformers_version} has no `{site.task}` pipeline task"
            )
            return
        if model is None or not classes or not semantics.is_known_type(tables, model.model_type):
            return
        if semantics.loading_class(tables, site.kind, site.loader, site.task, model.model_type):
            return
        tag = model.pipeline_tag
        yield self.finding(
            site,
            model,
            f"no Auto class of the `{site.task}` pipeline accepts {describe(site)} (model_type "
            f"`{model.model_type}`): the pipeline falls back to `architectures` and runs the wrong head",
            suggestion=f"use the model's own task `{tag}`" if tag and tag != site.task else None,
        )
