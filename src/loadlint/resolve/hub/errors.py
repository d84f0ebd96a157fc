"""Hub failures as the one reason users see: each error mapped to an `Unresolved`, with no token
and no credentials of a URL in its message."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from loadlint.facts import ModelRef, Unresolved, UnresolvedReason
from loadlint.limits import size_text
from loadlint.resolve.hub.http import ResponseTooLarge, RetryBeyondBudget

_TOKEN_LIKE = re.compile(r"\bhf_[A-Za-z0-9_]{6,}|(?i:bearer)\s+\S+")
_MAX_DETAIL = 300


def unresolved(ref: ModelRef, exc: BaseException, endpoint: str, token: str | None, *, step: str) -> Unresolved:
    reason, detail = classify(exc, ref, safe_url(endpoint), step=step, has_token=bool(token))
    detail = scrub(detail, token)
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
        return "network", f"{endpoint} could not be reached ({step}): {describe(exc)}"
    return "network", f"unexpected answer from {endpoint} ({step}): {describe(exc)}"


def _is_transport_error(exc: BaseException) -> bool:
    """Connection errors, timeouts and protocol errors of httpx / httpx2 / requests, or the OS."""
    if isinstance(exc, (OSError, TimeoutError)):
        return True
    return any(cls.__module__.split(".")[0] in ("httpx", "httpx2", "requests", "urllib3") for cls in type(exc).__mro__)


def describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def scrub(text: str, token: str | None) -> str:
    """One line, with the token (and anything that looks like one) blanked out."""
    if token:
        text = text.replace(token, "***")
    text = _TOKEN_LIKE.sub("***", text)
    return " ".join(text.split())


def safe_url(url: str) -> str:
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
