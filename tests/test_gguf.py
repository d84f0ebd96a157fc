"""`from_pretrained(..., gguf_file=...)`: transformers reads the config from the GGUF file, so the load is
judged on the architecture the Hub reads from the repo's GGUF files (model_info's `gguf`, asked for in the
one model_info request), mapped to a model type as transformers maps it; unknown, it is unresolved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_runner import loadlint, write
from hub_server import FIXTURE_HUB, HubServer

from loadlint.facts import ModelFacts, ModelRef, Unresolved, gguf_view, load_outcome
from loadlint.facts_codec import facts_from_data, facts_to_data
from loadlint.gguf import gguf_model_types, gguf_supported
from loadlint.lockfile import dumps_lockfile, entry_to_facts
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.tables import load_tables

GGUF_REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF"
GGUF_FILE = "Llama-3.2-1B-Instruct-Q4_K_M.gguf"
TABLES = load_tables()


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HF_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("LOADLINT_CACHE_DIR", str(tmp_path / "loadlint-cache"))


def test_the_architecture_comes_with_the_one_model_info_request(hub: HubServer, isolated: None) -> None:
    ref = ModelRef(GGUF_REPO)
    facts = resolve_all([ref], ResolverSettings(endpoint=hub.endpoint, use_facts_cache=False))[ref]
    assert isinstance(facts, ModelFacts)
    assert (facts.layout, facts.gguf_architecture) == ("gguf", "llama")
    [(method, path, _)] = hub.requests  # nothing but model_info: no GGUF file is downloaded
    assert method == "GET" and path.startswith(f"/api/models/{GGUF_REPO}?") and "expand=gguf" in path


def test_a_checkpoint_has_no_gguf_architecture(hub: HubServer, isolated: None) -> None:
    ref = ModelRef("openai-community/gpt2")
    facts = resolve_all([ref], ResolverSettings(endpoint=hub.endpoint, use_facts_cache=False))[ref]
    assert isinstance(facts, ModelFacts) and facts.gguf_architecture is None


def test_the_fact_is_stored_by_the_one_codec_and_old_lockfiles_still_read() -> None:
    facts = ModelFacts(ModelRef(GGUF_REPO), "hub", None, layout="gguf", layout_files=(GGUF_FILE,),
                       gguf_architecture="llama")
    assert facts_to_data(facts)["gguf_architecture"] == "llama"
    assert facts_from_data(facts.ref, "facts-cache", facts_to_data(facts)) == facts.__class__(
        facts.ref, "facts-cache", None, layout="gguf", layout_files=(GGUF_FILE,), gguf_architecture="llama"
    )
    assert 'gguf_architecture = "llama"' in dumps_lockfile([facts])
    old = entry_to_facts({"id": GGUF_REPO, "layout": "gguf", "layout_files": [GGUF_FILE]})
    assert old.gguf_architecture is None and old.layout == "gguf"


def test_model_types_follow_transformers_renames() -> None:
    assert gguf_model_types("llama") == ("llama", "mistral")  # mistral when the file's general.name says so
    assert gguf_model_types("qwen2") == ("qwen2",)
    assert gguf_model_types("qwen2moe") == ("qwen2_moe",)
    assert gguf_model_types("gemma3") == ("gemma3_text",)
    assert gguf_model_types("t5encoder") == ("t5", "umt5")
    assert gguf_supported("qwen2moe", TABLES.gguf_architectures)  # via its updated name
    assert not gguf_supported("bert", TABLES.gguf_architectures)
    assert {"llama", "qwen2", "t5", "gemma3"} <= TABLES.gguf_architectures


def test_the_view_of_a_gguf_load() -> None:
    repo = ModelFacts(ModelRef(GGUF_REPO), "hub", None, layout="gguf", layout_files=(GGUF_FILE,),
                      gguf_architecture="qwen2", sha="a" * 40)
    view = gguf_view(repo)
    assert view is not None and (view.model_type, view.layout, view.sha) == ("qwen2", None, "a" * 40)
    assert gguf_view(ModelFacts(ModelRef(GGUF_REPO), "hub", None, layout="gguf")) is None


def _run(folder: Path, env: dict[str, str], *extra: str) -> dict:
    done = loadlint("check", "--output-format", "json", *extra, "app.py", env=env, cwd=folder)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


APP = (
    "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer\n"
    f'right = AutoModelForCausalLM.from_pretrained("{GGUF_REPO}", gguf_file="{GGUF_FILE}")\n'
    f'wrong = AutoModelForSeq2SeqLM.from_pretrained("{GGUF_REPO}", gguf_file="{GGUF_FILE}")\n'
    f'tokenizer = AutoTokenizer.from_pretrained("{GGUF_REPO}", gguf_file="{GGUF_FILE}")\n'
)


def test_a_gguf_load_is_judged_on_its_architecture(tmp_path: Path, env: dict[str, str]) -> None:
    """The wrong class is reported (LL001, model_type `llama`), the right one is silent, LL008 never fires
    with `gguf_file=`; the same from the lockfile, offline."""
    write(tmp_path, "app.py", APP)
    data = _run(tmp_path, env)
    assert [(f["line"], f["code"], f["model_type"]) for f in data["findings"]] == [(3, "LL001", "llama")]
    assert "`AutoModelForSeq2SeqLM` cannot load" in data["findings"][0]["message"]
    assert data["unresolved"] == [] and data["summary"]["checked"] == data["summary"]["loads"] == 3
    assert loadlint("lock", ".", env=env, cwd=tmp_path).returncode == 0
    assert 'gguf_architecture = "llama"' in (tmp_path / "loadlint.lock").read_text()
    locked = _run(tmp_path, {**env, "HF_HUB_OFFLINE": "1", "LOADLINT_CACHE_DIR": str(tmp_path / "empty")}, "--locked")
    assert [(f["line"], f["code"]) for f in locked["findings"]] == [(3, "LL001")]


def test_a_gguf_load_offline_and_unknown_is_unresolved(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", APP)
    data = _run(tmp_path, {**env, "HF_HUB_OFFLINE": "1"})
    assert data["findings"] == []
    [unresolved] = data["unresolved"]
    assert (unresolved["model_id"], unresolved["reason"]) == (GGUF_REPO, "offline-not-cached")


def test_a_gguf_load_without_gguf_metadata_is_unresolved_with_the_reason(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """The Hub gives no `gguf` for the repo (it could not read the files): nothing is said of the class,
    and the load is listed as unresolved, with why; a plain load of the same repo is still LL008."""
    root = tmp_path / "hub"
    shutil.copytree(FIXTURE_HUB / GGUF_REPO, root / GGUF_REPO)
    meta = json.loads((root / GGUF_REPO / "_repo.json").read_text())
    del meta["gguf"]
    (root / GGUF_REPO / "_repo.json").write_text(json.dumps(meta))
    write(tmp_path, "app.py", APP + f'plain = AutoModelForCausalLM.from_pretrained("{GGUF_REPO}")\n')
    with HubServer(root) as bare:
        data = _run(tmp_path, {**env, "HF_ENDPOINT": bare.endpoint})
    assert [(f["line"], f["code"]) for f in data["findings"]] == [(5, "LL008")]
    [unresolved] = data["unresolved"]
    assert (unresolved["line"], unresolved["reason"]) == (2, "gguf-unknown")
    assert unresolved["detail"] == (
        "the model type of a GGUF file is read from the file itself; the Hub gave no GGUF metadata for this repo"
    )
    assert (data["summary"]["loads"], data["summary"]["checked"]) == (4, 1)


def test_load_outcome_without_a_gguf_file_is_the_repo_outcome() -> None:
    from loadlint.facts import CallSite, Keyword, Span

    span = Span(1, 1, 1, 2)
    ref = ModelRef(GGUF_REPO)
    repo = ModelFacts(ref, "hub", None, layout="gguf")
    site = CallSite("a.py", span, "from_pretrained", "AutoModelForCausalLM", span, "X", GGUF_REPO, None)
    assert load_outcome(site, {ref: repo}) is repo
    gguf = CallSite("a.py", span, "from_pretrained", "AutoModelForCausalLM", span, "X", GGUF_REPO, None,
                    keywords=(Keyword("gguf_file", "f", "f.gguf", True),))
    outcome = load_outcome(gguf, {ref: repo})
    assert isinstance(outcome, Unresolved) and outcome.reason == "gguf-unknown"
