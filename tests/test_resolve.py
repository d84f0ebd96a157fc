"""The resolver against the loopback Hub emulator (tests/hub_server.py): order, errors, caches, limits."""

from __future__ import annotations

import json
import hashlib
import os
import re
import subprocess
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

# imported up front, while no test has set HF_HUB_OFFLINE (huggingface_hub reads it at import time)
import huggingface_hub
import pytest
from hub_server import FIXTURE_HUB, VALID_TOKEN, HubServer
from huggingface_hub import constants as hf_constants
from huggingface_hub.errors import RepositoryNotFoundError

from loadlint.facts import UNRESOLVED_REASONS, ModelFacts, ModelRef, Unresolved
from loadlint.lockfile import LockfileError, write_lockfile
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.resolve import hub as resolve_hub
from loadlint.resolve.hub.http import get_json
from loadlint.resolve.cache import CACHE_FILE
from loadlint.resolve.normalize import MAX_JSON_BYTES, normalize_config

GPT2 = ModelRef("openai-community/gpt2")
GPT2_SHA = "6f290a633e1f0adf340a056043ff03abc81f7431"
GPT2_V1 = ModelRef("openai-community/gpt2", "v1.0")
GPT2_V1_SHA = "0fb851d3ebd4bb464502203186ec4b71669c3325"
GATED = ModelRef("meta-llama/Llama-3.2-1B")
MINISTRAL = ModelRef("mistralai/Ministral-8B-Instruct-2410")
MISTRAL = ModelRef("mistralai/Mistral-7B-v0.1")
T5 = ModelRef("google-t5/t5-small")
CHATGLM = ModelRef("THUDM/chatglm2-6b")
HUB_FIXTURES = Path(__file__).parent / "fixtures" / "hub"
MODEL_INFO = "/api/models/"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh HF cache and loadlint cache per test; no token, endpoint or offline flag from outside."""
    for name in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        "HF_OIDC_RESOURCE",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "HF_ENDPOINT",
        "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_HUB_ETAG_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("LOADLINT_CACHE_DIR", str(tmp_path / "loadlint-cache"))
    monkeypatch.setattr(hf_constants, "HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))


@pytest.fixture(scope="module")
def hub_server():
    with HubServer() as server:
        yield server


@pytest.fixture
def hub(hub_server: HubServer):
    """The module's emulator, reset: no failure, delay, throttle or huge answer; empty request log."""
    hub_server.reset()
    yield hub_server
    hub_server.reset()


def settings(hub: HubServer | None = None, **kwargs) -> ResolverSettings:
    kwargs.setdefault("timeout", 5.0)
    if hub is not None:
        kwargs.setdefault("endpoint", hub.endpoint)
    return ResolverSettings(**kwargs)


def model_info_requests(hub: HubServer) -> list[tuple[str, str, str | None]]:
    return [r for r in hub.requests if r[1].startswith(MODEL_INFO)]


def one(ref: ModelRef, s: ResolverSettings) -> ModelFacts | Unresolved:
    return resolve_all([ref], s)[ref]


def write_config(folder: Path, config: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = config if isinstance(config, str) else json.dumps(config)
    (folder / "config.json").write_text(text, encoding="utf-8")
    return folder


# -- config normalisation --------------------------------------------------------------------------


def test_normalize_config() -> None:
    full = normalize_config(
        {
            "model_type": "mistral",
            "layer_types": ["full_attention"],
            "architectures": ["MistralForCausalLM"],
            "is_encoder_decoder": False,
            "auto_map": {
                "AutoConfig": "cfg.Config",
                "AutoTokenizer": ["tok.Slow", None],
                "AutoProcessor": [None, "other/repo--proc.Fast"],
                "AutoModel": ["a.Slow", "a.Fast"],
                "Bogus": 3,
            },
        },
        full=True,
    )
    assert full.model_type == "ministral"
    assert full.architectures == ("MistralForCausalLM",)
    assert full.is_encoder_decoder is False
    assert full.auto_map == (
        ("AutoConfig", "cfg.Config"),
        ("AutoTokenizer", "tok.Slow"),
        ("AutoProcessor", "other/repo--proc.Fast"),
        ("AutoModel", "a.Slow,a.Fast"),
    )
    partial = normalize_config({"model_type": "mistral", "layer_types": [], "is_encoder_decoder": True}, full=False)
    assert partial.model_type == "mistral"  # the Hub subset cannot decide the rewrite
    assert partial.is_encoder_decoder is None
    assert normalize_config({"model_type": "mistral"}, full=True).model_type == "mistral"
    assert normalize_config({"architectures": "X", "model_type": ""}, full=True) == normalize_config(
        {"architectures": ["X"]}, full=True
    )


# -- step 1: local folders -------------------------------------------------------------------------


def test_local_folder_relative_absolute_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    write_config(project / "models" / "t5", {"model_type": "t5", "is_encoder_decoder": True})
    write_config(project / "acme" / "local-gpt2", {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]})
    home = tmp_path / "home"
    write_config(home / "ckpt", {"model_type": "mistral", "layer_types": ["sliding_attention"]})
    monkeypatch.setenv("HOME", str(home))
    refs = [
        ModelRef("./models/t5"),
        ModelRef(str(project / "models" / "t5")),
        ModelRef("acme/local-gpt2"),  # looks like a Hub id, but the folder exists: transformers loads it
        ModelRef("~/ckpt", "main"),
    ]
    out = resolve_all(refs, settings(offline=True, cwd=project))
    t5_rel, t5_abs, gpt2, ministral = (out[r] for r in refs)
    assert isinstance(t5_rel, ModelFacts) and t5_rel.source == "local"
    assert t5_rel.model_type == "t5" and t5_rel.is_encoder_decoder is True
    assert t5_rel.local_path == str((project / "models" / "t5").resolve())
    assert isinstance(t5_abs, ModelFacts) and t5_abs.local_path == t5_rel.local_path
    assert isinstance(gpt2, ModelFacts) and gpt2.source == "local" and gpt2.architectures == ("GPT2LMHeadModel",)
    assert isinstance(ministral, ModelFacts) and ministral.model_type == "ministral"


