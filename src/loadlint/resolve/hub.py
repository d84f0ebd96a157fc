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

from __future__ import annotations

import importlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

from loadlint.facts import ModelFacts, ModelRef, Unresolved, UnresolvedReason
from loadlint.limits import size_text
from loadlint.resolve.normalize import (
    MAX_JSON_BYTES,
    NO_TOKENIZER_CONFIG,
    TOKENIZER_CONFIG_NAME,
    ConfigError,
    ConfigFacts,
    TokenizerFacts,
    chat_template_presence,
    normalize_config,
    read_config_file,
    read_json_file,
    tokenizer_facts,
)

if TYPE_CHECKING:
    from httpx2 import Response  # the client of huggingface_hub.get_session() in 2.x
    from huggingface_hub.hf_api import ModelInfo

DEFAULT_ENDPOINT = "https://huggingface.co"  # huggingface_hub.constants._HF_DEFAULT_ENDPOINT
MODEL_INFO_EXPAND = ["config", "sha", "pipeline_tag", "gated", "tags", "transformersInfo", "siblings"]
CONFIG_NAME = "config.json"

_COMMIT = re.compile(r"[0-9a-f]{40}")
_TOKEN_LIKE = re.compile(r"\bhf_[A-Za-z0-9_]{6,}|(?i:bearer)\s+\S+")
_MAX_DETAIL = 300
_RETRY_STATUSES = (429, 503)  # the answers whose Retry-After loadlint honours, once
_TRUE = {"1", "ON", "YES", "TRUE"}  # huggingface_hub.constants._is_true

T = TypeVar("T")


class HubTimeout(Exception):
    """The Hub work for one ref did not finish within its budget."""


class ResponseTooLarge(Exception):
    """A Hub answer longer than `limit` bytes: abandoned rather than held in memory to be parsed."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class RetryBeyondBudget(Exception):
    """The Hub asked (429/503 + Retry-After) for a wait longer than the ref's budget leaves `room` for."""

    def __init__(self, status: int, wait: float, room: float) -> None:
        super().__init__(status, wait, room)
        self.status, self.wait, self.room = status, wait, room


def hub_budget(timeout: float) -> float:
    """Seconds one ref may spend on the Hub: model_info, then at most a HEAD and a GET of config.json."""
    return 3 * timeout + 1


def effective_token(token: str | None) -> str | None:
    """`token`, else the one huggingface_hub would send (HF_TOKEN, the stored login) unless
    HF_HUB_DISABLE_IMPLICIT_TOKEN forbids it.  Passed on explicitly, so that an error can tell
    "no token" from "the token was refused"."""
    if token:
        return token
    if os.environ.get("HF_HUB_DISABLE_IMPLICIT_TOKEN", "").upper() in _TRUE:
        return None
    from huggingface_hub import get_token

    try:
        return get_token()
    except Exception:  # noqa: BLE001 - a failed HF_OIDC_RESOURCE exchange: go on without a token
        return None


def effective_endpoint(endpoint: str | None) -> str:
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


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


def import_hub() -> None:
    """Import huggingface_hub (and the submodules used here) once, before worker threads need them."""
    for module in ("huggingface_hub", "huggingface_hub.errors", "huggingface_hub.file_download"):
        importlib.import_module(module)


# -- step 4: the Hugging Face cache -------------------------------------------------------------


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
    return _facts(
        ref,
        "hf-cache",
        config,
        sha=sha if _COMMIT.fullmatch(sha) else None,
        vocab_size=config.vocab_size,
        tokenizer=_cached_tokenizer(ref),
    )


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


# -- step 5: the Hub ------------------------------------------------------------------------------


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
        return _call_with_deadline(lambda: _from_hub(ref, endpoint, token, timeout, deadline, tokenizer), budget)
    except HubTimeout:
        return Unresolved(ref, "network", f"no answer from {_safe_url(endpoint)} within {budget:g} s")
    except Exception as exc:  # noqa: BLE001 - _from_hub maps errors itself; a last line of defence
        return Unresolved(ref, "network", _scrub(f"unexpected error: {_describe(exc)}", token))


