"""Step 5: the Hub: one model_info per id, and the files a needed fact is missing from."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from loadlint.facts import ModelFacts, ModelRef, Unresolved, is_commit
from loadlint.resolve.hub.errors import describe, safe_url, scrub, unresolved
from loadlint.resolve.hub.hf_cache import NoProgress, hf_hub_cache_dir, remember_ref
from loadlint.resolve.hub.http import HubTimeout, call_with_deadline, get_json, hub_budget
from loadlint.resolve.normalize import (
    ADAPTER_CONFIG_NAME,
    CONFIG_NAME,
    NO_TOKENIZER_CONFIG,
    TOKENIZER_CONFIG_NAME,
    ConfigError,
    ConfigFacts,
    TokenizerFacts,
    adapter_facts,
    adapter_model_facts,
    chat_template_presence,
    gguf_architecture,
    model_facts,
    normalize_config,
    read_config_file,
    repo_layout,
    tokenizer_facts,
)

if TYPE_CHECKING:
    from huggingface_hub.hf_api import ModelInfo

# `gguf`: the Hub reads the `general.architecture` of a repo's GGUF files, so no file is downloaded for it.
MODEL_INFO_EXPAND = ["config", "sha", "pipeline_tag", "gated", "tags", "transformersInfo", "siblings", "gguf"]


def from_hub(
    ref: ModelRef, *, endpoint: str, token: str | None, timeout: float, tokenizer: bool = False
) -> ModelFacts | Unresolved:
    """Facts from the Hub, within `hub_budget(timeout)` seconds; any failure becomes an Unresolved.

    `token` is the token to send, None for none (see `effective_token`): nothing is looked up here.
    With `tokenizer`, tokenizer_config.json is read too (one GET, when the repo lists it).
    """
    budget = hub_budget(timeout)
    deadline = time.monotonic() + budget
    try:
        return call_with_deadline(lambda: _from_hub(ref, endpoint, token, timeout, deadline, tokenizer), budget)
    except HubTimeout:
        return Unresolved(ref, "network", f"no answer from {safe_url(endpoint)} within {budget:g} s")
    except Exception as exc:  # noqa: BLE001 - _from_hub maps errors itself; a last line of defence
        return Unresolved(ref, "network", scrub(f"unexpected error: {describe(exc)}", token))


def _from_hub(
    ref: ModelRef, endpoint: str, token: str | None, timeout: float, deadline: float, tokenizer: bool
) -> ModelFacts | Unresolved:
    try:
        info = _model_info(ref, endpoint, token, timeout, deadline)
    except Exception as exc:  # noqa: BLE001 - every failure becomes an Unresolved
        return unresolved(ref, exc, endpoint, token, step="model_info")

    sha = info.sha if isinstance(info.sha, str) and info.sha else None
    files = _listed_files(info.siblings)
    if files is not None and CONFIG_NAME not in files and ADAPTER_CONFIG_NAME in files:
        return _adapter(ref, info, sha, endpoint, token, timeout, deadline)
    layout = repo_layout(files) if files is not None else None
    if layout is not None:  # the Hub lists the files: no config.json, and no adapter either
        return ModelFacts(ref, "hub", None, sha=sha, gated=bool(info.gated), tags=_tags(info), layout=layout[0],
                          layout_files=layout[1], gguf_architecture=gguf_architecture(info.gguf))
    hub_config = info.config if isinstance(info.config, dict) else {}
    config = normalize_config(hub_config, full=False)
    # The Hub's `config` is a subset: no model_type (e.g. hidden for a gated repo without a token) or
    # a mistral that may really be a ministral (decided by `layer_types`) needs the real config.json.
    if config.model_type is None or config.model_type == "mistral":
        fetched = _download_config(ref, sha, endpoint, token, timeout)
        if isinstance(fetched, Unresolved):
            return fetched
        config, sha = fetched
        vocab_size = config.vocab_size
    else:
        full = _read_full_config(ref, sha, endpoint, token, timeout, deadline)
        vocab_size = full.vocab_size if full is not None else None
        # model_info's subset lacks `processor_class`; config.json, read for vocab_size anyway, has it
        config = dataclasses.replace(config, processor_declaration=full.processor_declaration if full else None)
    transformers_info = info.transformers_info
    auto_model = getattr(transformers_info, "auto_model", None)
    if isinstance(transformers_info, dict):  # older huggingface_hub versions kept the raw dict
        auto_model = transformers_info.get("auto_model")
    return model_facts(
        ref,
        "hub",
        config,
        sha=sha,
        pipeline_tag=info.pipeline_tag if isinstance(info.pipeline_tag, str) else None,
        auto_model=auto_model if isinstance(auto_model, str) else None,
        gated=bool(info.gated),
        tags=_tags(info),
        has_chat_template=_has_chat_template(files, hub_config.get("tokenizer_config")),
        vocab_size=vocab_size,
        tokenizer=_hub_tokenizer(ref, sha, files, endpoint, token, timeout, deadline) if tokenizer else None,
        files=files,
        gguf_architecture=gguf_architecture(info.gguf),
    )


def _adapter(
    ref: ModelRef, info: ModelInfo, sha: str | None, endpoint: str, token: str | None, timeout: float, deadline: float
) -> ModelFacts | Unresolved:
    """A PEFT adapter's own facts, from its adapter_config.json (one GET); its base is resolved next."""
    try:
        data = _repo_json(ref, ADAPTER_CONFIG_NAME, sha, endpoint, token, timeout, deadline)
    except Exception as exc:  # noqa: BLE001 - every failure becomes an Unresolved
        return unresolved(ref, exc, endpoint, token, step=ADAPTER_CONFIG_NAME)
    return adapter_model_facts(ref, "hub", adapter_facts(data), sha=sha, gated=bool(info.gated), tags=_tags(info))