@pytest.mark.parametrize(
    ("model_id", "config", "reason", "words"),
    [
        ("./missing", None, "not-found", "no such folder"),
        ("../missing", None, "not-found", "no such folder"),
        ("~/missing-model", None, "not-found", "no such folder"),
        ("a/b/c", None, "not-found", "no such folder"),  # not a Hub id, so a path
        ("./empty", {}, "not-found", "config.json"),
        ("./broken", "{not json", "invalid-config", "not valid JSON"),
        ("./no-type", {"architectures": ["X"]}, "invalid-config", "no model_type"),
        ("./list", [1, 2], "invalid-config", "expected a JSON object"),
    ],
)
def test_local_folder_errors(tmp_path: Path, model_id: str, config: object, reason: str, words: str) -> None:
    if config == {}:
        (tmp_path / model_id).mkdir()
    elif config is not None:
        write_config(tmp_path / model_id, config)
    result = one(ModelRef(model_id), settings(offline=True, cwd=tmp_path))
    assert isinstance(result, Unresolved)
    assert (result.reason, "\n" in result.detail) == (reason, False)
    assert words in result.detail
    if reason == "invalid-config":
        assert "config.json" in result.detail  # names the file


# -- step 2: the lockfile --------------------------------------------------------------------------


def test_lockfile_answers_exact_ref_without_network(tmp_path: Path, hub: HubServer) -> None:
    lock = tmp_path / "loadlint.lock"
    pinned = ModelFacts(ref=GPT2, source="hub", model_type="locked-type", sha="b" * 40)
    write_lockfile(lock, [pinned])
    out = resolve_all([GPT2, GPT2_V1], settings(hub, lockfile=lock, use_facts_cache=False))
    assert out[GPT2].source == "lockfile" and out[GPT2].model_type == "locked-type"
    # another revision of the same id is not in the lockfile: it goes on to the Hub
    assert out[GPT2_V1].source == "hub" and out[GPT2_V1].sha == GPT2_V1_SHA
    assert [r[1].split("?")[0] for r in model_info_requests(hub)] == [f"{MODEL_INFO}{GPT2.model_id}/revision/v1.0"]


def test_bad_lockfile_raises(tmp_path: Path) -> None:
    lock = tmp_path / "loadlint.lock"
    lock.write_text("version = 1\n[[model]]\n", encoding="utf-8")
    with pytest.raises(LockfileError, match="missing id"):
        resolve_all([GPT2], settings(offline=True, lockfile=lock))


# -- step 3: loadlint's facts cache ------------------------------------------------------------------


def test_facts_cache_hit_then_ttl_expiry(tmp_path: Path, hub: HubServer) -> None:
    s = settings(hub)
    first = one(GPT2, s)
    assert isinstance(first, ModelFacts) and first.source == "hub"
    cache_file = tmp_path / "loadlint-cache" / CACHE_FILE
    assert json.loads(cache_file.read_text())["version"] == 2
    hub.clear_log()

    second = one(GPT2, s)
    assert second.source == "facts-cache"
    assert replace(second, source="hub") == first
    assert hub.requests == []

    expired = one(GPT2, replace(s, cache_ttl=0))
    assert expired.source == "hub"
    assert len(model_info_requests(hub)) == 1