def _from_hub(
    ref: ModelRef, endpoint: str, token: str | None, timeout: float, deadline: float, tokenizer: bool
) -> ModelFacts | Unresolved:
    try:
        info = _model_info(ref, endpoint, token, timeout, deadline)
    except Exception as exc:  # noqa: BLE001 - every failure becomes an Unresolved
        return _unresolved(ref, exc, endpoint, token, step="model_info")

    sha = info.sha if isinstance(info.sha, str) and info.sha else None
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
        vocab_size = _read_vocab_size(ref, sha, endpoint, token, timeout, deadline)
    files = _listed_files(info.siblings)
    transformers_info = info.transformers_info
    auto_model = getattr(transformers_info, "auto_model", None)
    if isinstance(transformers_info, dict):  # older huggingface_hub versions kept the raw dict
        auto_model = transformers_info.get("auto_model")
    return _facts(
        ref,
        "hub",
        config,
        sha=sha,
        pipeline_tag=info.pipeline_tag if isinstance(info.pipeline_tag, str) else None,
        auto_model=auto_model if isinstance(auto_model, str) else None,
        gated=bool(info.gated),
        tags=tuple(tag for tag in info.tags or () if isinstance(tag, str)),
        has_chat_template=_has_chat_template(files, hub_config.get("tokenizer_config")),
        vocab_size=vocab_size,
        tokenizer=_hub_tokenizer(ref, sha, files, endpoint, token, timeout, deadline) if tokenizer else None,
    )


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
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(ref.model_id, TOKENIZER_CONFIG_NAME, revision=sha or ref.revision, endpoint=endpoint)
    try:
        data = _get_json(url, None, token, timeout, deadline)
    except Exception:  # noqa: BLE001 - the tokenizer facts are optional: a failure leaves them unknown
        return None
    return tokenizer_facts(data) if isinstance(data, dict) else None


def _read_vocab_size(
    ref: ModelRef, sha: str | None, endpoint: str, token: str | None, timeout: float, deadline: float
) -> int | None:
    """config.json's `vocab_size` (model_info's `config` lacks it), with one GET; None on any failure.

    The file is not written to the HF cache: a cached config.json would answer later runs before the
    Hub does, with fewer facts (no pipeline_tag, tags or chat template).
    """
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(ref.model_id, CONFIG_NAME, revision=sha or ref.revision, endpoint=endpoint)
    try:
        data = _get_json(url, None, token, timeout, deadline)
    except Exception:  # noqa: BLE001 - vocab_size is optional: a failure leaves it unknown
        return None
    return normalize_config(data, full=True).vocab_size if isinstance(data, dict) else None


def _model_info(ref: ModelRef, endpoint: str, token: str | None, timeout: float, deadline: float) -> ModelInfo:
    """The request `HfApi.model_info(expand=MODEL_INFO_EXPAND)` makes, read through `_get_json`'s limits."""
    from huggingface_hub.hf_api import ModelInfo
    from huggingface_hub.utils import validate_repo_id

    validate_repo_id(ref.model_id)
    url = f"{endpoint}/api/models/{ref.model_id}"
    if ref.revision is not None:
        url += f"/revision/{quote(ref.revision, safe='')}"
    return ModelInfo(**_get_json(url, {"expand": MODEL_INFO_EXPAND}, token, timeout, deadline))


def _get_json(url: str, params: dict[str, Any] | None, token: str | None, timeout: float, deadline: float) -> Any:
    """One JSON answer of the Hub, at most MAX_JSON_BYTES long; HTTP errors raised by hf_raise_for_status.

    A 429/503 with Retry-After is retried once, when the wait and the retry's own timeout fit in
    what is left before `deadline`; otherwise RetryBeyondBudget says so at once.
    """
    from huggingface_hub.utils import hf_raise_for_status

    response, body = _get_bounded(url, params, token, timeout)
    wait = _retry_after(response)
    if wait is not None:
        room = deadline - time.monotonic() - timeout
        if wait > room:
            raise RetryBeyondBudget(response.status_code, wait, max(room, 0.0))
        time.sleep(wait)
        response, body = _get_bounded(url, params, token, timeout)
    hf_raise_for_status(response)
    if body is None:
        raise ResponseTooLarge(MAX_JSON_BYTES)
    return json.loads(body)


