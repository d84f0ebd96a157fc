"""`loadlint model ID`, end to end: the facts of one id from each step of the resolver's chain (the
loopback Hub, the facts cache, the lockfile, a local folder), the class to use on the first line,
every Auto class that accepts the id with its partial loads flagged, and the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import loadlint, write

BART = "facebook/bart-large-cnn"
BART_SHA = "e764af772d42b20a5038e4e9b26c206cc356c86b"


def model_json(*args: str, env: dict[str, str], cwd: Path) -> dict:
    run = loadlint("model", *args, "--output-format", "json", env=env, cwd=cwd)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_first_line_names_the_class_and_partial_loads_are_flagged(tmp_path: Path, env: dict[str, str]) -> None:
    run = loadlint("model", BART, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"{BART}: use AutoModelForSeq2SeqLM (builds BartForConditionalGeneration)"
    assert f"  facts from: the Hub, commit {BART_SHA}" in lines
    assert "  model_type: bart; architectures: BartForConditionalGeneration" in lines
    assert any(line.startswith("  pipeline tag: summarization;") and "gated: no" in line for line in lines)
    causal = next(line for line in lines if line.lstrip().startswith("AutoModelForCausalLM "))
    assert causal.split() == [
        "AutoModelForCausalLM", "->", "BartForCausalLM", "partial", "load:", "drops", "the", "encoder;",
        "use", "AutoModelForSeq2SeqLM", "(builds", "BartForConditionalGeneration)",
    ]
    assert "Auto classes of transformers 5.23.0 (installed) that accept it:" in lines


def test_json_contract_and_the_facts_cache_on_the_second_run(tmp_path: Path, env: dict[str, str]) -> None:
    data = model_json(BART, env=env, cwd=tmp_path)
    assert set(data) == {
        "loadlint_version", "transformers_version", "transformers_origin", "model_id", "revision", "resolved",
        "unresolved", "source", "sha", "local_path", "model_type", "known_type", "architectures",
        "is_encoder_decoder", "use", "auto_classes", "pipeline_tag", "hub_auto_model", "gated", "remote_code",
        "tokenizer", "processors", "weight_formats", "layout", "adapter",
    }
    assert (data["model_id"], data["revision"], data["resolved"], data["unresolved"]) == (BART, None, True, None)
    assert (data["source"], data["sha"], data["model_type"], data["known_type"]) == ("hub", BART_SHA, "bart", True)
    assert data["use"] == {"auto_class": "AutoModelForSeq2SeqLM", "builds": "BartForConditionalGeneration"}
    by_class = {fit["auto_class"]: fit for fit in data["auto_classes"]}
    assert by_class["AutoModelForCausalLM"] == {
        "auto_class": "AutoModelForCausalLM", "builds": ["BartForCausalLM"], "remote_code": None,
        "partial": {"dropped": "the encoder", "use_instead": "AutoModelForSeq2SeqLM",
                    "builds": "BartForConditionalGeneration"},
        "encoder_as_generator": False,
    }
    assert by_class["AutoModelForSeq2SeqLM"]["partial"] is None
    hub_facts = (data["pipeline_tag"], data["hub_auto_model"], data["gated"])
    assert hub_facts == ("summarization", "AutoModelForSeq2SeqLM", False)
    assert data["remote_code"] == {} and data["layout"] is None and data["adapter"] is None
    assert model_json(BART, env=env, cwd=tmp_path)["source"] == "facts-cache"


def test_an_encoder_only_model_as_a_generator(tmp_path: Path, env: dict[str, str]) -> None:
    data = model_json("google-bert/bert-base-uncased", env=env, cwd=tmp_path)
    assert data["use"] == {"auto_class": "AutoModelForMaskedLM", "builds": "BertForMaskedLM"}
    flagged = [fit["auto_class"] for fit in data["auto_classes"] if fit["encoder_as_generator"] or fit["partial"]]
    assert flagged == ["AutoModelForCausalLM"]


def test_remote_code_and_the_tokenizer(tmp_path: Path, env: dict[str, str]) -> None:
    run = loadlint("model", "THUDM/chatglm2-6b", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == (
        "THUDM/chatglm2-6b: model_type `chatglm` is not in transformers 5.23.0 (installed): "
        "its repository code loads it (trust_remote_code=True)"
    )
    data = model_json("THUDM/chatglm2-6b", env=env, cwd=tmp_path)
    assert (data["known_type"], data["use"]) == (False, None)
    assert data["remote_code"]["AutoModelForCausalLM"] == "modeling_chatglm.ChatGLMForConditionalGeneration"
    causal = next(fit for fit in data["auto_classes"] if fit["auto_class"] == "AutoModelForCausalLM")
    assert (causal["builds"], causal["remote_code"]) == ([], "modeling_chatglm.ChatGLMForConditionalGeneration")
    assert data["tokenizer"] == {
        "class": "ChatGLMTokenizer", "remote_code": {"AutoTokenizer": "tokenization_chatglm.ChatGLMTokenizer"},
        "chat_template": False,
    }


def test_the_lockfile_and_a_local_folder_answer_offline(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", f'from transformers import AutoModel\nAutoModel.from_pretrained("{BART}")\n')
    locked = loadlint("lock", "app.py", env=env, cwd=tmp_path)
    assert locked.returncode == 0, locked.stderr
    offline = {**env, "HF_HUB_OFFLINE": "1", "LOADLINT_CACHE_DIR": str(tmp_path / "empty-cache")}
    data = model_json(BART, "--offline", env=offline, cwd=tmp_path)
    assert (data["source"], data["sha"]) == ("lockfile", BART_SHA)
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}))
    data = model_json("./tiny", env=offline, cwd=tmp_path)
    assert (data["source"], data["local_path"]) == ("local", str(folder.resolve()))
    assert data["use"] == {"auto_class": "AutoModelForCausalLM", "builds": "GPT2LMHeadModel"}


def test_an_unresolved_id_exits_2_with_its_reason_on_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    run = loadlint("model", "acme/does-not-exist", env=env, cwd=tmp_path)
    assert (run.returncode, run.stdout) == (2, "")
    (line,) = run.stderr.splitlines()
    assert line.startswith("loadlint: acme/does-not-exist: not-found: ")
    run = loadlint("model", "meta-llama/Llama-3.2-1B", "--output-format", "json", env=env, cwd=tmp_path)
    assert run.returncode == 2
    data = json.loads(run.stdout)
    assert (data["resolved"], data["unresolved"]["reason"], data["auto_classes"]) == (False, "gated-needs-token", [])
    assert run.stderr.startswith("loadlint: meta-llama/Llama-3.2-1B: gated-needs-token: ")