def test_facts_cache_never_expires_for_a_commit(hub: HubServer) -> None:
    pinned = ModelRef(GPT2.model_id, GPT2_SHA)
    s = settings(hub, cache_ttl=0)
    assert one(pinned, s).source == "hub"
    hub.clear_log()
    again = one(pinned, s)
    assert again.source == "facts-cache" and again.sha == GPT2_SHA
    assert hub.requests == []


def test_facts_cache_disabled_and_separate_dir(tmp_path: Path, hub: HubServer) -> None:
    own = tmp_path / "own-cache"
    assert one(GPT2, settings(hub, cache_dir=own)).source == "hub"
    assert (own / CACHE_FILE).is_file()
    assert not (tmp_path / "loadlint-cache").exists()
    assert one(GPT2, settings(hub, cache_dir=own, use_facts_cache=False)).source == "hub"
    assert len(model_info_requests(hub)) == 2


@pytest.mark.parametrize("content", ["{corrupt", "[]", '{"version": 1, "entries": [{"id": 3}, 7]}', ""])
def test_corrupt_facts_cache_is_ignored_and_replaced(tmp_path: Path, hub: HubServer, content: str) -> None:
    cache_file = tmp_path / "loadlint-cache" / CACHE_FILE
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(content, encoding="utf-8")
    assert one(GPT2, settings(hub)).source == "hub"
    entries = json.loads(cache_file.read_text())["entries"]
    assert [(e["id"], e["revision"]) for e in entries] == [(GPT2.model_id, None)]
    assert [p.name for p in cache_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_only_successes_are_cached(tmp_path: Path, hub: HubServer) -> None:
    missing = ModelRef("acme/does-not-exist")
    one(missing, settings(hub))
    assert not (tmp_path / "loadlint-cache" / CACHE_FILE).exists()


def test_stale_cache_entry_used_when_offline_or_hub_down(hub: HubServer) -> None:
    s = settings(hub, cache_ttl=0)
    one(GPT2, s)
    hub.clear_log()
    assert one(GPT2, replace(s, offline=True)).source == "facts-cache"
    hub.fail_with = 503
    assert one(GPT2, s).source == "facts-cache"
    assert len(model_info_requests(hub)) == 1


# -- step 4: the Hugging Face cache ----------------------------------------------------------------


def test_hf_cache_hit_offline_after_a_download(hub: HubServer) -> None:
    huggingface_hub.hf_hub_download(
        GPT2.model_id, "config.json", endpoint=hub.endpoint, cache_dir=os.environ["HF_HOME"] + "/hub"
    )
    hub.clear_log()
    result = one(GPT2, settings(hub, offline=True))
    assert isinstance(result, ModelFacts) and result.source == "hf-cache"
    assert (result.sha, result.model_type, result.architectures) == (GPT2_SHA, "gpt2", ("GPT2LMHeadModel",))
    assert hub.requests == []
    # the snapshot is for main only: another revision is not in the HF cache
    assert one(GPT2_V1, settings(hub, offline=True)).reason == "offline-not-cached"


def test_hf_cache_honours_hf_hub_cache(tmp_path: Path, hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("HF_HUB_CACHE", str(elsewhere))
    huggingface_hub.hf_hub_download(GPT2.model_id, "config.json", endpoint=hub.endpoint, cache_dir=elsewhere)
    assert one(GPT2, settings(offline=True)).source == "hf-cache"


def test_resolver_download_fills_hf_cache(hub: HubServer) -> None:
    # Ministral's Hub config says "mistral": config.json is downloaded for the layer_types rewrite
    first = one(MINISTRAL, settings(hub, use_facts_cache=False))
    assert isinstance(first, ModelFacts) and first.source == "hub" and first.model_type == "ministral"
    assert any(m == "GET" and p.endswith("/config.json") for m, p, _ in hub.requests)
    hub.clear_log()
    again = one(MINISTRAL, settings(hub, offline=True, use_facts_cache=False))
    assert again.source == "hf-cache" and again.model_type == "ministral" and again.sha == first.sha
    assert hub.requests == []


def test_hf_cache_invalid_config(tmp_path: Path) -> None:
    snapshot = Path(os.environ["HF_HOME"]) / "hub" / "models--acme--cached" / "snapshots" / ("c" * 40)
    write_config(snapshot, {"architectures": ["X"]})
    refs = snapshot.parent.parent / "refs"
    refs.mkdir()
    (refs / "main").write_text("c" * 40)
    result = one(ModelRef("acme/cached"), settings(offline=True))
    assert isinstance(result, Unresolved) and result.reason == "invalid-config"
    assert "no model_type" in result.detail


# -- step 5: the Hub ------------------------------------------------------------------------------


def test_hub_facts(hub: HubServer) -> None:
    out = resolve_all([GPT2, GPT2_V1, T5, CHATGLM, MISTRAL], settings(hub, use_facts_cache=False))
    gpt2 = out[GPT2]
    assert isinstance(gpt2, ModelFacts)
    assert (gpt2.source, gpt2.model_type, gpt2.architectures, gpt2.sha) == (
        "hub",
        "gpt2",
        ("GPT2LMHeadModel",),
        GPT2_SHA,
    )
    assert (gpt2.pipeline_tag, gpt2.auto_model, gpt2.gated) == ("text-generation", "AutoModelForCausalLM", False)
    assert "gpt2" in gpt2.tags
    assert gpt2.is_encoder_decoder is None  # model_info carries no full config.json
    assert out[GPT2_V1].sha == GPT2_V1_SHA
    assert out[T5].model_type == "t5" and out[T5].auto_model == "AutoModelForSeq2SeqLM"
    assert out[CHATGLM].model_type == "chatglm"
    assert ("AutoModelForCausalLM", "modeling_chatglm.ChatGLMForConditionalGeneration") in out[CHATGLM].auto_map
    assert out[MISTRAL].model_type == "mistral"  # downloaded config.json has no layer_types
    # one model_info per ref, then config.json once per ref for vocab_size: one GET, or the mistral's
    # cached download (a HEAD and a GET); only the mistral's lands in the HF cache
    assert len(model_info_requests(hub)) == 5
    downloads = sorted(p for m, p, _ in hub.requests if m == "GET" and p.endswith("/config.json"))
    assert downloads == sorted(f"/{ref.model_id}/resolve/{out[ref].sha}/config.json" for ref in out)
    heads = [p for m, p, _ in hub.requests if m == "HEAD"]
    assert heads == [f"/{MISTRAL.model_id}/resolve/{out[MISTRAL].sha}/config.json"]
    assert len(hub.requests) == 11
    assert (gpt2.vocab_size, out[T5].vocab_size, out[MISTRAL].vocab_size) == (50257, 32128, 32000)
    expand = model_info_requests(hub)[0][1].split("?", 1)[1]
    for field in ("config", "sha", "pipeline_tag", "gated", "tags", "transformersInfo", "siblings"):
        assert f"expand={field}" in expand


def test_endpoint_from_environment(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    assert one(GPT2, settings(use_facts_cache=False)).source == "hub"
    assert len(model_info_requests(hub)) == 1


def test_gated_without_and_with_token(hub: HubServer) -> None:
    s = settings(hub, use_facts_cache=False)
    anonymous = one(GATED, s)
    assert isinstance(anonymous, Unresolved) and anonymous.reason == "gated-needs-token"
    pinned = one(ModelRef(GATED.model_id, "main"), s)  # /revision/main is gated itself
    assert isinstance(pinned, Unresolved) and pinned.reason == "gated-needs-token"
    wrong = one(GATED, replace(s, token="hf_wrong_token_0123456789"))
    assert isinstance(wrong, Unresolved) and wrong.reason == "gated-needs-token"
    assert "hf_wrong_token" not in wrong.detail

    facts = one(GATED, replace(s, token=VALID_TOKEN))
    assert isinstance(facts, ModelFacts)
    assert (facts.model_type, facts.gated, facts.source) == ("llama", True, "hub")
    assert any(auth == f"Bearer {VALID_TOKEN}" for _, _, auth in hub.requests)


def test_private_repo_with_token(hub: HubServer) -> None:
    ref = ModelRef("acme/private-gpt2")
    assert one(ref, settings(hub, use_facts_cache=False)).reason == "not-found"
    facts = one(ref, settings(hub, use_facts_cache=False, token=VALID_TOKEN))
    assert isinstance(facts, ModelFacts) and facts.model_type == "gpt2"


# -- every Unresolved reason, and no token in any detail ---------------------------------------------


@pytest.mark.parametrize(
    ("ref", "reason", "words"),
    [
        (ModelRef("acme/does-not-exist"), "not-found", "no model repository"),
        (ModelRef(GPT2.model_id, "no-such-branch"), "not-found", "no revision 'no-such-branch'"),
        (ModelRef("acme/broken-config"), "invalid-config", "not valid JSON"),
        (ModelRef("acme/no-model-type"), "invalid-config", "no model_type"),
    ],
)
def test_hub_errors(hub: HubServer, ref: ModelRef, reason: str, words: str) -> None:
    result = one(ref, settings(hub, token=VALID_TOKEN))
    assert isinstance(result, Unresolved)
    assert result.reason == reason
    assert words in result.detail
    assert VALID_TOKEN not in result.detail and "\n" not in result.detail


def test_offline_not_cached_makes_no_request(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert one(GPT2, settings(hub, offline=True)).reason == "offline-not-cached"
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        with monkeypatch.context() as m:
            m.setenv(name, "1")
            assert one(GPT2, settings(hub)).reason == "offline-not-cached"
    assert hub.requests == []


def test_server_error_is_network(hub: HubServer) -> None:
    hub.fail_with = 500
    start = time.monotonic()
    result = one(GPT2, settings(hub, token=VALID_TOKEN))
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert "HTTP 500" in result.detail and VALID_TOKEN not in result.detail
    assert time.monotonic() - start < 2  # no retry/backoff
    assert len(hub.requests) == 1


def test_connection_refused_is_network() -> None:
    with HubServer() as gone:
        endpoint = gone.endpoint
    start = time.monotonic()
    result = one(GPT2, settings(endpoint=endpoint, token=VALID_TOKEN))
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert VALID_TOKEN not in result.detail
    assert time.monotonic() - start < 2


def test_timeout_is_network_and_quick(hub: HubServer) -> None:
    hub.delay = 3
    start = time.monotonic()
    result = one(GPT2, settings(hub, timeout=0.3))
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert time.monotonic() - start < 1.5


def test_download_retries_are_bounded(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """hf_hub_download's own retries (up to minutes) cannot hold a run: the ref gives up within its budget."""

    def slow_download(*args, **kwargs):
        time.sleep(30)
        raise AssertionError("not reached")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", slow_download)
    start = time.monotonic()
    result = one(MINISTRAL, settings(hub, timeout=0.1, token=VALID_TOKEN))
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert "within" in result.detail and VALID_TOKEN not in result.detail
    assert time.monotonic() - start < 2


def test_every_reason_but_dynamic_is_produced(tmp_path: Path, hub: HubServer) -> None:
    write_config(tmp_path / "bad", "{")
    cases = [
        (ModelRef("./bad"), settings(hub, cwd=tmp_path)),
        (ModelRef("acme/does-not-exist"), settings(hub)),
        (GATED, settings(hub)),
        (GPT2, settings(hub, offline=True)),
        (GPT2, settings(endpoint="http://127.0.0.1:9", timeout=1)),
    ]
    reasons = {one(ref, s).reason for ref, s in cases}
    # "gguf-unknown" is a load's, not an id's: a resolved GGUF repo without a known architecture (test_gguf.py)
    assert reasons == set(UNRESOLVED_REASONS) - {"dynamic", "gguf-unknown"}


# -- limits: Retry-After, response size, the token huggingface_hub would send ----------------------


def test_retry_after_is_honoured_once(hub: HubServer) -> None:
    hub.throttle(429, retry_after=1, repo_id=GPT2.model_id)
    start = time.monotonic()
    result = one(GPT2, settings(hub, use_facts_cache=False))
    elapsed = time.monotonic() - start
    assert isinstance(result, ModelFacts) and (result.source, result.sha) == ("hub", GPT2_SHA)
    assert 1 <= elapsed < 1.9  # one wait of 1 s, not two
    assert [p for _, p, _ in model_info_requests(hub)] == [model_info_requests(hub)[0][1]] * 2


def test_retry_after_is_retried_at_most_once(hub: HubServer) -> None:
    hub.throttle(503, retry_after=1, times=2, repo_id=GPT2.model_id)
    start = time.monotonic()
    result = one(GPT2, settings(hub, use_facts_cache=False))
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert "HTTP 503 (model_info)" in result.detail
    assert 1 <= time.monotonic() - start < 1.9
    assert len(model_info_requests(hub)) == 2


@pytest.mark.parametrize(("status", "as_date"), [(429, False), (503, True)])
def test_retry_after_beyond_the_budget_is_network_at_once(hub: HubServer, status: int, as_date: bool) -> None:
    s = settings(hub, use_facts_cache=False, token=VALID_TOKEN)
    wait = 3600 if as_date else 60
    assert resolve_hub.hub_budget(s.timeout) < wait
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=wait), usegmt=True)
    hub.throttle(status, retry_after=later if as_date else wait)
    start = time.monotonic()
    result = one(GPT2, s)
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert time.monotonic() - start < 1
    assert f"HTTP {status} (model_info)" in result.detail and "beyond this ref's time budget" in result.detail
    asked = re.search(r"asked to retry after (\d+) s", result.detail)
    assert asked is not None and wait - 2 <= int(asked.group(1)) <= wait  # an HTTP date is whole seconds
    assert VALID_TOKEN not in result.detail and "\n" not in result.detail
    assert len(hub.requests) == 1


@pytest.mark.parametrize("retry_after", [None, "soon"])
def test_429_without_usable_retry_after_is_not_retried(hub: HubServer, retry_after: str | None) -> None:
    hub.throttle(429, retry_after=retry_after)
    result = one(GPT2, settings(hub, use_facts_cache=False))
    assert isinstance(result, Unresolved) and result.reason == "network"
    assert "HTTP 429 (model_info)" in result.detail
    assert len(hub.requests) == 1


@pytest.mark.parametrize("declare_length", [True, False])
def test_too_large_model_info_is_network_and_the_run_goes_on(hub: HubServer, declare_length: bool) -> None:
    size = 50 * 2**20
    hub.serve_huge_model_info(GPT2.model_id, size, declare_length=declare_length)
    tracemalloc.start()
    try:
        out = resolve_all([GPT2, T5], settings(hub, use_facts_cache=False))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    gpt2 = out[GPT2]
    assert isinstance(gpt2, Unresolved) and gpt2.reason == "network"
    assert "response too large" in gpt2.detail and "(model_info)" in gpt2.detail and "10 MiB" in gpt2.detail
    assert isinstance(out[T5], ModelFacts) and out[T5].model_type == "t5"
    assert peak < MAX_JSON_BYTES + 8 * 2**20  # the body is never held whole (read whole: ~580 MB peak RSS)
    assert hub.huge_sent[GPT2.model_id] < size  # and the rest is never read


def test_error_answer_keeps_the_servers_message(hub: HubServer) -> None:
    """The error body is read (bounded) before hf_raise_for_status, which looks there for the message."""
    url = f"{hub.endpoint}/api/models/acme/does-not-exist"
    with pytest.raises(RepositoryNotFoundError) as info:
        get_json(url, None, None, 5.0, time.monotonic() + 10)
    assert info.value.response.json() == {"error": "Repository not found"}


def test_too_large_config_json_on_disk_is_invalid_config(tmp_path: Path) -> None:
    head = '{"model_type": "gpt2", "padding": "'
    write_config(tmp_path / "huge", head + "x" * (MAX_JSON_BYTES - len(head)) + '"}')
    result = one(ModelRef("./huge"), settings(offline=True, cwd=tmp_path))
    assert isinstance(result, Unresolved) and result.reason == "invalid-config"
    assert "config.json: larger than 10 MiB, not read" in result.detail


@pytest.mark.parametrize("where", ["HF_TOKEN", "stored login"])
def test_gated_with_a_refused_implicit_token(hub: HubServer, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    wrong = "hf_refused_implicit_token_0123456789"
    if where == "HF_TOKEN":
        monkeypatch.setenv("HF_TOKEN", wrong)
    else:
        Path(hf_constants.HF_TOKEN_PATH).parent.mkdir(parents=True, exist_ok=True)
        Path(hf_constants.HF_TOKEN_PATH).write_text(wrong)
    result = one(GATED, settings(hub, use_facts_cache=False))
    assert isinstance(result, Unresolved) and result.reason == "gated-needs-token"
    assert "the token was refused" in result.detail
    assert wrong not in repr(result)
    assert {auth for _, _, auth in hub.requests} == {f"Bearer {wrong}"}  # sent with every request


def test_implicit_token_is_used_and_can_be_disabled(hub: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
    facts = one(GATED, settings(hub, use_facts_cache=False))
    assert isinstance(facts, ModelFacts) and facts.model_type == "llama"
    hub.clear_log()
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    anonymous = one(GATED, settings(hub, use_facts_cache=False))
    assert isinstance(anonymous, Unresolved) and "pass a token" in anonymous.detail
    assert {auth for _, _, auth in hub.requests} == {None}


# -- dedup, concurrency, architecture ----------------------------------------------------------------


def test_equal_refs_resolved_once(hub: HubServer) -> None:
    out = resolve_all([GPT2, ModelRef(GPT2.model_id), GPT2, T5], settings(hub, use_facts_cache=False))
    assert list(out) == [GPT2, T5]
    assert len(model_info_requests(hub)) == 2
    assert sum(GPT2.model_id in path for _, path, _ in model_info_requests(hub)) == 1


def test_eight_refs_concurrently(hub: HubServer) -> None:
    ids = [
        "openai-community/gpt2",
        "google-t5/t5-small",
        "facebook/bart-large-cnn",
        "google-bert/bert-base-uncased",
        "openai/whisper-tiny",
        "Qwen/Qwen2.5-0.5B-Instruct",
        "microsoft/phi-2",
        "mistralai/Ministral-8B-Instruct-2410",
    ]
    refs = [ModelRef(i) for i in ids]
    hub.delay = 0.25
    start = time.monotonic()
    out = resolve_all(refs, settings(hub, use_facts_cache=False))
    elapsed = time.monotonic() - start
    assert elapsed < 2  # the 18 requests one after the other would take 4.5 s
    assert list(out) == refs
    types = [out[r].model_type for r in refs]
    assert types == ["gpt2", "t5", "bart", "bert", "whisper", "qwen2", "phi", "ministral"]
    assert all(out[r].ref == r for r in refs)


def test_settings_repr_hides_token() -> None:
    assert VALID_TOKEN not in repr(ResolverSettings(token=VALID_TOKEN))
    assert "token=None" in repr(ResolverSettings())


def test_no_huggingface_hub_import_for_steps_1_to_3(tmp_path: Path) -> None:
    write_config(tmp_path / "local", {"model_type": "bert"})
    lock = tmp_path / "loadlint.lock"
    write_lockfile(lock, [ModelFacts(ref=GPT2, source="hub", model_type="gpt2")])
    script = f"""
import sys
from pathlib import Path
from loadlint.facts import ModelRef
from loadlint.resolve import ResolverSettings, resolve_all
out = resolve_all([ModelRef("./local"), ModelRef("{GPT2.model_id}")],
                  ResolverSettings(cwd=Path({str(tmp_path)!r}), lockfile=Path({str(lock)!r})))
assert [f.source for f in out.values()] == ["local", "lockfile"], out
assert "huggingface_hub" not in sys.modules
"""
    src = str(Path(__file__).parents[1] / "src")
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "PYTHONPATH": src})


def test_fixture_hub_present() -> None:
    assert (FIXTURE_HUB / "openai-community" / "gpt2" / "_repo.json").is_file()


def test_tokenizer_facts_are_read_only_for_tokenizer_loads(hub: HubServer, tmp_path: Path) -> None:
    """AutoTokenizer reads tokenizer_config.json before config.json: for the refs a tokenizer is loaded
    from, one GET of it when the repo lists it (none when it does not), and the answer is cached;
    a model-only run asks for nothing more than before."""
    models_only = resolve_all([CHATGLM, GPT2], settings(hub, use_facts_cache=False))
    assert models_only[CHATGLM].tokenizer_auto_map is None and models_only[GPT2].tokenizer_auto_map is None
    assert not any(path.endswith("/tokenizer_config.json") for _, path, _ in hub.requests)
    hub.reset()

    s = settings(hub, cache_dir=tmp_path / "cache")
    out = resolve_all([CHATGLM, GPT2], s, tokenizers=frozenset({CHATGLM, GPT2}))
    chatglm = out[CHATGLM]
    assert chatglm.tokenizer_class == "ChatGLMTokenizer"
    assert chatglm.tokenizer_auto_map == (("AutoTokenizer", "tokenization_chatglm.ChatGLMTokenizer"),)
    assert out[GPT2].tokenizer_auto_map is not None and out[GPT2].tokenizer_class is None
    fetched = [path for method, path, _ in hub.requests if path.endswith("/tokenizer_config.json")]
    assert len(fetched) == sum(
        "tokenizer_config.json" in os.listdir(HUB_FIXTURES / ref.model_id) for ref in (CHATGLM, GPT2)
    )
    hub.reset()
    again = resolve_all([CHATGLM], s, tokenizers=frozenset({CHATGLM}))
    assert again[CHATGLM].source == "facts-cache" and again[CHATGLM].tokenizer_class == "ChatGLMTokenizer"
    assert hub.requests == []


def test_local_folder_tokenizer_facts(tmp_path: Path) -> None:
    folder = write_config(tmp_path / "glm", {"model_type": "chatglm", "auto_map": {"AutoModel": "m.M"}})
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "ChatGLMTokenizer", "auto_map": ["tokenization_chatglm.ChatGLMTokenizer", None]})
    )
    facts = one(ModelRef(str(folder)), settings())
    assert facts.tokenizer_class == "ChatGLMTokenizer"
    assert facts.tokenizer_auto_map == (("AutoTokenizer", "tokenization_chatglm.ChatGLMTokenizer"),)
    bare = one(ModelRef(str(write_config(tmp_path / "bare", {"model_type": "gpt2"}))), settings())
    assert (bare.tokenizer_class, bare.tokenizer_auto_map) == (None, ())