def _get_bounded(
    url: str, params: dict[str, Any] | None, token: str | None, timeout: float
) -> tuple[Response, bytearray | None]:
    """One GET and its body, None when longer than MAX_JSON_BYTES (the rest is never read).

    An error answer comes back with its bounded body loaded, where hf_raise_for_status looks for
    the server's message.  `token or False`: a missing token is never looked up behind the caller.
    """
    from huggingface_hub import get_session
    from huggingface_hub.utils import build_hf_headers

    headers = build_hf_headers(token=token or False)
    with get_session().stream(
        "GET", url, params=params, headers=headers, timeout=timeout, follow_redirects=True
    ) as response:
        body = _read_bounded(response)
    if response.status_code < 400:
        return response, body
    return _with_body(response, bytes(body or b"")), body


def _read_bounded(response: Response) -> bytearray | None:
    """The (decoded) body of a streamed response, or None once it exceeds MAX_JSON_BYTES."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        return None
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            return None
    return body


def _with_body(response: Response, content: bytes) -> Response:
    """A copy of a streamed `response` holding `content`, built with the HTTP client's own class.

    Content-Encoding is dropped: `content` is already decoded.
    """
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
    return type(response)(response.status_code, headers=headers, content=content, request=response.request)


def _retry_after(response: Response) -> float | None:
    """Seconds a 429/503 asks to wait (Retry-After: seconds or an HTTP date); None: do not retry."""
    if response.status_code not in _RETRY_STATUSES:
        return None
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, says RFC 5322
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


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
                tqdm_class=_NoProgress,  # type: ignore[arg-type]
            )
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes an Unresolved
        return _unresolved(ref, exc, endpoint, token, step="config.json")
    commit = path.parent.name if _COMMIT.fullmatch(path.parent.name) else sha
    if commit is not None:
        # What transformers' resolve_revision does: remember revision -> commit, so that
        # try_to_load_from_cache(id, revision=ref.revision) finds this snapshot offline.
        _remember_ref(cache_dir, ref, commit)
    try:
        config = read_config_file(path)
    except ConfigError as exc:
        where = f"{ref.model_id}@{commit or ref.revision or 'main'}"
        return Unresolved(ref, "invalid-config", f"{where}: " + _after_path(exc, path))
    return config, commit


def _remember_ref(cache_dir: str, ref: ModelRef, commit: str) -> None:
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


def _after_path(exc: ConfigError, path: Path) -> str:
    return str(exc).removeprefix(f"{path}: ")


def _facts(
    ref: ModelRef,
    source: str,
    config: ConfigFacts,
    *,
    sha: str | None,
    pipeline_tag: str | None = None,
    auto_model: str | None = None,
    gated: bool = False,
    tags: tuple[str, ...] = (),
    has_chat_template: bool | None = None,
    vocab_size: int | None = None,
    tokenizer: TokenizerFacts | None = None,
) -> ModelFacts:
    return ModelFacts(
        ref=ref,
        source=source,
        model_type=config.model_type,
        architectures=config.architectures,
        is_encoder_decoder=config.is_encoder_decoder,
        auto_map=config.auto_map,
        pipeline_tag=pipeline_tag,
        auto_model=auto_model,
        sha=sha,
        gated=gated,
        tags=tags,
        has_chat_template=has_chat_template,
        vocab_size=vocab_size,
        tokenizer_class=tokenizer.tokenizer_class if tokenizer is not None else None,
        tokenizer_auto_map=tokenizer.auto_map if tokenizer is not None else None,
    )


# -- errors ---------------------------------------------------------------------------------------


def _unresolved(ref: ModelRef, exc: BaseException, endpoint: str, token: str | None, *, step: str) -> Unresolved:
    reason, detail = classify(exc, ref, _safe_url(endpoint), step=step, has_token=bool(token))
    detail = _scrub(detail, token)
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 1] + "…"
    return Unresolved(ref, reason, detail)


def classify(
    exc: BaseException, ref: ModelRef, endpoint: str, *, step: str, has_token: bool
) -> tuple[UnresolvedReason, str]:
    """Map a huggingface_hub / HTTP client exception to an Unresolved reason and a one-line detail."""
    from huggingface_hub import errors

    if isinstance(exc, ResponseTooLarge):
        return "network", f"response too large from {endpoint} ({step}): over {size_text(exc.limit)}, not read further"
    if isinstance(exc, RetryBeyondBudget):
        return "network", (
            f"{endpoint} answered HTTP {exc.status} ({step}) and asked to retry after {exc.wait:.0f} s, "
            f"beyond this ref's time budget (room for a wait of {exc.room:.0f} s)"
        )
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return "offline-not-cached", "offline mode is enabled (HF_HUB_OFFLINE) and nothing is cached for it"
    if isinstance(exc, errors.GatedRepoError):
        if has_token:
            return "gated-needs-token", "gated repository: the token was refused (request access on the model page)"
        return "gated-needs-token", "gated repository: request access on the model page, then pass a token"
    if isinstance(exc, errors.RevisionNotFoundError):
        return "not-found", f"no revision {ref.revision or 'main'!r} in {ref.model_id}"
    if isinstance(exc, errors.RepositoryNotFoundError):
        return "not-found", (
            f"no model repository {ref.model_id} on {endpoint} (or it is private and no valid token was sent)"
        )
    if isinstance(exc, errors.DisabledRepoError):
        return "not-found", f"repository {ref.model_id} is disabled"
    if isinstance(exc, errors.LocalEntryNotFoundError):
        # hf_hub_download's "could not reach the Hub and nothing cached": the cause says why
        cause = exc.__cause__ or exc.__context__
        if cause is not None and cause is not exc:
            return classify(cause, ref, endpoint, step=step, has_token=has_token)
        return "network", f"{endpoint} could not be reached for {step}"
    if isinstance(exc, errors.EntryNotFoundError):
        return "not-found", f"{ref.model_id} has no config.json"
    if isinstance(exc, errors.FileMetadataError):
        return "network", f"{endpoint} does not answer like a Hugging Face Hub ({step})"
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status in (401, 403):
            return "gated-needs-token", f"access refused (HTTP {status}): the repository needs a valid token"
        if status in (404, 410):
            return "not-found", f"{endpoint} answered HTTP {status} for {ref}"
        return "network", f"{endpoint} answered HTTP {status} ({step})"
    if _is_transport_error(exc):
        return "network", f"{endpoint} could not be reached ({step}): {_describe(exc)}"
    return "network", f"unexpected answer from {endpoint} ({step}): {_describe(exc)}"


def _is_transport_error(exc: BaseException) -> bool:
    """Connection errors, timeouts and protocol errors of httpx / httpx2 / requests, or the OS."""
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    return any(cls.__module__.split(".")[0] in ("httpx", "httpx2", "requests", "urllib3") for cls in type(exc).__mro__)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _scrub(text: str, token: str | None) -> str:
    """One line, with the token (and anything that looks like one) blanked out."""
    if token:
        text = text.replace(token, "***")
    text = _TOKEN_LIKE.sub("***", text)
    return " ".join(text.split())


def _safe_url(url: str) -> str:
    """The endpoint without user:password@ (never shown)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _call_with_deadline(fn: Callable[[], T], budget: float) -> T:
    """Run `fn` in a daemon thread; raise HubTimeout when it takes longer than `budget` seconds."""
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, fn()))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="loadlint-hub", daemon=True).start()
    if not done.wait(budget):
        raise HubTimeout(budget)
    ok, value = outcome[0]
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


class _NoProgress:
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