def _tags(info: ModelInfo) -> tuple[str, ...]:
    return tuple(tag for tag in info.tags or () if isinstance(tag, str))


def _repo_json(
    ref: ModelRef, name: str, sha: str | None, endpoint: str, token: str | None, timeout: float, deadline: float
) -> object:
    """One JSON file of the repo at the resolved commit, with one GET through `get_json`'s limits; it is
    not written to the HF cache, where it would answer later runs before the Hub does, with fewer facts."""
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(ref.model_id, name, revision=sha or ref.revision, endpoint=endpoint)
    return get_json(url, None, token, timeout, deadline)


def _listed_files(siblings: object) -> frozenset[str] | None:
    """The repo's files from model_info; None when the list is hidden (a gated repo without a token)."""
    if not isinstance(siblings, list):
        return None
    return frozenset(name for sibling in siblings if isinstance(name := getattr(sibling, "rfilename", None), str))


def _has_chat_template(files: frozenset[str] | None, tokenizer_config: object) -> bool | None:
    """From model_info alone: the file list, and the Hub's copy of tokenizer_config.json's keys
    (`chat_template` among them)."""
    if files is None:
        return None
    return chat_template_presence(files, tokenizer_config if isinstance(tokenizer_config, dict) else None)


def _hub_tokenizer(
    ref: ModelRef,
    sha: str | None,
    files: frozenset[str] | None,
    endpoint: str,
    token: str | None,
    timeout: float,
    deadline: float,
) -> TokenizerFacts | None:
    """tokenizer_config.json's facts: one GET when the repo lists the file (model_info's copy of it
    lacks `auto_map` and `tokenizer_class`); none needed when it does not; None on any failure."""
    if files is None:
        return None
    if TOKENIZER_CONFIG_NAME not in files:
        return NO_TOKENIZER_CONFIG
    try:
        data = _repo_json(ref, TOKENIZER_CONFIG_NAME, sha, endpoint, token, timeout, deadline)
    except Exception:  # noqa: BLE001 - the tokenizer facts are optional: a failure leaves them unknown
        return None
    return tokenizer_facts(data) if isinstance(data, dict) else None


def _read_full_config(
    ref: ModelRef, sha: str | None, endpoint: str, token: str | None, timeout: float, deadline: float
) -> ConfigFacts | None:
    """config.json itself, for the facts model_info's `config` lacks (`vocab_size`, `processor_class`),
    with one GET; None on any failure."""
    try:
        data = _repo_json(ref, CONFIG_NAME, sha, endpoint, token, timeout, deadline)
    except Exception:  # noqa: BLE001 - these facts are optional: a failure leaves them unknown
        return None
    return normalize_config(data, full=True) if isinstance(data, dict) else None


def _model_info(ref: ModelRef, endpoint: str, token: str | None, timeout: float, deadline: float) -> ModelInfo:
    """The request `HfApi.model_info(expand=MODEL_INFO_EXPAND)` makes, read through `get_json`'s limits."""
    from huggingface_hub.hf_api import ModelInfo
    from huggingface_hub.utils import validate_repo_id

    validate_repo_id(ref.model_id)
    url = f"{endpoint}/api/models/{ref.model_id}"
    if ref.revision is not None:
        url += f"/revision/{quote(ref.revision, safe='')}"
    return ModelInfo(**get_json(url, {"expand": MODEL_INFO_EXPAND}, token, timeout, deadline))


def _download_config(
    ref: ModelRef, sha: str | None, endpoint: str, token: str | None, timeout: float
) -> tuple[ConfigFacts, str | None] | Unresolved:
    """config.json at the resolved commit, through the HF cache (so later offline runs find it)."""
    from huggingface_hub import hf_hub_download

    cache_dir = hf_hub_cache_dir()
    try:
        path = Path(
            hf_hub_download(
                ref.model_id,
                CONFIG_NAME,
                revision=sha or ref.revision,
                cache_dir=cache_dir,
                endpoint=endpoint,
                token=token or False,  # None: no token (huggingface_hub would look one up)
                etag_timeout=timeout,
                tqdm_class=NoProgress,  # type: ignore[arg-type]
            )
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes an Unresolved
        return unresolved(ref, exc, endpoint, token, step="config.json")
    commit = path.parent.name if is_commit(path.parent.name) else sha
    if commit is not None:
        # What transformers' resolve_revision does: remember revision -> commit, so that
        # try_to_load_from_cache(id, revision=ref.revision) finds this snapshot offline.
        remember_ref(cache_dir, ref, commit)
    try:
        config = read_config_file(path)
    except ConfigError as exc:
        where = f"{ref.model_id}@{commit or ref.revision or 'main'}"
        return Unresolved(ref, "invalid-config", f"{where}: " + _after_path(exc, path))
    return config, commit


def _after_path(exc: ConfigError, path: Path) -> str:
    return str(exc).removeprefix(f"{path}: ")
