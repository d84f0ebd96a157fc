"""The Hub's HTTP side: loadlint's own bounded GETs, Retry-After honoured once, a deadline per ref,
and the endpoint and token every request uses."""

from __future__ import annotations

import importlib
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

from loadlint.resolve.normalize import MAX_JSON_BYTES

if TYPE_CHECKING:
    from httpx2 import Response  # the client of huggingface_hub.get_session() in 2.x

DEFAULT_ENDPOINT = "https://huggingface.co"  # huggingface_hub.constants._HF_DEFAULT_ENDPOINT
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


def import_hub() -> None:
    """Import huggingface_hub (and the submodules used here) once, before worker threads need them."""
    for module in ("huggingface_hub", "huggingface_hub.errors", "huggingface_hub.file_download"):
        importlib.import_module(module)


def get_json(url: str, params: dict[str, Any] | None, token: str | None, timeout: float, deadline: float) -> Any:
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


def call_with_deadline(fn: Callable[[], T], budget: float) -> T:
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
