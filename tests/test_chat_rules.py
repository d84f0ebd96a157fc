"""LL012 chat-template-missing on realistic files, and the resolver facts it reads
(`has_chat_template`, `vocab_size`) from the loopback Hub, local folders, the facts cache and the lockfile."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hub_server import HubServer
from rule_harness import run_rule

from loadlint.facts import ModelFacts, ModelRef
from loadlint.lockfile import read_lockfile, write_lockfile
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.resolve.cache import FactsCache
from loadlint.rules import RULES_BY_CODE
from loadlint.rules._examples import EXAMPLE_MODELS

LL012 = RULES_BY_CODE["LL012"]
GPT2, QWEN, T5, BERT = (
    "openai-community/gpt2",
    "Qwen/Qwen2.5-0.5B-Instruct",
    "google-t5/t5-small",
    "google-bert/bert-base-uncased",
)


# -- LL012 -------------------------------------------------------------------------------------------


def test_chat_service_class_reports_the_base_model_tokenizer() -> None:
    source = """
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        class Assistant:
            def __init__(self):
                self.tokenizer = AutoTokenizer.from_pretrained("google-t5/t5-small")
                self.model = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")

            def answer(self, question):
                messages = [{"role": "user", "content": question}]
                inputs = self.tokenizer.apply_chat_template(messages, return_tensors="pt")
                return self.model.generate(**inputs)
        """
    [finding] = run_rule(LL012, source)
    assert (finding.span.line, finding.model_id) == (11, T5)
    assert "`google-t5/t5-small` ships no chat template" in finding.message
    assert finding.fix is None


def test_chat_model_and_explicit_templates_are_not_reported() -> None:
    source = """
        from transformers import AutoTokenizer

        chat_tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")
        base_tokenizer = AutoTokenizer.from_pretrained("openai-community/gpt2")
        base_tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
        loaded_with_one = AutoTokenizer.from_pretrained("openai-community/gpt2", chat_template=TEMPLATE)

        def prompts(messages):
            return [
                chat_tokenizer.apply_chat_template(messages, tokenize=False),
                base_tokenizer.apply_chat_template(messages, tokenize=False),
                loaded_with_one.apply_chat_template(messages, tokenize=False),
            ]
        """
    assert run_rule(LL012, source) == []


@pytest.mark.parametrize(
    "tokenizer_id",
    ["acme/unknown-chat-model", "meta-llama/Llama-3.2-11B-Vision", "FacebookAI/roberta-base"],
    ids=["unresolved", "gated-hidden-files", "no-facts-about-templates"],
)
def test_unknown_template_is_not_reported(tokenizer_id: str) -> None:
    source = f"""
        from transformers import AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained("{tokenizer_id}")
        tokenizer.apply_chat_template([{{"role": "user", "content": "hi"}}], tokenize=False)
        """
    assert run_rule(LL012, source) == []


def test_dynamic_tokenizer_id_is_not_reported() -> None:
    source = """
        import sys
        from transformers import AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
        tokenizer.apply_chat_template(messages, tokenize=False)
        """
    assert run_rule(LL012, source) == []


def test_pipeline_with_chat_messages() -> None:
    source = """
        from transformers import pipeline

        generator = pipeline("text-generation", model="openai-community/gpt2")
        with_own_tokenizer = pipeline("text-generation", model="openai-community/gpt2", tokenizer=TOKENIZER)
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]

        def main():
            generator("Once upon a time", max_new_tokens=20)
            with_own_tokenizer(messages, max_new_tokens=20)
            return generator(messages, max_new_tokens=20)
        """
    [finding] = run_rule(LL012, source)
    assert finding.span.line == 11 and "the pipeline's chat formatting raises `ValueError`" in finding.message


def test_pipeline_of_another_task_is_not_judged() -> None:
    source = """
        from transformers import pipeline
        fill = pipeline("fill-mask", model="google-bert/bert-base-uncased")
        fill([{"role": "user", "content": "Paris is the [MASK] of France."}])
        """
    assert run_rule(LL012, source) == []


# -- resolver facts ------------------------------------------------------------------------------------


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HF_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


def test_hub_reports_templates_and_vocab_sizes(hub: HubServer, isolated: None, tmp_path: Path) -> None:
    refs = [ModelRef(GPT2), ModelRef(QWEN), ModelRef(T5), ModelRef(BERT)]
    settings = ResolverSettings(endpoint=hub.endpoint, cache_dir=tmp_path / "cache", timeout=5.0)
    out = resolve_all(refs, settings)
    assert all(isinstance(facts, ModelFacts) and facts.source == "hub" for facts in out.values())
    facts = [(out[ref].has_chat_template, out[ref].vocab_size) for ref in refs]
    assert facts == [(False, 50257), (True, 151936), (False, 32128), (False, 30522)]
    # the facts cache keeps them
    hub.clear_log()
    again = resolve_all(refs, settings)
    assert hub.requests == [] and [(again[r].has_chat_template, again[r].vocab_size) for r in refs] == facts


def test_hub_file_list_with_chat_template_jinja(tmp_path: Path, isolated: None) -> None:
    repo = tmp_path / "hub" / "acme" / "jinja-chat"
    repo.mkdir(parents=True)
    (repo / "_repo.json").write_text(json.dumps({"sha": "1" * 40}))
    (repo / "config.json").write_text(json.dumps({"model_type": "gpt2", "vocab_size": 50257}))
    (repo / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 1024}))
    (repo / "chat_template.jinja").write_text("{{ messages }}")
    with HubServer(tmp_path / "hub") as server:
        settings = ResolverSettings(endpoint=server.endpoint, use_facts_cache=False, timeout=5.0)
        [facts] = resolve_all([ModelRef("acme/jinja-chat")], settings).values()
    assert facts.has_chat_template is True


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"tokenizer_config.json": {"chat_template": "{{ x }}"}}, True),
        ({"tokenizer_config.json": {"model_max_length": 1024}}, False),
        ({"tokenizer_config.json": {}, "chat_template.jinja": "{{ x }}"}, True),
        ({"tokenizer_config.json": "not json"}, None),
        ({}, False),
    ],
)
def test_local_folder(tmp_path: Path, files: dict, expected: bool | None) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "t5", "vocab_size": 32128}))
    for name, content in files.items():
        (folder / name).write_text(content if isinstance(content, str) else json.dumps(content))
    [facts] = resolve_all([ModelRef(str(folder))], ResolverSettings(use_facts_cache=False)).values()
    assert (facts.has_chat_template, facts.vocab_size) == (expected, 32128)


def test_lockfile_round_trip_and_older_lockfiles(tmp_path: Path) -> None:
    path = tmp_path / "loadlint.lock"
    written = [EXAMPLE_MODELS[QWEN], EXAMPLE_MODELS[GPT2]]
    write_lockfile(path, written)
    read = read_lockfile(path)
    assert [(read[m.ref].has_chat_template, read[m.ref].vocab_size) for m in written] == [
        (True, 151936),
        (False, 50257),
    ]
    older = "\n".join(line for line in path.read_text().splitlines() if not line.startswith(("has_chat", "vocab")))
    path.write_text(older)
    assert {(f.has_chat_template, f.vocab_size) for f in read_lockfile(path).values()} == {(None, None)}


def test_lockfile_rejects_a_boolean_vocab_size(tmp_path: Path) -> None:
    from loadlint.lockfile import LockfileError

    path = tmp_path / "loadlint.lock"
    path.write_text('version = 1\n\n[[model]]\nid = "x/y"\nmodel_type = "gpt2"\nvocab_size = true\n')
    with pytest.raises(LockfileError, match="vocab_size"):
        read_lockfile(path)


def test_facts_cache_entries_written_before_the_new_fields_still_load(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / "facts.json", 3600)
    cache.put("http://hub", dataclasses.replace(EXAMPLE_MODELS[GPT2], source="hub"))
    cache.save()
    data = json.loads((tmp_path / "facts.json").read_text())
    for entry in data["entries"]:
        del entry["facts"]["has_chat_template"], entry["facts"]["vocab_size"]
    (tmp_path / "facts.json").write_text(json.dumps(data))
    facts = FactsCache.load(tmp_path, 3600).get("http://hub", ModelRef(GPT2))
    assert facts is not None and (facts.model_type, facts.has_chat_template, facts.vocab_size) == ("gpt2", None, None)


# -- LL013 -------------------------------------------------------------------------------------------

LL013 = RULES_BY_CODE["LL013"]
MISMATCHED = """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(TOKENIZER)
    model = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")

    def complete(prompt):
        encoded = tokenizer([prompt], return_tensors="pt")
        return model.generate(**encoded, max_new_tokens=16)
