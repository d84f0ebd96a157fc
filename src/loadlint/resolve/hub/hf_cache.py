"""Step 4: the Hugging Face cache, read as huggingface_hub reads it, at call time."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

from loadlint.facts import ModelFacts, ModelRef, Unresolved, is_commit
from loadlint.resolve.normalize import (
    CONFIG_NAME,
    NO_TOKENIZER_CONFIG,
    PROCESSOR_FILES,
    TOKENIZER_CONFIG_NAME,
    ConfigError,
    TokenizerFacts,
    model_facts,
    read_config_file,
    read_json_file,
    tokenizer_facts,
)


def hf_hub_cache_dir() -> str:
    """The Hugging Face hub cache, computed as huggingface_hub.constants does, but now rather than at import."""
    env = os.environ
    cache = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if not cache:
        home = env.get("HF_HOME") or os.path.join(
            env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
        )
        cache = os.path.join(os.path.expandvars(os.path.expanduser(home)), "hub")
    return os.path.expandvars(os.path.expanduser(cache))


def from_hf_cache(ref: ModelRef, *, offline: bool) -> ModelFacts | Unresolved | None:
    """Facts from a config.json in the HF cache for exactly this revision, or None when not cached.

    A cached "config.json does not exist at this commit" (`.no_exist`) is final only when offline;
    online the Hub is asked again.
    """
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.file_download import _CACHED_NO_EXIST

    try:
        found = try_to_load_from_cache(ref.model_id, CONFIG_NAME, cache_dir=hf_hub_cache_dir(), revision=ref.revision)
    except Exception:  # noqa: BLE001 - an unreadable cache is a miss, never a crash
        return None
    if found is _CACHED_NO_EXIST:
        if offline:
            return Unresolved(ref, "not-found", "config.json does not exist in the repository (cached answer)")
        return None
    if not isinstance(found, str):
        return None
    path = Path(found)
    try:
        config = read_config_file(path)
    except ConfigError as exc:
        return Unresolved(ref, "invalid-config", str(exc))
    sha = path.parent.name
    facts = model_facts(
        ref,
        "hf-cache",
        config,
        sha=sha if is_commit(sha) else None,
        vocab_size=config.vocab_size,
        tokenizer=_cached_tokenizer(ref),
    )
    return dataclasses.replace(facts, processor_files=_cached_processor_files(ref))


def _cached_processor_files(ref: ModelRef) -> tuple[str, ...] | None:
    """The processor configs the HF cache knows the repo has; None unless it knows of each one
    (cached, or cached as absent)."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.file_download import _CACHED_NO_EXIST

    present = []
    for name in PROCESSOR_FILES:
        try:
            found = try_to_load_from_cache(ref.model_id, name, cache_dir=hf_hub_cache_dir(), revision=ref.revision)
        except Exception:  # noqa: BLE001 - an unreadable cache entry leaves the facts unknown
            return None
        if found is _CACHED_NO_EXIST:
            continue
        if not isinstance(found, str):
            return None
        present.append(name)
    return tuple(present)


def _cached_tokenizer(ref: ModelRef) -> TokenizerFacts | None:
    """tokenizer_config.json's facts from the HF cache: a cached "absent" is no file; not cached, unknown."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.file_download import _CACHED_NO_EXIST

    try:
        found = try_to_load_from_cache(
            ref.model_id, TOKENIZER_CONFIG_NAME, cache_dir=hf_hub_cache_dir(), revision=ref.revision
        )
        if found is _CACHED_NO_EXIST:
            return NO_TOKENIZER_CONFIG
        return tokenizer_facts(read_json_file(Path(found))) if isinstance(found, str) else None
    except Exception:  # noqa: BLE001 - an unreadable cache entry leaves the facts unknown
        return None


def remember_ref(cache_dir: str, ref: ModelRef, commit: str) -> None:
    revision = ref.revision or "main"
    if revision == commit:
        return
    refs = Path(cache_dir) / ("models--" + ref.model_id.replace("/", "--")) / "refs"
    target = refs.joinpath(*revision.split("/"))
    try:
        if target.is_file() and target.read_text() == commit:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(commit)
        os.replace(tmp, target)
    except OSError:
        pass  # best effort: a read-only cache only costs a later offline miss


class NoProgress:
    """A tqdm stand-in: hf_hub_download must not draw progress bars in a linter's output."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, n: float | None = 1) -> None:
        pass

    def close(self) -> None:
        pass