@pytest.mark.parametrize(
    ("model_id", "layout", "files"),
    [
        ("meta-llama/Llama-2-7b", "original", ("consolidated.00.pth", "params.json")),
        ("bartowski/Llama-3.2-1B-Instruct-GGUF", "gguf",
         ("Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Llama-3.2-1B-Instruct-Q8_0.gguf")),
        ("acme/no-config", "other", ("README.md",)),
    ],
)
def test_a_repo_that_is_no_checkpoint_is_known_from_its_file_list(
    hub: HubServer, model_id: str, layout: str, files: tuple[str, ...]
) -> None:
    """No config.json and no adapter in the listed files: what the repo holds, from model_info alone
    (no request for a config.json that is not there)."""
    facts = one(ModelRef(model_id), settings(hub, use_facts_cache=False))
    assert isinstance(facts, ModelFacts)
    assert (facts.model_type, facts.layout, facts.layout_files) == (None, layout, files)
    assert [path for _, path, _ in hub.requests if not path.startswith(MODEL_INFO)] == []


def test_a_local_folder_that_is_no_checkpoint(tmp_path: Path) -> None:
    folder = tmp_path / "llama-2-7b"
    folder.mkdir()
    for name in ("consolidated.00.pth", "params.json", "tokenizer.model"):
        (folder / name).write_text("x")
    facts = one(ModelRef(str(folder)), settings())
    assert (facts.source, facts.layout) == ("local", "original")
    assert facts.layout_files == ("consolidated.00.pth", "params.json")


