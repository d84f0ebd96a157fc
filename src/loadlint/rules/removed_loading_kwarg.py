"""LL020 removed-loading-kwarg."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from loadlint import semantics
from loadlint.facts import CallSite, Keyword, ModelFacts
from loadlint.findings import Finding, Severity
from loadlint.fixes import Fix, ImportName, RemoveKeyword, SetKeyword
from loadlint.rules._base import Rule
from loadlint.tables.model import Tables

# Arguments transformers 5 removed without leaving any trace in its source (no pop, no warning), so
# they cannot be read from it: passing them to a model's `from_pretrained` raises `TypeError`.
# Hand-kept from the v5 migration guide (hf-loading-facts.md B.5 rows 1, 4, 6, 9).
TOKEN_RENAMED = "use_auth_token"
QUANTIZATION_FLAGS = ("load_in_8bit", "load_in_4bit")
FLASH_ATTENTION_FLAG = "use_flash_attention_2"
RESUME_DOWNLOAD = "resume_download"


@dataclass(frozen=True, slots=True)
class _Problem:
    message: str
    suggestion: str
    severity: Severity
    fix: Fix | None


class RemovedLoadingKwarg(Rule):
    """
    ## What it does
    Checks loading calls for arguments transformers 5 removed:
    - `use_auth_token=` (any loading call): renamed `token=`;
    - on model loads, `load_in_8bit=` / `load_in_4bit=` (now `quantization_config=BitsAndBytesConfig(...)`),
      `use_flash_attention_2=` (now `attn_implementation="flash_attention_2"`) and `resume_download=`;
    - on model loads, the arguments `PreTrainedModel.from_pretrained` pops and drops (`low_cpu_mem_usage`,
      `from_tf`, `from_flax`, `mirror`, `_fast_init`, `offload_state_dict`, ...): a warning, since they do
      nothing, but an error for `from_tf=True` / `from_flax=True` when the repo's file list shows no
      PyTorch or safetensors weights (then the load fails);
    - on `AutoTokenizer.from_pretrained`, the ones it pops and drops (`use_fast`).

    The dropped arguments are read from the installed transformers' source (the `kwargs.pop(...)`
    whose value `from_pretrained` throws away). The first four left no trace in transformers' source,
    so they are a hand-kept list (from the v5 migration guide).

    ## Why is this bad?
    The removed arguments reach the model's `__init__`: `TypeError: ... got an unexpected keyword
    argument 'load_in_8bit'`. On a tokenizer `use_auth_token` is silently ignored, so the token is not
    sent and a gated or private repo fails with 401. The dropped ones do nothing: `from_tf=True` no
    longer converts TensorFlow weights, `use_fast=False` no longer selects a slow tokenizer.

    ## Example
    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2", use_auth_token=True, load_in_8bit=True)
    tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2", use_fast=False)
    ```

    ## Use instead
    ```python
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

    model = AutoModelForCausalLM.from_pretrained(
        "openai-community/gpt2", token=True, quantization_config=BitsAndBytesConfig(load_in_8bit=True)
    )
    tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
    ```

    ## Fix safety
    Safe, offered where the mapping is exact: `use_auth_token=X` -> `token=X`;
    `load_in_8bit=True` -> `quantization_config=BitsAndBytesConfig(load_in_8bit=True)` (with its
    import; likewise 4-bit); `use_flash_attention_2=True` -> `attn_implementation="flash_attention_2"`;
    a `False` flag, `resume_download=` and the dropped arguments are removed. No fix when the new
    argument is already given, or when the flag's value is not a constant, nor for a conversion the
    repo's weights need (removing the flag would not make the load work).
    """

    code = "LL020"
    name = "removed-loading-kwarg"
    severity = "error"
    summary = "A loading argument transformers 5 removed (`use_auth_token`, `load_in_8bit`, `use_fast`, ...)"
    needs_model = False
    valid = (
        'from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", token=True,\n'
        '                                     quantization_config=BitsAndBytesConfig(load_in_8bit=True))\n',
        '# A quantization config may itself take load_in_4bit\n'
        'from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n'
        'config = BitsAndBytesConfig(load_in_4bit=True)\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", quantization_config=config)\n',
    )
    invalid = (
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", use_auth_token=True)\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", load_in_8bit=True)\n',
        'from transformers import AutoModelForCausalLM\n'
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", use_flash_attention_2=True)\n',
        'from transformers import AutoModelForSeq2SeqLM\n'
        'AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small", low_cpu_mem_usage=True)\n',
        'from transformers import AutoTokenizer\n'
        'AutoTokenizer.from_pretrained("openai-community/gpt2", use_fast=False)\n',
    )

    def check(self, site: CallSite, model: ModelFacts | None, tables: Tables) -> Iterator[Finding]:
        if not site.loads_model:
            return
        for keyword in site.keywords:
            problem = self._problem(site, keyword, model, tables)
            if problem is not None:
                yield self.finding(
                    site,
                    model,
                    problem.message,
                    suggestion=problem.suggestion,
                    severity=problem.severity,
                    fix=problem.fix,
                )

    def _problem(self, site: CallSite, keyword: Keyword, model: ModelFacts | None, tables: Tables) -> _Problem | None:
        name = keyword.name
        builds_model = semantics.builds_model(tables, site.kind, site.loader)
        version = tables.transformers_version
        if name == TOKEN_RENAMED:
            outcome = (
                "the model's `__init__` raises `TypeError`"
                if builds_model
                else "it is ignored, so no token is sent and a gated or private repo fails"
            )
            return _Problem(
                f"`use_auth_token=` was removed in transformers {version}: {outcome}",
                "use `token=`",
                "error",
                _rename(site, name, "token"),
            )
        if builds_model and name in QUANTIZATION_FLAGS:
            config = f"BitsAndBytesConfig({name}=True)"
            fix = None
            if keyword.is_constant and keyword.value is False:
                fix = _remove(site, name)
            elif keyword.is_constant and keyword.value is True and not any(
                site.keyword(other) for other in ("quantization_config", *QUANTIZATION_FLAGS) if other != name
            ):
                fix = Fix(
                    f"Use `quantization_config={config}`",
                    "safe",
                    (
                        SetKeyword(site.span, "quantization_config", config, rename_from=name),
                        ImportName("transformers", "BitsAndBytesConfig"),
                    ),
                )
            return _Problem(
                f"`{name}=` was removed in transformers {version}: `from_pretrained` raises `TypeError`",
                f"use `quantization_config={config}`",
                "error",
                fix,
            )
        if builds_model and name == FLASH_ATTENTION_FLAG:
            fix = None
            if keyword.is_constant and keyword.value is False:
                fix = _remove(site, name)
            elif keyword.is_constant and keyword.value is True:
                fix = _rename(site, name, "attn_implementation", '"flash_attention_2"')
            return _Problem(
                f"`{name}=` was removed in transformers {version}: `from_pretrained` raises `TypeError`",
                'use `attn_implementation="flash_attention_2"`',
                "error",
                fix,
            )
        if builds_model and name == RESUME_DOWNLOAD:
            return _Problem(
                f"`{name}=` was removed in transformers {version}: `from_pretrained` raises `TypeError` "
                "(downloads always resume)",
                f"remove `{name}=`",
                "error",
                _remove(site, name),
            )
        if builds_model and name in tables.ignored_model_kwargs:
            converts = name in ("from_tf", "from_flax") and keyword.value is True
            formats = model.weight_formats if model is not None else None
            if converts and formats is not None and not {"safetensors", "pytorch"} & set(formats):
                held = ", ".join(formats) or "no"
                return _Problem(
                    f"`{name}=` is ignored by transformers {version}, and the repo holds {held} weights, no "
                    "PyTorch or safetensors ones: the load raises `OSError`",
                    "load a repo with PyTorch or safetensors weights (convert these once, and save them)",
                    "error",
                    None,
                )
            detail = ": TensorFlow and Flax weights are no longer converted, the repo needs PyTorch weights"
            detail = detail if converts else ""
            return _Problem(
                f"`{name}=` is ignored by transformers {version} (`from_pretrained` drops it){detail}",
                f"remove `{name}=`",
                "warning",
                _remove(site, name),
            )
        if site.loader == "AutoTokenizer" and name in tables.ignored_tokenizer_kwargs:
            return _Problem(
                f"`{name}=` is ignored by transformers {version}: `AutoTokenizer` always loads the "
                "tokenizers (fast) backend",
                f"remove `{name}=`",
                "warning",
                _remove(site, name),
            )
        return None


def _rename(site: CallSite, old: str, new: str, source: str | None = None) -> Fix | None:
    if site.keyword(new) is not None:
        return None
    title = f"Use `{new}={source}`" if source else f"Rename `{old}=` to `{new}=`"
    return Fix(title, "safe", (SetKeyword(site.span, new, source, rename_from=old),))


def _remove(site: CallSite, name: str) -> Fix:
    return Fix(f"Remove `{name}=`", "safe", (RemoveKeyword(site.span, name),))
