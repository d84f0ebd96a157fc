"""LL017: `PeftModel.from_pretrained(model, adapter)` against the base model object it is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import loadlint, write
from rule_harness import run_rule

from loadlint.rules import RULES_BY_CODE

RULE = RULES_BY_CODE["LL017"]
HEAD = "from peft import PeftModel, PeftModelForCausalLM\nimport transformers\n"


def _findings(body: str) -> list:
    return run_rule(RULE, HEAD + body)


def test_another_model_type_names_the_adapter_its_base_and_the_mismatch() -> None:
    [finding] = _findings(
        'base = transformers.AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'model = PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n'
    )
    assert finding.code == "LL017" and finding.model_id == "google-t5/t5-small"
    assert "`timdettmers/guanaco-7b`, a LORA adapter of `huggyllama/llama-7b` (model_type `llama`)" in finding.message
    assert "whose model_type is `t5`" in finding.message
    assert finding.span.line == 4


@pytest.mark.parametrize(
    "body",
    [
        # a concrete class only the sequence-classification table builds for llama
        'base = transformers.LlamaForSequenceClassification.from_pretrained("huggyllama/llama-7b")\n'
        'PeftModelForCausalLM.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        'base = transformers.AutoModelForSequenceClassification.from_pretrained("huggyllama/llama-7b").to("cuda")\n'
        'PeftModel.from_pretrained(model=base, model_id="timdettmers/guanaco-7b")\n',
    ],
)
def test_a_task_the_base_class_is_not_for(body: str) -> None:
    [finding] = _findings(body)
    assert "is a `CAUSAL_LM` adapter for `AutoModelForCausalLM`" in finding.message
    assert "builds a `AutoModelForSequenceClassification` model" in finding.message


@pytest.mark.parametrize(
    "body",
    [
        # the adapter's own base, and another checkpoint of its type (another size): not judged
        'base = transformers.AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")\n'
        'PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        'base = transformers.LlamaForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n'
        'PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        # a class that is no task class of peft's: peft wraps it all the same
        'base = transformers.AutoModel.from_pretrained("huggyllama/llama-7b")\n'
        'PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        # the base cannot be followed (a parameter), or the adapter id is not a constant
        'def attach(base):\n'
        '    return PeftModel.from_pretrained(base, "timdettmers/guanaco-7b")\n',
        'base = transformers.AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'PeftModel.from_pretrained(base, ADAPTER)\n',
        # not an adapter repo
        'base = transformers.AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'PeftModel.from_pretrained(base, "openai-community/gpt2")\n',
    ],
)
def test_negatives(body: str) -> None:
    assert _findings(body) == []


def test_through_the_loopback_hub_and_the_lockfile(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", (
        "from peft import PeftModel\n"
        "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM\n"
        'wrong = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
        'right = AutoModelForCausalLM.from_pretrained("huggyllama/llama-7b")\n'
        'PeftModel.from_pretrained(wrong, "timdettmers/guanaco-7b")\n'
        'PeftModel.from_pretrained(right, "timdettmers/guanaco-7b")\n'
    ))
    runs = [env]
    assert loadlint("lock", ".", env=env, cwd=tmp_path).returncode == 0
    runs.append({**env, "HF_HUB_OFFLINE": "1", "LOADLINT_CACHE_DIR": str(tmp_path / "empty")})
    for run_env in runs:
        done = loadlint("check", "--output-format", "json", "--select", "LL017", "app.py", env=run_env, cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        data = json.loads(done.stdout)
        assert [(f["line"], f["code"], f["model_type"]) for f in data["findings"]] == [(5, "LL017", "t5")]
        assert data["unresolved"] == []