def test_an_adapter_is_judged_on_its_base(hub: HubServer, tmp_path: Path) -> None:
    """A repo with adapter_config.json and no config.json: transformers (with peft) loads the base model
    named there and attaches the adapter, so the base is resolved through the same steps and its config
    facts are the adapter's, with the adapter's own repo facts; an unknown base leaves it unresolved."""
    adapter = ModelRef("timdettmers/guanaco-7b")
    facts = one(adapter, settings(hub, use_facts_cache=False))
    assert isinstance(facts, ModelFacts)
    assert (facts.model_type, facts.architectures, facts.vocab_size) == ("llama", ("LlamaForCausalLM",), 32000)
    assert (facts.adapter_base, facts.adapter_task, facts.peft_type) == ("huggyllama/llama-7b", "CAUSAL_LM", "LORA")
    # what the repo's own files say is the adapter repo's, and its files were not read: unknown
    assert (facts.processor_files, facts.weight_formats, facts.tokenizer_auto_map) == (None, None, None)
    assert facts.ref == adapter and facts.sha == hashlib.sha1(adapter.model_id.encode()).hexdigest()
    fetched = sorted(path.split("?")[0] for method, path, _ in hub.requests if method == "GET")
    assert f"/{adapter.model_id}/resolve/{facts.sha}/adapter_config.json" in fetched
    assert any(path.startswith(f"{MODEL_INFO}huggyllama/llama-7b") for path in fetched)

    folder = tmp_path / "lora"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/nowhere/llama", "task_type": "CAUSAL_LM"}))
    orphan = one(ModelRef(str(folder)), settings())
    assert isinstance(orphan, Unresolved) and orphan.reason == "not-found"
    assert orphan.detail.startswith("the adapter's base `/nowhere/llama`: no such folder")


