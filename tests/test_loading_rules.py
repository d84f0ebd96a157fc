"""Edge cases of the call-site rules LL020, LL021, LL022, LL030, LL031, and their fixes' guarantees."""

from __future__ import annotations

import dataclasses

import pytest
from rule_harness import fix_all, fixed, run_rule

from loadlint.rules._examples import EXAMPLE_MODELS
from loadlint.rules.deprecated_torch_dtype import DeprecatedTorchDtype
from loadlint.rules.remote_code_unpinned import RemoteCodeUnpinned
from loadlint.rules.removed_auto_class import RemovedAutoClass
from loadlint.rules.removed_loading_kwarg import RemovedLoadingKwarg
from loadlint.rules.unpinned_revision import UnpinnedRevision

SHA = "607a30d783dfa663caf39e06633721c8d4cfcd7e"
RESOLVED = {
    model_id: dataclasses.replace(facts, sha=SHA, source="hub") for model_id, facts in EXAMPLE_MODELS.items()
}


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('M.from_pretrained(ID, use_auth_token="hf_x")', 'M.from_pretrained(ID, token="hf_x")'),
        (
            "M.from_pretrained(ID, load_in_8bit=True)",
            "M.from_pretrained(ID, quantization_config=BitsAndBytesConfig(load_in_8bit=True))",
        ),
        (
            "M.from_pretrained(ID, load_in_4bit=True, device_map='auto')",
            "M.from_pretrained(ID, quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map='auto')",
        ),
        ("M.from_pretrained(ID, load_in_8bit=False)", "M.from_pretrained(ID)"),
        (
            "M.from_pretrained(ID, use_flash_attention_2=True)",
            'M.from_pretrained(ID, attn_implementation="flash_attention_2")',
        ),
        ("M.from_pretrained(ID, resume_download=True, low_cpu_mem_usage=True)", "M.from_pretrained(ID)"),
        ("M.from_pretrained(ID, from_tf=True)", "M.from_pretrained(ID)"),
        ("AutoTokenizer.from_pretrained(ID, use_fast=False)", "AutoTokenizer.from_pretrained(ID)"),
        ('AutoTokenizer.from_pretrained(ID, use_auth_token=True)', "AutoTokenizer.from_pretrained(ID, token=True)"),
    ],
)
def test_removed_kwargs_are_fixed_exactly(call: str, expected: str) -> None:
    head = 'from transformers import AutoModelForCausalLM as M, AutoTokenizer\nID = "openai-community/gpt2"\n'
    result = fix_all(RemovedLoadingKwarg(), head + call + "\n")
    assert result.endswith(expected + "\n")
    assert ("BitsAndBytesConfig" in result.split("\n")[0]) == ("BitsAndBytesConfig" in expected)


@pytest.mark.parametrize(
    "call",
    [
        'M.from_pretrained(ID, use_auth_token="a", token="b")',  # the new argument is already given
        "M.from_pretrained(ID, load_in_8bit=flag)",  # not a constant
        "M.from_pretrained(ID, load_in_8bit=True, quantization_config=q)",
        "M.from_pretrained(ID, load_in_8bit=True, load_in_4bit=True)",
        'M.from_pretrained(ID, use_flash_attention_2=True, attn_implementation="sdpa")',
    ],
)
def test_removed_kwargs_without_an_exact_fix_are_reported_without_one(call: str) -> None:
    source = f'from transformers import AutoModelForCausalLM as M\nID = "openai-community/gpt2"\n{call}\n'
    findings = run_rule(RemovedLoadingKwarg(), source)
    assert findings and any(f.fix is None for f in findings)


def test_removed_kwargs_depend_on_what_is_loaded() -> None:
    source = (
        "from transformers import AutoConfig, AutoTokenizer\n"
        'AutoTokenizer.from_pretrained("openai-community/gpt2", load_in_8bit=True, low_cpu_mem_usage=True)\n'
        'AutoConfig.from_pretrained("openai-community/gpt2", use_fast=False)\n'
    )
    assert run_rule(RemovedLoadingKwarg(), source) == []


def test_use_auth_token_on_a_tokenizer_says_the_token_is_not_sent() -> None:
    source = 'from transformers import AutoTokenizer\nAutoTokenizer.from_pretrained("gpt2", use_auth_token=True)\n'
    [finding] = run_rule(RemovedLoadingKwarg(), source)
    assert "no token is sent" in finding.message


def test_torch_dtype_rename_and_removal() -> None:
    rule = DeprecatedTorchDtype()
    head = "import torch\nfrom transformers import AutoModelForCausalLM as M, pipeline\n"
    assert fix_all(rule, head + 'M.from_pretrained("x", torch_dtype=torch.float16)\n').endswith(
        'M.from_pretrained("x", dtype=torch.float16)\n'
    )
    assert fix_all(rule, head + 'M.from_pretrained("x", torch_dtype=torch.float16, dtype="auto")\n').endswith(
        'M.from_pretrained("x", dtype="auto")\n'
    )
    # A pipeline keeps torch_dtype over dtype="auto": removing it would change the dtype.
    [finding] = run_rule(rule, head + 'pipeline("text-generation", torch_dtype=torch.float16, dtype="auto")\n')
    assert finding.fix is None


def load(auto_class: str, model_id: str, module: str = "") -> str:
    """A file importing `auto_class` (or `module`) and loading `model_id` with it."""
    if module:
        return f'import {module}\n{module}.{auto_class}.from_pretrained("{model_id}")\n'
    return f'from transformers import {auto_class}\n{auto_class}.from_pretrained("{model_id}")\n'


