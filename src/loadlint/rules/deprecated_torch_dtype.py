"""LL022 deprecated-torch-dtype."""

from __future__ import annotations

from collections.abc import Iterator

from loadlint.facts import CallSite, ModelFacts
from loadlint.findings import Finding
from loadlint.fixes import Fix, RemoveKeyword, SetKeyword
from loadlint.rules._base import Rule
from loadlint.tables.model import Tables


class DeprecatedTorchDtype(Rule):
    """
    ## What it does
    Checks `from_pretrained` and `pipeline` calls for loading arguments that transformers renamed and
    still accepts with a deprecation warning: today `torch_dtype=`, now `dtype=`. The pairs are read
    from the installed transformers' own warnings (`` `torch_dtype` is deprecated! Use `dtype`
    instead! `` in modeling_utils.py and pipelines/__init__.py), not from a hand list.

    ## Why is this bad?
    Every load logs the warning, and the old spelling will stop working in a later release.
    When both are given, `dtype` wins and `torch_dtype` is dead code.

    ## Example
    ```python
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", torch_dtype=torch.bfloat16)
    ```

    ## Use instead
    ```python
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", dtype=torch.bfloat16)
    ```

    ## Fix safety
    Safe: the argument is renamed, keeping its value. When the new argument is also given, the old
    one is removed (transformers ignores it), except for a pipeline given `dtype="auto"` or a
    non-constant `dtype`: there `torch_dtype` wins, so no fix is offered.
    """

    code = "LL022"
    name = "deprecated-torch-dtype"
    severity = "warning"
    summary = "`torch_dtype=` (and other renamed loading arguments) instead of `dtype=`"
    needs_model = False
    runtime_confirms = False  # a spelling: the load works either way
    valid = (
        'import torch\n'
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", dtype=torch.bfloat16)\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="openai-community/gpt2", dtype="auto")\n',
    )
    invalid = (
        'import torch\n'
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", torch_dtype=torch.bfloat16)\n',
        'from transformers import pipeline\n'
        'pipeline("text-generation", model="openai-community/gpt2", torch_dtype="auto")\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if not site.loads_model:
            return
        for old, new in tables.renamed_kwargs.items():
            if site.keyword(old) is None:
                continue
            yield self.finding(
                site,
                model,
                f"`{old}=` is deprecated in transformers {tables.transformers_version}: it logs a warning on every "
                f"load; the argument is `{new}=`",
                suggestion=f"use `{new}=`",
                fix=self._fix(site, old, new),
            )

    @staticmethod
    def _fix(site: CallSite, old: str, new: str) -> Fix | None:
        present = site.keyword(new)
        if present is None:
            return Fix(f"Rename `{old}=` to `{new}=`", "safe", (SetKeyword(site.span, new, rename_from=old),))
        # from_pretrained keeps `dtype` when both are given; a pipeline only when `dtype` is not "auto".
        if site.kind == "pipeline" and not (present.is_constant and present.value != "auto"):
            return None
        return Fix(f"Remove `{old}=` (`{new}=` takes precedence)", "safe", (RemoveKeyword(site.span, old),))