def test_what_auto_processor_reads_costs_no_request_of_its_own(hub: HubServer) -> None:
    """`processor_declarations`: config.json's `processor_class` comes from the config.json already read
    for `vocab_size`, tokenizer_config.json's from the tokenizer facts' read; a repo listing a processor
    config (whose content the Hub path does not read) stays unknown."""
    bert, whisper = ModelRef("google-bert/bert-base-uncased"), ModelRef("openai/whisper-tiny")
    out = resolve_all([bert, whisper], settings(hub, use_facts_cache=False), tokenizers=frozenset({bert, whisper}))
    assert out[bert].processor_declarations == (("tokenizer_config.json", ""), ("config.json", ""))
    assert out[whisper].processor_files == ("preprocessor_config.json",)
    assert out[whisper].processor_declarations is None
    asked = [path.rsplit("/", 1)[-1] for _, path, _ in hub.requests if "google-bert" in path]
    assert sorted(name for name in asked if name.endswith(".json")) == ["config.json", "tokenizer_config.json"]
    models_only = one(bert, settings(hub, use_facts_cache=False))
    assert models_only.processor_declarations is None, "tokenizer_config.json was not read"


def test_local_folder_processor_declarations(tmp_path: Path) -> None:
    """A local folder's processor configs are read too (no Hub cost), in AutoProcessor's order."""
    folder = write_config(tmp_path / "vlm", {"model_type": "llava", "processor_class": "LlavaProcessor"})
    (folder / "preprocessor_config.json").write_text(json.dumps({"image_processor_type": "CLIPImageProcessor"}))
    (folder / "tokenizer_config.json").write_text(json.dumps({"processor_class": "LlavaProcessor"}))
    facts = one(ModelRef(str(folder)), settings())
    assert facts.processor_declarations == (
        ("preprocessor_config.json", ""), ("tokenizer_config.json", "LlavaProcessor"), ("config.json", "LlavaProcessor")
    )
    bare = one(ModelRef(str(write_config(tmp_path / "bare", {"model_type": "gpt2"}))), settings())
    assert bare.processor_declarations == (("config.json", ""),)