LLAVA = "llava-hf/llava-1.5-7b-hf"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (load("AutoModelForVision2Seq", LLAVA), load("AutoModelForImageTextToText", LLAVA)),
        (
            load("AutoModelForVision2Seq", LLAVA, module="transformers"),
            load("AutoModelForImageTextToText", LLAVA, module="transformers"),
        ),
        (
            load("AutoModelWithLMHead", "facebook/bart-large-cnn"),
            load("AutoModelForSeq2SeqLM", "facebook/bart-large-cnn"),
        ),
        (
            load("AutoModelWithLMHead", "openai-community/gpt2"),
            load("AutoModelForCausalLM", "openai-community/gpt2"),
        ),
    ],
)
def test_removed_auto_class_fixes(source: str, expected: str) -> None:
    assert fix_all(RemovedAutoClass(), source) == expected


def test_removed_auto_class_applicability_and_unresolved_models() -> None:
    rule = RemovedAutoClass()
    [vision] = run_rule(rule, load("AutoModelForVision2Seq", "acme/unknown"))
    assert vision.fix is not None and vision.fix.applicability == "safe"
    [lm_head] = run_rule(rule, load("AutoModelWithLMHead", "acme/unknown"))
    assert lm_head.fix is None and "AutoModelForMaskedLM" in (lm_head.suggestion or "")
    [resolved] = run_rule(rule, load("AutoModelWithLMHead", "openai-community/gpt2"))
    assert resolved.fix is not None and resolved.fix.applicability == "unsafe"
    [flax] = run_rule(rule, load("FlaxAutoModelForMaskedLM", "acme/unknown"))
    assert flax.fix is None and flax.suggestion == "use the PyTorch class `AutoModelForMaskedLM`"
    [typo] = run_rule(rule, load("AutoModelForCasualLM", "acme/unknown"))
    assert "has no `AutoModelForCasualLM`" in typo.message


def test_remote_code_pin_fix_uses_the_resolved_commit() -> None:
    source = (
        "from transformers import AutoModel\n"
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True, revision="main")\n'
    )
    [finding] = run_rule(RemoteCodeUnpinned(), source, RESOLVED)
    assert finding.fix is not None and finding.fix.applicability == "unsafe"
    assert f'revision="{SHA}"' in fixed(source, finding)
    assert run_rule(RemoteCodeUnpinned(), fixed(source, finding), RESOLVED) == []
    # Unresolved (offline, not cached, a placeholder): nothing says the repo ships code, so nothing is said.
    assert run_rule(RemoteCodeUnpinned(), source, {}) == []


@pytest.mark.parametrize(
    "call",
    [
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=False)',
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=flag)',
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True, revision=get_revision())',
        'AutoModel.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True, code_revision=f())',
        'AutoModel.from_pretrained("/srv/models/chatglm", trust_remote_code=True)',
        'AutoModel.from_pretrained("path/to/model", trust_remote_code=True)',
        "AutoModel.from_pretrained(path, trust_remote_code=True)",
    ],
)
def test_remote_code_calls_not_judged(call: str) -> None:
    assert run_rule(RemoteCodeUnpinned(), f"from transformers import AutoModel\n{call}\n") == []


def test_unpinned_revision_fix_and_messages() -> None:
    rule = UnpinnedRevision()
    source = 'from transformers import AutoTokenizer\nAutoTokenizer.from_pretrained("gpt2", **options)\n'
    gpt2 = {"gpt2": RESOLVED["openai-community/gpt2"]}
    [finding] = run_rule(rule, source, gpt2)
    assert "only `**` arguments" in finding.message
    assert fix_all(rule, source, gpt2).endswith(f'**options, revision="{SHA}")\n')
    local = dataclasses.replace(EXAMPLE_MODELS["openai-community/gpt2"], source="local")
    assert run_rule(rule, source, {"gpt2": local}) == []
    assert run_rule(rule, "from transformers import pipeline\npipeline(model=m)\n") == []
    [default] = run_rule(rule, 'from transformers import pipeline\npipeline("fill-mask")\n')
    assert "the task's default model" in default.message and default.fix is None


def test_unpinned_revision_is_opt_in() -> None:
    from loadlint.rules import DEFAULT_RULES

    assert UnpinnedRevision not in {type(rule) for rule in DEFAULT_RULES}


def test_from_tf_on_a_repo_without_pytorch_weights_is_an_error() -> None:
    """transformers 5 drops `from_tf=True`: harmless where PyTorch or safetensors weights exist (a
    warning), a failing load where the file list shows only TensorFlow weights."""
    source = (
        "from transformers import AutoModelForCausalLM\n"
        'AutoModelForCausalLM.from_pretrained("openai-community/gpt2", from_tf=True)\n'
    )
    gpt2 = EXAMPLE_MODELS["openai-community/gpt2"]
    for formats, severity in (((), "error"), (("tf",), "error"), (("tf", "safetensors"), "warning"), (None, "warning")):
        facts = {gpt2.ref.model_id: dataclasses.replace(gpt2, weight_formats=formats)}
        [finding] = run_rule(RemovedLoadingKwarg(), source, facts)
        assert finding.severity == severity, formats
        assert (finding.fix is None) == (severity == "error")
    only_tf_facts = {gpt2.ref.model_id: dataclasses.replace(gpt2, weight_formats=("tf",))}
    [only_tf] = run_rule(RemovedLoadingKwarg(), source, only_tf_facts)
    assert "the repo holds tf weights, no PyTorch or safetensors ones" in only_tf.message
