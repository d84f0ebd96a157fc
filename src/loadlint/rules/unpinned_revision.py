"""LL031 unpinned-revision."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.rules._base import Rule
from loadlint.rules._revision import is_commit, is_local, pin_fix
from loadlint.tables.model import Tables


class UnpinnedRevision(Rule):
    """
    ## What it does
    Off by default (select it to run it). Checks every download from the Hub whose `revision=` is
    not a 40-hex commit: `from_pretrained` on any transformers class (Auto, model, tokenizer, config,
    processor classes, `GenerationConfig`), `pipeline(...)`, huggingface_hub's `hf_hub_download` and
    `snapshot_download`, and datasets' `load_dataset` (whose `revision=` pins the dataset repo).
    Imports are followed through aliases (`import huggingface_hub as hh`, `from datasets import
    load_dataset as ld`). `revision=` is read through constants like the repo id (`revision=REV`
    with `REV = "main"` is unpinned); a revision that is not a constant is not judged, nor is a
    local folder (`./data`). A call with `**kwargs` and no `revision=` is reported, as the revision
    cannot be seen.

    It reports every call Bandit's B615 reports on calls rooted in absolute imports of
    transformers, huggingface_hub and datasets, and more: a revision held in a constant bound to a
    branch or tag, short hashes (`revision="deadbeef"` may be a branch) and pipelines (including a
    pipeline without `model=`, which downloads the task's default model). Like B615, it reports
    `load_dataset` with a builder name such as `"csv"`, and it leaves a local folder alone, also
    one given by keyword, which B615 reports.

    ## Why is this bad?
    Without a commit, each run downloads whatever the repo holds now: weights, tokenizer, config
    and, with `trust_remote_code=True`, code. Results change silently, and a compromised or
    mistaken push reaches every user (CWE-494, download of code without integrity check).

    ## Example
    ```python
    from transformers import AutoModelForCausalLM

    REVISION = "main"
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", revision=REVISION)
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForCausalLM

    REVISION = "607a30d783dfa663caf39e06633721c8d4cfcd7e"
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", revision=REVISION)
    ```

    ## Fix safety
    Unsafe: sets `revision=` to the commit the resolver found for the id, which changes what is
    loaded as soon as the repo moves on. Offered only when the id was resolved to a commit, so
    never for downloads that load no model (`hf_hub_download`, `load_dataset`, `GenerationConfig`),
    which loadlint does not resolve.
    """

    code = "LL031"
    name = "unpinned-revision"
    severity = "warning"
    summary = "A Hub load without `revision=` pinned to a commit (opt-in; a superset of Bandit B615)"
    default_enabled = False
    reads_downloads = True
    runtime_confirms = False  # a supply-chain risk, not a load failure
    valid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2",\n'
        '                                     revision="607a30d783dfa663caf39e06633721c8d4cfcd7e")\n',
        '# The pipeline is given a loaded model: only its load is judged\n'
        'from transformers import AutoModelForCausalLM, pipeline\n'
        'model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2",\n'
        '                                             revision="607a30d783dfa663caf39e06633721c8d4cfcd7e")\n'
        'generator = pipeline("text-generation", model=model)\n',
        '# A revision that is not a constant is not judged\n'
        'from transformers import AutoModelForCausalLM\n'
        'def load(revision):\n'
        '    return AutoModelForCausalLM.from_pretrained("openai-community/gpt2", revision=revision)\n',
        'import huggingface_hub as hh\n'
        'COMMIT = "607a30d783dfa663caf39e06633721c8d4cfcd7e"\n'
        'hh.hf_hub_download("openai-community/gpt2", "config.json", revision=COMMIT)\n'
        'hh.snapshot_download(repo_id="openai-community/gpt2", revision=COMMIT)\n',
        '# A local folder is not a Hub download\n'
        'from datasets import load_dataset\n'
        'load_dataset("./data/reviews")\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n',
        'from transformers import AutoModelForCausalLM\n'
        'REVISION = "main"\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", revision=REVISION)\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="openai-community/gpt2", revision="v1.0")\n',
        'from transformers import GenerationConfig\n'
        'GenerationConfig.from_pretrained("openai-community/gpt2")\n',
        'from huggingface_hub import hf_hub_download\n'
        'hf_hub_download("openai-community/gpt2", "config.json")\n',
        '# The dataset repo moves like a model repo: `revision=` pins it\n'
        'from datasets import load_dataset as ld\n'
        'BRANCH = "main"\n'
        'reviews = ld("stanfordnlp/imdb", split="train", revision=BRANCH)\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if site.kind == "pipeline" and site.model_id is None and site.model_expr is not None:
            return  # a model object (or an unknown id): its own load is what is judged
        if site.revision_dynamic or is_commit(site.revision) or is_local(site, model):
            return
        what = _downloaded(site)
        if site.revision:
            how = f"at `revision` `{site.revision}`, which is not a commit"
        elif site.keyword("**") is not None:
            how = "without a visible `revision=` (only `**` arguments)"
        else:
            how = "without `revision=`"
        yield self.finding(
            site,
            model,
            f"{what} is downloaded from the Hub {how}: each run loads whatever the repo holds now",
            suggestion="pin `revision=` to a 40-hex commit",
            fix=pin_fix(site, model),
        )


def _downloaded(site: CallSite) -> str:
    """What the call downloads, as the message names it."""
    if site.kind == "pipeline" and site.model_id is None:
        return "the task's default model"
    repo = site.model_id or site.model_expr
    if repo is None:
        return f"the repo of `{site.loader_source}(...)`"
    return f"the dataset `{repo}`" if site.kind == "dataset" else f"`{repo}`"