"""


def test_ll013_reports_a_tokenizer_of_another_family_through_a_function() -> None:
    (finding,) = run_rule(LL013, MISMATCHED.replace("TOKENIZER", repr(T5)))
    assert finding.code == "LL013" and finding.model_id == GPT2 and finding.span.line == 9
    assert "vocabulary 32,128" in finding.message and "vocabulary 50,257" in finding.message


def test_ll013_needs_both_signals_and_resolved_facts() -> None:
    same_family = dataclasses.replace(EXAMPLE_MODELS[GPT2], ref=ModelRef("distilbert/distilgpt2"))
    other_type_same_vocab = dataclasses.replace(EXAMPLE_MODELS[T5], vocab_size=50257)
    unknown_vocab = dataclasses.replace(EXAMPLE_MODELS[T5], vocab_size=None)
    for tokenizer in (same_family, other_type_same_vocab, unknown_vocab):
        models = {**EXAMPLE_MODELS, "acme/tokenizer": tokenizer}
        assert run_rule(LL013, MISMATCHED.replace("TOKENIZER", '"acme/tokenizer"'), models) == []
    assert run_rule(LL013, MISMATCHED.replace("TOKENIZER", '"acme/unresolved"')) == []
    assert run_rule(LL013, MISMATCHED.replace("TOKENIZER", "os.environ['TOKENIZER']")) == []
