"""loadlint's own facts cache: the Hub answers of earlier runs, in one JSON file.

Location: `<cache_dir>/facts.json`, where cache_dir is the setting, else $LOADLINT_CACHE_DIR, else
platformdirs.user_cache_dir("loadlint").  Format (version 2; the facts as `facts_codec` stores them):

    {"version": 2,
     "entries": [{"endpoint": "https://huggingface.co", "id": "openai-community/gpt2", "revision": null,
                  "fetched_at": 1767225600.0,
                  "facts": {"sha": "...", "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
                            "is_encoder_decoder": null, "auto_map": {"AutoConfig": "x.Config"},
                            "pipeline_tag": "text-generation", "auto_model": "AutoModelForCausalLM",
                            "gated": false, "tags": ["..."], "has_chat_template": false,
                            "vocab_size": 50257}}]}

A missing fact is an unknown one (an entry written before that fact existed).

An entry is keyed by (endpoint, id, revision).  One whose revision is a 40-hex commit never expires;
any other stays fresh for the TTL, then is only used offline or when the Hub cannot be reached,
and is dropped after 30 days.  The file is read once per run and written once at the end,
atomically; a corrupt file or entry is ignored (the cache is only ever an optimisation).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from loadlint.cachedir import prepare
from loadlint.facts import ModelFacts, ModelRef, is_commit
from loadlint.facts_codec import facts_from_data, facts_to_data
from loadlint.source import write_atomic

CACHE_FILE = "facts.json"
CACHE_VERSION = 2  # 2: auto_map is a table, as in the lockfile
KEEP_STALE = 30 * 24 * 3600  # seconds an expired entry is kept as an offline / Hub-down fallback

CacheKey = tuple[str, str, str | None]


class FactsCache:
    """The entries of the cache file, with their fetch times; `put` marks it dirty for `save`."""

    def __init__(self, path: Path, ttl: float) -> None:
        self.path = path
        self.ttl = ttl
        self._entries: dict[CacheKey, tuple[float, dict[str, object]]] = {}
        self._dirty = False

    @classmethod
    def load(cls, directory: Path, ttl: float) -> FactsCache:
        cache = cls(directory / CACHE_FILE, ttl)
        try:
            data = json.loads(cache.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cache
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return cache
        entries = data.get("entries")
        for entry in entries if isinstance(entries, list) else ():
            try:
                key = (entry["endpoint"], entry["id"], entry["revision"])
                fetched_at = float(entry["fetched_at"])
                facts = entry["facts"]
                if not all(isinstance(k, str) for k in key[:2]) or not isinstance(key[2], (str, type(None))):
                    continue
                if not isinstance(facts, dict):
                    continue
                facts_from_data(ModelRef(key[1], key[2]), "facts-cache", facts)  # validate now, not on use
            except (KeyError, TypeError, ValueError):
                continue
            cache._entries[key] = (fetched_at, facts)
        return cache

    def _fresh(self, revision: str | None, fetched_at: float, now: float, ttl: float | None = None) -> bool:
        return is_commit(revision) or 0 <= now - fetched_at < (self.ttl if ttl is None else ttl)

    def get(self, endpoint: str, ref: ModelRef, *, allow_stale: bool = False) -> ModelFacts | None:
        """The cached facts for `ref` (source "facts-cache"), or None when absent or expired."""
        found = self._entries.get((endpoint, ref.model_id, ref.revision))
        if found is None:
            return None
        fetched_at, facts = found
        if not allow_stale and not self._fresh(ref.revision, fetched_at, time.time()):
            return None
        return facts_from_data(ref, "facts-cache", facts)

    def put(self, endpoint: str, facts: ModelFacts) -> None:
        ref = facts.ref
        self._entries[(endpoint, ref.model_id, ref.revision)] = (time.time(), facts_to_data(facts))
        self._dirty = True

    def save(self) -> None:
        """Write the file when something was added; errors are ignored.

        Expired entries are kept for KEEP_STALE (they still answer offline or when the Hub is down),
        then dropped.
        """
        if not self._dirty:
            return
        now = time.time()
        entries = [
            {"endpoint": key[0], "id": key[1], "revision": key[2], "fetched_at": fetched_at, "facts": facts}
            for key, (fetched_at, facts) in sorted(self._entries.items(), key=lambda kv: _sort_key(kv[0]))
            if self._fresh(key[2], fetched_at, now, max(self.ttl, KEEP_STALE))
        ]
        text = json.dumps({"version": CACHE_VERSION, "entries": entries}, indent=1, sort_keys=True)
        try:
            prepare(self.path.parent)
            write_atomic(str(self.path), text.encode("utf-8"))
        except OSError:
            return
        self._dirty = False


def _sort_key(key: CacheKey) -> tuple[str, str, bool, str]:
    return (key[0], key[1], key[2] is not None, key[2] or "")
