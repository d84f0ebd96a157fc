"""The loopback Hub emulator, driven by the real huggingface_hub client (and transformers in a subprocess)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import huggingface_hub.constants
import pytest
from huggingface_hub import HfApi, hf_hub_download, try_to_load_from_cache
from huggingface_hub.errors import (
    BadRequestError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.file_download import _CACHED_NO_EXIST

try:  # tests/ is on sys.path under pytest's default (prepend) import mode
    from hub_server import FIXTURE_HUB, VALID_TOKEN, HubServer
except ImportError:  # tests/ imported as a package
    from tests.hub_server import FIXTURE_HUB, VALID_TOKEN, HubServer

GPT2 = "openai-community/gpt2"
GATED = "meta-llama/Llama-3.2-1B"
HEX40 = re.compile(r"^[0-9a-f]{40}$")

#: every fixture repo -> model_type of its config.json (None: no usable model_type)
EXPECTED_MODEL_TYPES = {
    "openai-community/gpt2": "gpt2",
    "gpt2": "gpt2",
    "meta-llama/Llama-3.2-1B": "llama",
    "mistralai/Mistral-7B-v0.1": "mistral",
    "mistralai/Ministral-8B-Instruct-2410": "mistral",
    "Qwen/Qwen2.5-0.5B-Instruct": "qwen2",
    "microsoft/phi-2": "phi",
    "EleutherAI/pythia-70m": "gpt_neox",
    "facebook/opt-125m": "opt",
    "tiiuae/falcon-7b": "falcon",
    "google-t5/t5-small": "t5",
    "google/flan-t5-base": "t5",
    "facebook/bart-large-cnn": "bart",
    "Helsinki-NLP/opus-mt-en-de": "marian",
    "google/pegasus-xsum": "pegasus",
    "facebook/mbart-large-50": "mbart",
    "facebook/blenderbot-400M-distill": "blenderbot",
    "microsoft/prophetnet-large-uncased": "prophetnet",
    "openai/whisper-tiny": "whisper",
    "facebook/wav2vec2-base-960h": "wav2vec2",
    "google-bert/bert-base-uncased": "bert",
    "FacebookAI/roberta-base": "roberta",
    "google/electra-small-discriminator": "electra",
    "FacebookAI/xlm-roberta-base": "xlm-roberta",
    "distilbert/distilbert-base-uncased": "distilbert",
    "distilbert/distilbert-base-uncased-finetuned-sst-2-english": "distilbert",
    "google/vit-base-patch16-224": "vit",
    "llava-hf/llava-1.5-7b-hf": "llava",
    "Qwen/Qwen2-VL-2B-Instruct": "qwen2_vl",
    "meta-llama/Llama-3.2-11B-Vision": "mllama",
    "google/gemma-3-4b-it": "gemma3",
    "microsoft/Phi-3-mini-4k-instruct": "phi3",
    "deepseek-ai/DeepSeek-V2-Lite": "deepseek_v2",
    "THUDM/chatglm2-6b": "chatglm",
    "acme/no-model-type": None,
    "acme/broken-config": None,
    "acme/no-config": None,
    "acme/private-gpt2": "gpt2",
}


@pytest.fixture(autouse=True)
def _no_telemetry(monkeypatch):
    # HF_HUB_DISABLE_TELEMETRY is read when huggingface_hub is imported: patch the constant in-process
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.delenv("HF_TOKEN", raising=False)


@pytest.fixture(scope="module")
def hub():
    with HubServer() as server:
        yield server


@pytest.fixture
def api(hub):
    hub.clear_log()
    return HfApi(endpoint=hub.endpoint, token=False)


def _paths(hub: HubServer) -> list[str]:
    return [f"{method} {path}" for method, path, _ in hub.requests]


# --------------------------------------------------------------------------------------------- fixtures


def test_fixture_folders_match_expected_list():
    found = {
        meta.parent.relative_to(FIXTURE_HUB).as_posix()
        for meta in FIXTURE_HUB.rglob("_repo.json")
    }
    assert set(EXPECTED_MODEL_TYPES) <= found
    shas = []
    for rid in found:
        meta = json.loads((FIXTURE_HUB / rid / "_repo.json").read_text())
        shas += [meta["sha"], *meta.get("revisions", {}).values()]
        assert meta.get("gated", False) in (False, "auto", "manual")
        assert set(meta.get("transformersInfo", {})) <= {
            "auto_model",
            "custom_class",
            "pipeline_tag",
            "processor",
        }
    assert all(HEX40.match(s) for s in shas)
    assert len(shas) == len(set(shas)), "commit shas must be distinct"


def test_every_fixture_repo_is_served(hub):
    api = HfApi(endpoint=hub.endpoint, token=VALID_TOKEN)
    for rid, model_type in EXPECTED_MODEL_TYPES.items():
        info = api.model_info(rid, expand=["config", "sha", "transformersInfo"])
        assert info.id == rid
        assert HEX40.match(info.sha)
        assert (info.config or {}).get("model_type") == model_type, rid


# --------------------------------------------------------------------------------------------- model_info


def test_model_info_full(hub, api):
    info = api.model_info(GPT2)
    assert info.id == GPT2
    assert (
        info.sha == json.loads((FIXTURE_HUB / GPT2 / "_repo.json").read_text())["sha"]
    )
    assert info.pipeline_tag == "text-generation"
    assert info.library_name == "transformers"
    assert info.gated is False and info.private is False
    assert "gpt2" in info.tags
    # curated subset, not config.json
    assert info.config == {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "tokenizer_config": {},
    }
    assert info.transformers_info.auto_model == "AutoModelForCausalLM"
    assert info.transformers_info.processor == "AutoTokenizer"
    names = {s.rfilename for s in info.siblings}
    assert names == {
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "tokenizer_config.json",
    }
    assert _paths(hub) == [f"GET /api/models/{GPT2}"]


def test_model_info_expand(hub, api):
    info = api.model_info(
        GPT2, expand=["config", "transformersInfo", "sha", "pipeline_tag"]
    )
    assert info.sha and info.pipeline_tag == "text-generation"
    assert info.config["model_type"] == "gpt2"
    assert info.transformers_info.auto_model == "AutoModelForCausalLM"
    assert info.tags is None and info.siblings is None and info.library_name is None
    assert _paths(hub) == [
        f"GET /api/models/{GPT2}?expand=config&expand=transformersInfo&expand=sha&expand=pipeline_tag"
    ]
    with pytest.raises(BadRequestError):
        api.model_info(GPT2, expand=["not-a-property"])


def test_model_info_config_subset_details(api):
    phi3 = api.model_info("microsoft/Phi-3-mini-4k-instruct").config
    assert phi3["auto_map"]["AutoModelForCausalLM"] == "modeling_phi3.Phi3ForCausalLM"
    assert "chat_template" in phi3["tokenizer_config"]
    assert (
        "vocab_size" not in phi3 and "model_max_length" not in phi3["tokenizer_config"]
    )
    bert = api.model_info("google-bert/bert-base-uncased")
    assert (
        bert.config["tokenizer_config"] == {}
    )  # tokenizer_config.json without special tokens / template
    assert bert.mask_token == "[MASK]"
    glm = api.model_info("THUDM/chatglm2-6b")
    assert (
        glm.transformers_info.custom_class
        == "modeling_chatglm.ChatGLMForConditionalGeneration"
    )
    assert "custom_code" in glm.tags
    assert api.model_info("google/electra-small-discriminator").pipeline_tag is None


def test_model_info_revision(hub, api):
    meta = json.loads((FIXTURE_HUB / GPT2 / "_repo.json").read_text())
    assert api.model_info(GPT2, revision="main").sha == meta["sha"]
    assert api.model_info(GPT2, revision="v1.0").sha == meta["revisions"]["v1.0"]
    assert (
        api.model_info(GPT2, revision="refs/pr/1").sha == meta["revisions"]["refs/pr/1"]
    )
    assert api.model_info(GPT2, revision=meta["sha"]).sha == meta["sha"]
    assert f"GET /api/models/{GPT2}/revision/refs%2Fpr%2F1" in _paths(hub)


def test_files_metadata_lists_lfs(api):
    info = api.model_info(GPT2, files_metadata=True)
    by_name = {s.rfilename: s for s in info.siblings}
    st = by_name["model.safetensors"]
    assert st.lfs is not None and len(st.lfs.sha256) == 64 and st.lfs.size == st.size
    assert by_name["config.json"].lfs is None and HEX40.match(
        by_name["config.json"].blob_id
    )


def test_invalid_and_absent_configs(api):
    assert api.model_info("acme/broken-config").config is None
    no_mt = api.model_info("acme/no-model-type").config
    assert no_mt == {"architectures": ["GPT2LMHeadModel"]}
    no_cfg = api.model_info("acme/no-config")
    assert no_cfg.config is None and [s.rfilename for s in no_cfg.siblings] == [
        "README.md"
    ]


def test_single_segment_id(hub, api, tmp_path):
    info = api.model_info("gpt2")
    assert info.id == "gpt2" and info.config["model_type"] == "gpt2"
    assert api.model_info("gpt2", revision="main").sha == info.sha
    path = hf_hub_download(
        "gpt2", "config.json", cache_dir=tmp_path, endpoint=hub.endpoint, token=False
    )
    assert json.loads(Path(path).read_text())["model_type"] == "gpt2"
    assert "HEAD /gpt2/resolve/main/config.json" in _paths(hub)


# --------------------------------------------------------------------------------------------- errors


def test_missing_repo(hub, api, tmp_path):
    with pytest.raises(RepositoryNotFoundError) as exc:
        api.model_info("acme/does-not-exist")
    assert exc.value.response.status_code == 401
    assert exc.value.response.headers["X-Error-Code"] == "RepoNotFound"
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(
            "acme/does-not-exist",
            "config.json",
            cache_dir=tmp_path,
            endpoint=hub.endpoint,
            token=False,
        )
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("does-not-exist")


def test_private_repo(hub):
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.endpoint, token=False).model_info("acme/private-gpt2")
    assert (
        HfApi(endpoint=hub.endpoint, token=VALID_TOKEN)
        .model_info("acme/private-gpt2")
        .private
        is True
    )


def test_missing_revision(api):
    with pytest.raises(RevisionNotFoundError) as exc:
        api.model_info(GPT2, revision="v9.9")
    assert exc.value.response.status_code == 404
    with pytest.raises(RevisionNotFoundError):
        api.model_info(GPT2, revision="0" * 40)


def test_missing_file(hub, tmp_path):
    with pytest.raises(RemoteEntryNotFoundError) as exc:
        hf_hub_download(
            GPT2,
            "adapter_config.json",
            cache_dir=tmp_path,
            endpoint=hub.endpoint,
            token=False,
        )
    assert isinstance(exc.value, EntryNotFoundError)
    assert exc.value.response.status_code == 404
    assert HEX40.match(exc.value.response.headers["X-Repo-Commit"])
    # the 404 is cached as .no_exist/<commit>/<file>
    assert (
        try_to_load_from_cache(GPT2, "adapter_config.json", cache_dir=tmp_path)
        is _CACHED_NO_EXIST
    )


def test_gated_repo_without_and_with_token(hub, tmp_path):
    anon = HfApi(endpoint=hub.endpoint, token=False)
    info = anon.model_info(GATED)  # the bare endpoint is public
    assert info.gated == "manual" and HEX40.match(info.sha)
    assert (
        info.config is None and info.transformers_info is None and info.siblings is None
    )
    with pytest.raises(GatedRepoError) as exc:
        anon.model_info(GATED, revision="main")
    assert exc.value.response.status_code == 401
    with pytest.raises(GatedRepoError):
        hf_hub_download(
            GATED,
            "config.json",
            cache_dir=tmp_path / "anon",
            endpoint=hub.endpoint,
            token=False,
        )
    with pytest.raises(GatedRepoError):
        list(anon.list_repo_tree(GATED))
    wrong = HfApi(endpoint=hub.endpoint, token="hf_wrong_token")
    assert wrong.model_info(GATED).config is None
    with pytest.raises(GatedRepoError):
        wrong.model_info(GATED, revision="main")

    authed = HfApi(endpoint=hub.endpoint, token=VALID_TOKEN)
    assert authed.model_info(GATED).config["model_type"] == "llama"
    assert (
        authed.model_info(GATED, revision="main").transformers_info.auto_model
        == "AutoModelForCausalLM"
    )
    path = hf_hub_download(
        GATED,
        "config.json",
        cache_dir=tmp_path / "auth",
        endpoint=hub.endpoint,
        token=VALID_TOKEN,
    )
    assert json.loads(Path(path).read_text())["model_type"] == "llama"
    assert ("GET", f"/api/models/{GATED}", f"Bearer {VALID_TOKEN}") in hub.requests


def test_unknown_route_is_json_404(hub):
    req = urllib.request.Request(f"{hub.endpoint}/api/spaces/foo/bar")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=5)
    assert exc.value.code == 404
    assert "error" in json.loads(exc.value.read())


# --------------------------------------------------------------------------------------------- downloads


def test_download_config_lands_in_cache(hub, tmp_path):
    hub.clear_log()
    path = hf_hub_download(
        GPT2, "config.json", cache_dir=tmp_path, endpoint=hub.endpoint, token=False
    )
    sha = json.loads((FIXTURE_HUB / GPT2 / "_repo.json").read_text())["sha"]
    assert Path(path).read_bytes() == (FIXTURE_HUB / GPT2 / "config.json").read_bytes()
    assert (
        Path(path).parent.name == sha and Path(path).parent.parent.name == "snapshots"
    )
    assert (
        tmp_path / "models--openai-community--gpt2" / "refs" / "main"
    ).read_text() == sha
    assert try_to_load_from_cache(GPT2, "config.json", cache_dir=tmp_path) == path
    assert _paths(hub) == [
        f"HEAD /{GPT2}/resolve/main/config.json",
        f"GET /{GPT2}/resolve/main/config.json",
    ]
    # a commit-pinned download of a cached file makes no request
    hub.clear_log()
    assert (
        hf_hub_download(
            GPT2, "config.json", revision=sha, cache_dir=tmp_path, endpoint=hub.endpoint
        )
        == path
    )
    assert hub.requests == []


def test_head_headers(hub):
    req = urllib.request.Request(
        f"{hub.endpoint}/{GPT2}/resolve/main/config.json", method="HEAD"
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        headers = resp.headers
    assert HEX40.match(headers["X-Repo-Commit"])
    assert re.fullmatch(r'"[0-9a-f]{40}"', headers["ETag"])
    assert (
        int(headers["Content-Length"])
        == (FIXTURE_HUB / GPT2 / "config.json").stat().st_size
    )
    assert not any(k.lower().startswith("x-xet") for k in headers)


def test_lfs_download_via_302_to_other_origin(hub, tmp_path):
    hub.clear_log()
    path = hf_hub_download(
        GPT2,
        "model.safetensors",
        cache_dir=tmp_path,
        endpoint=hub.endpoint,
        token=VALID_TOKEN,
    )
    data = (FIXTURE_HUB / GPT2 / "model.safetensors").read_bytes()
    assert Path(path).read_bytes() == data
    sha256 = hashlib.sha256(data).hexdigest()
    assert Path(path).resolve().name == sha256  # blob named after X-Linked-Etag
    head, get = hub.requests
    assert head == (
        "HEAD",
        f"/{GPT2}/resolve/main/model.safetensors",
        f"Bearer {VALID_TOKEN}",
    )
    assert get[0] == "GET" and get[1].startswith(f"/cdn/{sha256}")
    assert get[2] is None  # authorization is not forwarded to the other origin
    assert hub.cdn_endpoint != hub.endpoint


def test_tree_and_paths_info(hub, api):
    files = {f.path: f for f in api.list_repo_tree(GPT2, recursive=True)}
    assert set(files) == {
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "tokenizer_config.json",
    }
    assert files["model.safetensors"].lfs is not None
    assert files["config.json"].lfs is None
    with pytest.raises(RemoteEntryNotFoundError):
        list(api.list_repo_tree(GPT2, path_in_repo="additional_chat_templates"))
    assert [
        p.path for p in api.get_paths_info(GPT2, ["config.json", "missing.json"])
    ] == ["config.json"]
    assert api.file_exists(GPT2, "config.json") and not api.file_exists(
        GPT2, "pytorch_model.bin"
    )
    with pytest.raises(RevisionNotFoundError):
        list(api.list_repo_tree(GPT2, revision="nope"))


# --------------------------------------------------------------------------------------------- failures


@pytest.mark.parametrize("status", [500, 503])
def test_fail_with_gives_http_error_quickly(status):
    # model_info makes a single request (no retry/backoff); hf_hub_download would retry ~23 s on 5xx.
    with HubServer() as hub:
        hub.fail_with = status
        t0 = time.monotonic()
        with pytest.raises(HfHubHTTPError) as exc:
            HfApi(endpoint=hub.endpoint, token=False).model_info(GPT2)
        assert time.monotonic() - t0 < 2
        assert exc.value.response.status_code == status
        assert len(hub.requests) == 1
        hub.fail_with = None
        assert HfApi(endpoint=hub.endpoint, token=False).model_info(GPT2).id == GPT2


def test_delay_triggers_client_timeout_and_stop_does_not_hang():
    hub = HubServer(delay=5.0).start()
    try:
        t0 = time.monotonic()
        with pytest.raises(Exception) as exc:
            HfApi(endpoint=hub.endpoint, token=False).model_info(GPT2, timeout=0.3)
        assert "Timeout" in type(exc.value).__name__
        assert time.monotonic() - t0 < 2
    finally:
        t0 = time.monotonic()
        hub.stop()  # a handler is still sleeping in `delay`
        assert time.monotonic() - t0 < 2


# --------------------------------------------------------------------------------------------- transformers


def test_transformers_autoconfig_against_emulator(hub, tmp_path):
    code = textwrap.dedent(
        f"""
        import json, sys
        from transformers import AutoConfig
        cfg = AutoConfig.from_pretrained({GPT2!r}, cache_dir={str(tmp_path / "cache")!r})
        print(json.dumps({{"type": type(cfg).__name__, "model_type": cfg.model_type, "n_embd": cfg.n_embd}}))
        """
    )
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.endpoint,  # exported before huggingface_hub is imported
        "HF_HOME": str(tmp_path / "home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_OFFLINE": "0",
        "TRANSFORMERS_OFFLINE": "0",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    env.pop("HF_TOKEN", None)
    hub.clear_log()
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"type": "GPT2Config", "model_type": "gpt2", "n_embd": 768}
    sha = json.loads((FIXTURE_HUB / GPT2 / "_repo.json").read_text())["sha"]
    paths = _paths(hub)
    assert (
        paths[0] == f"GET /api/models/{GPT2}"
    )  # transformers 5 resolves the revision first
    assert f"HEAD /{GPT2}/resolve/{sha}/config.json" in paths
    assert f"GET /{GPT2}/resolve/{sha}/config.json" in paths
