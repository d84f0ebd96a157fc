"""LL008 not-a-checkpoint."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule, describe
from loadlint.tables.model import Tables

# What each layout is, and what to do instead (`{id}`, `{first}`: the id, the first file shown).
LAYOUTS = {
    "original": ("it holds the original-format weights", "use the repo converted to the transformers format"),
    "gguf": (
        "it holds GGUF files",
        'pass `gguf_file="{first}"` (transformers converts it as it loads), or load the original repo',
    ),
    "diffusers": ("it is a diffusers pipeline", "load it with diffusers: `DiffusionPipeline.from_pretrained(...)`"),
    "sentence-transformers": (
        "it is a sentence-transformers model",
        "load it with sentence-transformers: `SentenceTransformer(...)`",
    ),
    "other": ("it holds", "check the id: nothing in the repo is a checkpoint transformers can load"),
}


class NotACheckpoint(Rule):
    """
    ## What it does
    Checks loads of a repo (or local folder) whose file list has no `config.json` and no adapter
    config: the original-format weights of a model (`consolidated.00.pth`, `params.json`), GGUF files,
    a diffusers pipeline or a sentence-transformers layout.  A load that passes `gguf_file=` is not
    judged: transformers reads the config from that file.

    ## Why is this bad?
    Every `from_pretrained` and `pipeline(model=...)` starts from `config.json`: transformers raises
    `OSError: ... does not appear to have a file named config.json`.  The repo exists and answers, so
    the mistake is the id (or the library), not the network.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b")
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")
    ```

    ## Fix safety
    No fix: which converted repo, which of several GGUF files or which library to use is the
    author's choice.
    """

    code = "LL008"
    name = "not-a-checkpoint"
    severity = "error"
    summary = "The repo is not a transformers checkpoint: no `config.json` (original weights, GGUF, diffusers)"
    reads_layout = True
    runtime_confirms = False  # nothing to build: the config itself is missing
    valid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n',
        '# transformers reads the config from the GGUF file\n'
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("bartowski/Llama-3.2-1B-Instruct-GGUF",\n'
        '                                     gguf_file="Llama-3.2-1B-Instruct-Q4_K_M.gguf")\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b")\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="bartowski/Llama-3.2-1B-Instruct-GGUF")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if model is None or model.layout is None or not site.loads_model or site.keyword("gguf_file") is not None:
            return
        what, instead = LAYOUTS.get(model.layout, LAYOUTS["other"])
        shown = ", ".join(f"`{name}`" for name in model.layout_files)
        call = "pipeline" if site.kind == "pipeline" else f"{site.loader}.from_pretrained"
        if model.layout == "original" and not model.ref.model_id.endswith("-hf"):
            instead = f"use the repo converted to the transformers format (such as `{model.ref.model_id}-hf`)"
        first = model.layout_files[0] if model.layout_files else ""
        yield self.finding(
            site,
            model,
            f"{describe(site)} is not a transformers checkpoint: the repo has no config.json ({what}"
            f"{': ' + shown if shown else ''}), so `{call}` raises `OSError`",
            suggestion=instead.format(first=first),
        )
