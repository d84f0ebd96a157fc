"""Resolve each distinct model ref of a run, once, to the config facts the rules need.

Order per ref (the first step that answers wins):

1. a local folder (`from_pretrained("./my-model")`): its config.json;
2. the lockfile entry for exactly (id, revision);
3. loadlint's facts cache (earlier Hub answers; see `resolve.cache`);
4. the Hugging Face cache (a config.json already downloaded for that revision);
5. the Hub: one `model_info` call, plus config.json only when a needed field is missing, or
   "offline-not-cached" in offline mode.

Steps 1-3 need neither the network nor huggingface_hub; steps 4-5 run concurrently in a thread
pool.  A failure never raises: it is an `Unresolved` with one reason and a one-line detail.  The only
exception is a lockfile that cannot be read, which raises `LockfileError` (a configuration error).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from loadlint.cachedir import default_cache_dir
from loadlint.facts import ModelFacts, ModelRef, Unresolved
from loadlint.lockfile import LockfileError, read_lockfile
from loadlint.resolve import hub
from loadlint.resolve.cache import FactsCache
from loadlint.resolve.local import resolve_local

__all__ = ["LockfileError", "Resolution", "ResolverSettings", "is_offline", "resolve_all"]

Resolution = ModelFacts | Unresolved

_TRUE = {"1", "ON", "YES", "TRUE"}  # huggingface_hub.constants._is_true


@dataclass(frozen=True)
class ResolverSettings:
    offline: bool = False  # --offline; also forced when HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is truthy
    lockfile: Path | None = None  # loadlint.lock to read (None: no lockfile)
    cache_dir: Path | None = None  # facts cache folder; None -> $LOADLINT_CACHE_DIR or the user cache dir
    use_facts_cache: bool = True
    cache_ttl: float = 24 * 3600  # freshness of a cached branch/tag/None revision; a 40-hex commit never expires
    timeout: float = 10.0  # per-request timeout (seconds)
    endpoint: str | None = None  # None -> $HF_ENDPOINT -> https://huggingface.co
    token: str | None = None  # None -> huggingface_hub's own lookup (HF_TOKEN, stored login); never logged
    max_workers: int = 8
    cwd: Path | None = None  # where relative local folders are resolved (default Path.cwd())

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        fields = ", ".join(
            f"{name}={'***' if name == 'token' and value is not None else repr(value)}"
            for name, value in self.__dict__.items()
        )
        return f"ResolverSettings({fields})"


def is_offline(settings: ResolverSettings) -> bool:
    return settings.offline or any(
        os.environ.get(name, "").upper() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def resolve_all(
    refs: Iterable[ModelRef],
    settings: ResolverSettings,
    tokenizers: frozenset[ModelRef] = frozenset(),
    resolve_bases: bool = True,
) -> dict[ModelRef, Resolution]:
    """Facts or an Unresolved for every distinct ref, in first-seen order.  For the refs a tokenizer is
    loaded from (`tokenizers`), tokenizer_config.json is read too: a cached answer without it is asked
    again of the Hub (it still answers when the Hub cannot be reached).  A PEFT adapter's base is
    resolved through the same steps, and the adapter judged on its base's config (as transformers
    loads the base, then attaches the adapter)."""
    pending = list(dict.fromkeys(refs))
    results: dict[ModelRef, Resolution] = {}
    offline = is_offline(settings)
    endpoint = hub.effective_endpoint(settings.endpoint)
    cwd = settings.cwd or Path.cwd()

    # 1. local folders
    remaining = []
    for ref in pending:
        local = resolve_local(ref, cwd)
        if local is None:
            remaining.append(ref)
        else:
            results[ref] = local

    # 2. the lockfile (read even when every ref is local, so that a broken one is always reported)
    if settings.lockfile is not None:
        locked = read_lockfile(settings.lockfile)
        remaining = _take(remaining, results, locked.get)

    # 3. loadlint's facts cache
    cache = None
    if settings.use_facts_cache and remaining:
        cache = FactsCache.load(settings.cache_dir or default_cache_dir(), settings.cache_ttl)
        remaining = _take(remaining, results, lambda ref: _complete(cache.get(endpoint, ref), ref in tokenizers))

    # 4. and 5. the Hugging Face cache, then the Hub
    if remaining:
        hub.import_hub()  # once, in this thread, before the workers use it
        token = None if offline else hub.effective_token(settings.token)  # sent explicitly, never looked up twice

        def lookup(ref: ModelRef) -> Resolution:
            try:
                return _lookup(ref)
            except Exception as exc:  # noqa: BLE001 - a bug here must cost one ref, not the run
                return Unresolved(ref, "network", f"internal error while resolving: {type(exc).__name__}")

        def _lookup(ref: ModelRef) -> Resolution:
            cached = hub.from_hf_cache(ref, offline=offline)
            if cached is not None:
                return cached
            stale = cache.get(endpoint, ref, allow_stale=True) if cache is not None else None
            if offline:
                if stale is not None:  # an expired answer beats none when the Hub may not be asked
                    return stale
                return Unresolved(
                    ref, "offline-not-cached", "offline mode: not in the lockfile, loadlint's cache or the HF cache"
                )
            answer = hub.from_hub(
                ref, endpoint=endpoint, token=token, timeout=settings.timeout, tokenizer=ref in tokenizers
            )
            if isinstance(answer, Unresolved) and answer.reason == "network" and stale is not None:
                return stale
            return answer

        workers = max(1, min(settings.max_workers, len(remaining)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="loadlint-resolve") as pool:
            for ref, answer in zip(remaining, pool.map(lookup, remaining)):
                results[ref] = answer
                if cache is not None and isinstance(answer, ModelFacts) and answer.source == "hub":
                    cache.put(endpoint, answer)

    if cache is not None:
        cache.save()
    adapters = {
        ref: ModelRef(found.adapter_base)
        for ref, found in results.items()
        if isinstance(found, ModelFacts) and found.model_type is None and found.adapter_base
    }
    if adapters:
        bases = resolve_all(adapters.values(), settings, tokenizers, resolve_bases=False) if resolve_bases else {}
        for ref, base in adapters.items():
            results[ref] = _on_base(results[ref], bases.get(base))  # type: ignore[arg-type]
    return {ref: results[ref] for ref in pending}


def _on_base(adapter: ModelFacts, base: Resolution | None) -> Resolution:
    """The adapter's facts on its base's config; unresolved, with the base's reason, without it."""
    where = f"the adapter's base `{adapter.adapter_base}`"
    if isinstance(base, Unresolved):
        return Unresolved(adapter.ref, base.reason, f"{where}: {base.detail}")
    if base is None or base.model_type is None:
        return Unresolved(adapter.ref, "not-found", f"{where} is not a checkpoint (an adapter of an adapter?)")
    return dataclasses.replace(
        base,
        ref=adapter.ref,
        source=adapter.source,
        sha=adapter.sha,
        gated=adapter.gated,
        tags=adapter.tags,
        local_path=adapter.local_path,
        # What the repo's own files say is the adapter repo's, not the base's: unknown here.
        has_chat_template=None,
        tokenizer_class=None,
        tokenizer_auto_map=None,
        processor_files=None,
        weight_formats=None,
        processor_declarations=None,
        adapter_base=adapter.adapter_base,
        adapter_task=adapter.adapter_task,
        peft_type=adapter.peft_type,
    )


def _complete(facts: ModelFacts | None, tokenizer: bool) -> ModelFacts | None:
    """Cached facts, unless they lack the tokenizer facts this run needs."""
    if facts is not None and tokenizer and facts.tokenizer_auto_map is None:
        return None
    return facts


def _take(
    refs: list[ModelRef], results: dict[ModelRef, Resolution], find: Callable[[ModelRef], Resolution | None]
) -> list[ModelRef]:
    """Record the refs `find` answers; return the others."""
    left = []
    for ref in refs:
        found = find(ref)
        if found is None:
            left.append(ref)
        else:
            results[ref] = found
    return left
