"""Steps 4 and 5: the Hugging Face cache and the Hub.  The only module that imports huggingface_hub.

huggingface_hub is imported inside functions only: a run whose ids are all answered by a local
folder, the lockfile or loadlint's cache never pays for the import.  Everything that huggingface_hub
reads from the environment at import time (HF_ENDPOINT, HF_HUB_CACHE, ...) is computed here at call
time and passed explicitly, so settings and environment changes made after the import still count.

The JSON answers (model_info, config.json for `vocab_size`) are loadlint's own GETs through
`huggingface_hub.get_session()`, built as `HfApi.model_info` builds its request: the body is read in
chunks and abandoned past MAX_JSON_BYTES (a 50 MB answer read whole cost ~580 MB of memory), and a
429/503 with Retry-After is retried once when the wait fits in the ref's budget.  Errors still go
through `hf_raise_for_status`, so they stay huggingface_hub's typed errors.

Bounding huggingface_hub's retries (2.4.0): `hf_hub_download` (config.json when model_info's subset
is not enough) retries on its own.  After a failed HEAD (timeout, connection error, 408/429/5xx) with
nothing cached it retries the HEAD with `_ETAG_RETRY_TIMEOUT = 60` s and `http_backoff`'s 5 retries
(sleeps 1+2+4+8+8 s), and the GET retries on 429 honouring Retry-After and resumes up to 5 times
after read errors.  None of that is configurable per call, so each ref's Hub work runs in a daemon
thread that the caller waits for at most `hub_budget(timeout)` seconds; past that the ref is
"network" and the thread is abandoned (a daemon thread never delays the interpreter's exit).
"""

from loadlint.resolve.hub.hf_cache import from_hf_cache
from loadlint.resolve.hub.http import effective_endpoint, effective_token, hub_budget, import_hub
from loadlint.resolve.hub.repo import from_hub

__all__ = ["effective_endpoint", "effective_token", "from_hf_cache", "from_hub", "hub_budget", "import_hub"]
