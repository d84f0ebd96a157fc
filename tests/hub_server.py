"""Loopback emulator of the Hugging Face Hub, for tests (stdlib only).

It speaks the subset of the Hub protocol that ``huggingface_hub`` 2.4.0 and ``transformers`` 5.x use
to resolve and download model files (see ``/work/shared/reference/hf-loading-facts.md`` parts D and F.2):

* ``GET /api/models/{repo_id}`` and ``/api/models/{repo_id}/revision/{rev}`` (model_info / repo_info),
  honouring repeated ``expand=`` parameters and ``blobs=true``;
* ``HEAD``/``GET /{repo_id}/resolve/{rev}/{filename}`` with ``X-Repo-Commit``, a quoted ``ETag`` and
  ``Content-Length``; LFS files answer ``302`` to a second loopback server (the "cdn", another origin)
  with ``X-Linked-Etag``/``X-Linked-Size``;
* ``GET /api/models/{repo_id}/tree/{rev}[/{path}]`` and ``POST /api/models/{repo_id}/paths-info/{rev}``;
* errors with ``X-Error-Code`` (``RepoNotFound`` 401, ``GatedRepo`` 401, ``RevisionNotFound`` 404,
  ``EntryNotFound`` 404 + ``X-Repo-Commit``) and ``X-Error-Message``;
* on demand, a rate-limited or overloaded Hub (``throttle``: 429/503 with ``Retry-After``) and a
  huge model_info answer (``serve_huge_model_info``, generated while it is sent).

Repositories are folders ``<root>/<org>/<name>/`` (or ``<root>/<name>/`` for legacy single-segment ids)
holding a ``_repo.json`` (emulator metadata, see ``fixtures/hub/README.md``) and the repo's files.
Fixtures are read from disk on every request, so a test may build its own hub in ``tmp_path``.

Usage::

    with HubServer() as hub:
        api = HfApi(endpoint=hub.endpoint)
        ...

or, for code that reads ``HF_ENDPOINT`` at import time, start the server first and export
``HF_ENDPOINT=hub.endpoint`` in a subprocess before importing ``huggingface_hub``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["FIXTURE_HUB", "VALID_TOKEN", "HubServer", "git_blob_sha1"]

FIXTURE_HUB = Path(__file__).parent / "fixtures" / "hub"
VALID_TOKEN = "hf_loopback_valid_token"

REPO_META_FILE = "_repo.json"
#: files stored through git-lfs when ``_repo.json`` has no ``"lfs"`` list (the Hub's default .gitattributes)
DEFAULT_LFS_PATTERNS = (
    "*.safetensors",
    "*.bin",
    "*.pt",
    "*.pth",
    "*.ckpt",
    "*.h5",
    "*.msgpack",
    "*.onnx",
    "*.gguf",
    "*.model",
    "*.tflite",
    "*.ot",
)
#: properties accepted by ``expand=`` (``huggingface_hub.hf_api.ExpandModelProperty_T``)
EXPAND_PROPERTIES = frozenset(
    {
        "author",
        "baseModels",
        "cardData",
        "childrenModelCount",
        "config",
        "createdAt",
        "disabled",
        "downloads",
        "downloadsAllTime",
        "evalResults",
        "gated",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "lastModified",
        "library_name",
        "likes",
        "mask_token",
        "model-index",
        "pipeline_tag",
        "private",
        "resourceGroup",
        "safetensors",
        "sha",
        "siblings",
        "spaces",
        "tags",
        "transformersInfo",
        "trendingScore",
        "usedStorage",
        "widgetData",
    }
)
#: keys of config.json the Hub copies into model_info's ``config`` (huggingface.js ``ModelData.config``)
CONFIG_SUBSET_KEYS = ("architectures", "model_type", "auto_map", "quantization_config")
#: keys of tokenizer_config.json the Hub copies into ``config.tokenizer_config``
TOKENIZER_SUBSET_KEYS = (
    "bos_token",
    "eos_token",
    "pad_token",
    "unk_token",
    "sep_token",
    "cls_token",
    "mask_token",
    "chat_template",
    "use_default_system_prompt",
)
#: fields of ``transformersInfo`` that huggingface_hub's ``TransformersInfo`` accepts (others raise TypeError)
TRANSFORMERS_INFO_KEYS = ("auto_model", "custom_class", "pipeline_tag", "processor")
#: shown by properties hidden from anonymous callers of a gated repo
GATED_HIDDEN = frozenset(
    {"config", "transformersInfo", "siblings", "safetensors", "cardData", "widgetData"}
)

DEFAULT_DATE = "2024-01-01T00:00:00.000Z"


def git_blob_sha1(data: bytes) -> str:
    """The git blob id of ``data`` (what the Hub sends as ETag of a regular file)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


class _HubError(Exception):
    """An HTTP error answer: status, X-Error-Code (or None), message, extra headers."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass
class _Throttle:
    """Answer `times` more requests (for `repo_id`, or any) with `status` and `Retry-After` (None: no header)."""

    status: int
    retry_after: str | None
    times: int
    repo_id: str | None

    def matches(self, path: str) -> bool:
        if self.repo_id is None:
            return True
        api = f"/api/models/{self.repo_id}"
        return path == api or path.startswith((api + "/", f"/{self.repo_id}/resolve/"))


@dataclass(frozen=True)
class _HugeBody:
    """model_info answers `size` bytes of valid JSON; Content-Length is sent only when `declare_length`."""

    size: int
    declare_length: bool


class _Repo:
    """One fixture repository, read from disk."""

    def __init__(self, repo_id: str, path: Path):
        self.id = repo_id
        self.path = path
        self.meta: dict[str, Any] = json.loads(
            (path / REPO_META_FILE).read_text(encoding="utf-8")
        )
        self.sha: str = self.meta["sha"]
        self.revisions: dict[str, str] = dict(self.meta.get("revisions", {}))
        self.gated = self.meta.get("gated", False)
        self.private = bool(self.meta.get("private", False))
        self.lfs_patterns = tuple(self.meta.get("lfs", DEFAULT_LFS_PATTERNS))

    # -- revisions ---------------------------------------------------------------------------
    def resolve(self, rev: str) -> str | None:
        """Branch / tag / 40-hex sha -> commit sha, or None when unknown."""
        if rev in ("main", self.sha):
            return self.sha
        if rev in self.revisions:
            return self.revisions[rev]
        if rev in self.revisions.values():
            return rev
        return None

    # -- files -------------------------------------------------------------------------------
    def files(self) -> list[str]:
        """Repo-relative paths (posix) of every file, sorted, emulator metadata excluded."""
        out = []
        for p in self.path.rglob("*"):
            if p.is_file():
                rel = p.relative_to(self.path).as_posix()
                if rel != REPO_META_FILE:
                    out.append(rel)
        return sorted(out)

    def file_path(self, rel: str) -> Path | None:
        parts = rel.split("/")
        if (
            not rel
            or rel == REPO_META_FILE
            or any(part in ("", ".", "..") or "\\" in part for part in parts)
        ):
            return None
        p = self.path.joinpath(*parts)
        return p if p.is_file() else None

    def is_lfs(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1]
        return any(
            fnmatch.fnmatchcase(name, pat) or fnmatch.fnmatchcase(rel, pat)
            for pat in self.lfs_patterns
        )

    def entry(self, rel: str) -> dict[str, Any]:
        """Tree / paths-info entry of a file."""
        data = self.path.joinpath(*rel.split("/")).read_bytes()
        if self.is_lfs(rel):
            sha256 = hashlib.sha256(data).hexdigest()
            pointer = _lfs_pointer(sha256, len(data))
            return {
                "type": "file",
                "oid": git_blob_sha1(pointer),
                "size": len(data),
                "lfs": {"oid": sha256, "size": len(data), "pointerSize": len(pointer)},
                "path": rel,
            }
        return {
            "type": "file",
            "oid": git_blob_sha1(data),
            "size": len(data),
            "path": rel,
        }

    def dir_entry(self, rel: str) -> dict[str, Any]:
        return {
            "type": "directory",
            "oid": hashlib.sha1(f"tree:{self.id}:{rel}".encode()).hexdigest(),
            "size": 0,
            "path": rel,
        }

    def sibling(self, rel: str, blobs: bool) -> dict[str, Any]:
        if not blobs:
            return {"rfilename": rel}
        e = self.entry(rel)
        out: dict[str, Any] = {"rfilename": rel, "size": e["size"], "blobId": e["oid"]}
        if "lfs" in e:
            out["lfs"] = {
                "size": e["size"],
                "sha256": e["lfs"]["oid"],
                "pointerSize": e["lfs"]["pointerSize"],
            }
        return out

    # -- model_info ----------------------------------------------------------------------------
    def _json_file(self, name: str) -> dict[str, Any] | None:
        p = self.path / name
        if not p.is_file():
            return None
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def config_subset(self) -> dict[str, Any] | None:
        """The curated ``config`` object of model_info (None when config.json is absent or not JSON)."""
        cfg = self._json_file("config.json")
        if cfg is None:
            return None
        out = {k: cfg[k] for k in CONFIG_SUBSET_KEYS if k in cfg}
        tok = self._json_file("tokenizer_config.json")
        if tok is not None:
            out["tokenizer_config"] = {
                k: tok[k] for k in TOKENIZER_SUBSET_KEYS if k in tok
            }
        return out

    def info(self, sha: str, *, full_access: bool, blobs: bool) -> dict[str, Any]:
        m = self.meta
        org = self.id.split("/")[0] if "/" in self.id else None
        data: dict[str, Any] = {
            "_id": hashlib.sha1(f"id:{self.id}".encode()).hexdigest()[:24],
            "id": self.id,
            "modelId": self.id,
            "author": m.get("author", org),
            "sha": sha,
            "lastModified": m.get("lastModified", DEFAULT_DATE),
            "createdAt": m.get("createdAt", DEFAULT_DATE),
            "private": self.private,
            "gated": self.gated,
            "disabled": False,
            "downloads": m.get("downloads", 0),
            "likes": m.get("likes", 0),
            "tags": list(m.get("tags", [])),
            "usedStorage": sum(
                self.path.joinpath(rel).stat().st_size for rel in self.files()
            ),
        }
        for key in (
            "library_name",
            "pipeline_tag",
            "mask_token",
            "cardData",
            "widgetData",
            "safetensors",
            "gguf",
        ):
            if m.get(key) is not None:
                data[key] = m[key]
        cfg = self.config_subset()
        if cfg is not None:
            data["config"] = cfg
        tinfo = m.get("transformersInfo")
        if tinfo:
            data["transformersInfo"] = {
                k: tinfo[k] for k in TRANSFORMERS_INFO_KEYS if k in tinfo
            }
        data["siblings"] = [self.sibling(rel, blobs) for rel in self.files()]
        if not full_access:
            for key in GATED_HIDDEN:
                data.pop(key, None)
        return data


class _HubHandler(BaseHTTPRequestHandler):
    server_version = "LoopbackHub/1.0"
    # one request per connection: nothing lingers after stop()
    protocol_version = "HTTP/1.0"

    hub: HubServer  # set on the subclass made by HubServer
    role: str  # "hub" or "cdn"

    def version_string(self) -> str:
        return self.server_version

    # -- plumbing ------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; requests are recorded in HubServer.requests

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        hub = self.hub
        hub._record(method, self.path, self.headers.get("Authorization"))
        body = b""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length)
        # taken on arrival, not after `delay`: a request left over from an earlier test must not spend it
        throttle = hub._take_throttle(urlsplit(self.path).path) if self.role == "hub" else None
        if hub.delay > 0 and throttle is None:
            hub._stopping.wait(hub.delay)
        try:
            if throttle is not None:
                headers = {} if throttle.retry_after is None else {"Retry-After": throttle.retry_after}
                raise _HubError(throttle.status, None, f"Loopback hub throttled with {throttle.status}", headers)
            if hub.fail_with is not None:
                raise _HubError(
                    hub.fail_with,
                    None,
                    f"Loopback hub configured to fail with {hub.fail_with}",
                )
            if self.role == "cdn":
                self._cdn(method)
            else:
                self._route(method, body)
        except _HubError as err:
            self._error(method, err)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # noqa: BLE001 - an emulator bug must answer, not hang the client
            self._error(method, _HubError(500, None, f"emulator error: {exc!r}"))

    def _send(
        self, method: str, status: int, body: bytes, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        headers = {"X-Request-Id": f"Root=loopback-{next(self.hub._ids)}", **headers}
        headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if method != "HEAD" and body:
            self.wfile.write(body)

    def _json(
        self,
        method: str,
        obj: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = json.dumps(obj).encode()
        self._send(
            method,
            status,
            body,
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    def _error(self, method: str, err: _HubError) -> None:
        headers = {"X-Error-Message": err.message, **err.headers}
        if err.code:
            headers["X-Error-Code"] = err.code
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._json(method, {"error": err.message}, err.status, headers)

    def _file(self, method: str, data: bytes, headers: dict[str, str]) -> None:
        """Send file bytes, honouring a simple ``Range: bytes=a-[b]`` header."""
        headers = {
            "Content-Type": "application/octet-stream",
            "Accept-Ranges": "bytes",
            **headers,
        }
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and "," not in rng:
            start_s, _, end_s = rng[len("bytes=") :].partition("-")
            try:
                start = int(start_s) if start_s else max(len(data) - int(end_s), 0)
                end = int(end_s) if (end_s and start_s) else len(data) - 1
            except ValueError:
                start, end = 0, len(data) - 1
            end = min(end, len(data) - 1)
            if start > end:
                raise _HubError(
                    416,
                    None,
                    "Requested range not satisfiable",
                    {"Content-Range": f"bytes */{len(data)}"},
                )
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            self._send(method, 206, data[start : end + 1], headers)
            return
        self._send(method, 200, data, headers)

    # -- routing -------------------------------------------------------------------------------
    def _route(self, method: str, body: bytes) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        raw = split.path.split("/")[
            1:
        ]  # keep percent-escapes per segment: revisions are quoted with safe=""
        if raw[:2] == ["api", "models"] and len(raw) > 2:
            self._api_models(method, raw[2:], query, body)
            return
        if method in ("GET", "HEAD"):
            for n in (2, 1):
                if len(raw) > n + 2 and raw[n] == "resolve":
                    repo_id = "/".join(unquote(s) for s in raw[:n])
                    self._resolve(
                        method,
                        repo_id,
                        unquote(raw[n + 1]),
                        unquote("/".join(raw[n + 2 :])),
                    )
                    return
        raise _HubError(404, None, f"Not Found: {method} {split.path}")

    def _find_repo_id(self, segs: list[str]) -> tuple[str, list[str]]:
        """Split ``/api/models/<segs>`` into (repo_id, rest); single-segment ids are supported."""
        s = [unquote(x) for x in segs]
        if len(s) >= 2 and self.hub._repo_dir(s[0], s[1]) is not None:
            return f"{s[0]}/{s[1]}", segs[2:]
        if self.hub._repo_dir(s[0]) is not None:
            return s[0], segs[1:]
        if len(s) >= 2 and s[1] not in ("revision", "tree", "paths-info"):
            return f"{s[0]}/{s[1]}", segs[2:]
        return s[0], segs[1:]

    def _token_ok(self) -> bool:
        auth = self.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.hub.token

    def _repo(self, repo_id: str) -> _Repo:
        repo = self.hub._load_repo(repo_id)
        if repo is None or (repo.private and not self._token_ok()):
            raise _HubError(401, "RepoNotFound", "Repository not found")
        return repo

    def _check_gate(self, repo: _Repo) -> None:
        if repo.gated and not self._token_ok():
            if self.headers.get("Authorization"):
                msg = (
                    f"Access to model {repo.id} is restricted and you are not in the authorized list. "
                    f"Visit {self.hub.endpoint}/{repo.id} to ask for access."
                )
            else:
                msg = (
                    f"Access to model {repo.id} is restricted. You must have access to it and be "
                    "authenticated to access it. Please log in."
                )
            raise _HubError(401, "GatedRepo", msg)

    def _revision(self, repo: _Repo, rev: str) -> str:
        sha = repo.resolve(rev)
        if sha is None:
            raise _HubError(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        return sha

    def _api_models(
        self, method: str, segs: list[str], query: dict[str, list[str]], body: bytes
    ) -> None:
        repo_id, rest = self._find_repo_id(segs)
        rest = [unquote(x) for x in rest]
        if method == "GET" and not rest:
            self._model_info(method, repo_id, None, query)
        elif method == "GET" and len(rest) == 2 and rest[0] == "revision":
            self._model_info(method, repo_id, rest[1], query)
        elif method == "GET" and len(rest) >= 2 and rest[0] == "tree":
            self._tree(method, repo_id, rest[1], "/".join(rest[2:]).strip("/"), query)
        elif method == "POST" and len(rest) == 2 and rest[0] == "paths-info":
            self._paths_info(method, repo_id, rest[1], body)
        else:
            raise _HubError(404, None, f"Not Found: {method} {self.path}")

    def _model_info(
        self, method: str, repo_id: str, rev: str | None, query: dict[str, list[str]]
    ) -> None:
        repo = self._repo(repo_id)
        if rev is not None:
            self._check_gate(repo)
        sha = self._revision(repo, rev if rev is not None else "main")
        expand = query.get("expand")
        if expand:
            unknown = sorted(set(expand) - EXPAND_PROPERTIES)
            if unknown:
                raise _HubError(
                    400, None, f"Invalid expand value(s): {', '.join(unknown)}"
                )
            if "blobs" in query or "securityStatus" in query:
                raise _HubError(
                    400, None, "expand cannot be combined with blobs or securityStatus"
                )
        huge = self.hub._huge.get(repo.id)
        if huge is not None:
            self._huge_json(method, repo.id, sha, huge)
            return
        blobs = query.get("blobs", ["false"])[-1].lower() in ("1", "true")
        full = not repo.gated or self._token_ok()
        data = repo.info(sha, full_access=full, blobs=blobs)
        if expand:
            data = {
                "_id": data["_id"],
                "id": data["id"],
                **{k: data[k] for k in expand if k in data},
            }
        self._json(method, data)

    def _huge_json(self, method: str, repo_id: str, sha: str, huge: _HugeBody) -> None:
        """``{"id", "sha", "padding": "xxx..."}`` of ``huge.size`` bytes, written in chunks as the client reads.

        ``hub.huge_sent[repo_id]`` counts the bytes the client accepted before it hung up.
        """
        head = json.dumps({"id": repo_id, "sha": sha})[:-1].encode() + b', "padding": "'
        tail = b'"}'
        padding = max(huge.size - len(head) - len(tail), 0)
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if huge.declare_length:
            self.send_header("Content-Length", str(len(head) + padding + len(tail)))
        self.end_headers()
        if method == "HEAD":
            return
        chunk = b"x" * 65536
        self._write_counted(repo_id, head)
        while padding > 0:
            self._write_counted(repo_id, chunk[:padding])
            padding -= len(chunk)
        self._write_counted(repo_id, tail)

    def _write_counted(self, repo_id: str, data: bytes) -> None:
        self.wfile.write(data)
        with self.hub._lock:
            self.hub.huge_sent[repo_id] = self.hub.huge_sent.get(repo_id, 0) + len(data)

    def _tree(
        self,
        method: str,
        repo_id: str,
        rev: str,
        path: str,
        query: dict[str, list[str]],
    ) -> None:
        repo = self._repo(repo_id)
        self._check_gate(repo)
        sha = self._revision(repo, rev)
        recursive = query.get("recursive", ["false"])[-1].lower() in ("1", "true")
        files = repo.files()
        prefix = f"{path}/" if path else ""
        if path and not any(f.startswith(prefix) for f in files):
            raise _HubError(
                404,
                "EntryNotFound",
                f'{path} does not exist on "{rev}"',
                {"X-Repo-Commit": sha},
            )
        entries: list[dict[str, Any]] = []
        seen_dirs: set[str] = set()
        for rel in files:
            if not rel.startswith(prefix):
                continue
            sub = rel[len(prefix) :].split("/")
            # directories between the listed folder and the file
            depth = len(sub) - 1 if recursive else min(len(sub) - 1, 1)
            for i in range(1, depth + 1):
                d = prefix + "/".join(sub[:i])
                if d not in seen_dirs:
                    seen_dirs.add(d)
                    entries.append(repo.dir_entry(d))
            if recursive or len(sub) == 1:
                entries.append(repo.entry(rel))
        self._json(method, entries)

    def _paths_info(self, method: str, repo_id: str, rev: str, body: bytes) -> None:
        repo = self._repo(repo_id)
        self._check_gate(repo)
        self._revision(repo, rev)
        content_type = self.headers.get("Content-Type", "")
        if "json" in content_type:
            payload = json.loads(body or b"{}")
            paths = payload.get("paths", [])
        else:
            paths = parse_qs(body.decode(), keep_blank_values=True).get("paths", [])
        files = repo.files()
        out = []
        for p in paths:
            p = p.strip("/")
            if p in files:
                out.append(repo.entry(p))
            elif any(f.startswith(p + "/") for f in files):
                out.append(repo.dir_entry(p))
        self._json(method, out)

    def _resolve(self, method: str, repo_id: str, rev: str, filename: str) -> None:
        repo = self._repo(repo_id)
        self._check_gate(repo)
        sha = self._revision(repo, rev)
        path = repo.file_path(filename)
        if path is None:
            raise _HubError(
                404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": sha}
            )
        data = path.read_bytes()
        if repo.is_lfs(filename):
            sha256 = hashlib.sha256(data).hexdigest()
            self.hub._lfs_blobs[sha256] = path
            query = f"repo={quote(repo.id, safe='')}&file={quote(filename, safe='')}"
            location = f"{self.hub.cdn_endpoint}/cdn/{sha256}?{query}"
            self._send(
                method,
                302,
                b"",
                {
                    "Location": location,
                    "X-Repo-Commit": sha,
                    "X-Linked-Etag": f'"{sha256}"',
                    "X-Linked-Size": str(len(data)),
                    "ETag": f'"{git_blob_sha1(_lfs_pointer(sha256, len(data)))}"',
                },
            )
            return
        self._file(
            method, data, {"X-Repo-Commit": sha, "ETag": f'"{git_blob_sha1(data)}"'}
        )

    # -- cdn -------------------------------------------------------------------------------------
    def _cdn(self, method: str) -> None:
        split = urlsplit(self.path)
        parts = split.path.split("/")
        if method not in ("GET", "HEAD") or len(parts) != 3 or parts[1] != "cdn":
            raise _HubError(404, None, f"Not Found: {method} {split.path}")
        path = self.hub._find_lfs_blob(parts[2])
        if path is None:
            raise _HubError(404, None, "Blob not found")
        self._file(method, path.read_bytes(), {"ETag": f'"{parts[2]}"'})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must never wait for a handler sleeping in `delay`
    allow_reuse_address = True


class HubServer:
    """A loopback Hub (``endpoint``) plus a loopback LFS "cdn" on another port.

    ``requests`` records ``(method, path-with-query, Authorization header or None)`` for both servers
    (cdn paths start with ``/cdn/``). Set ``fail_with`` to answer every request with that status, and
    ``delay`` to sleep before each answer; ``throttle`` and ``serve_huge_model_info`` add a
    rate-limited Hub and an oversized answer, and ``reset`` undoes all of these.
    """

    def __init__(
        self, root: Path = FIXTURE_HUB, *, token: str = VALID_TOKEN, delay: float = 0.0
    ):
        self.root = Path(root)
        self.token = token
        self.delay = delay
        self.fail_with: int | None = None
        self.requests: list[tuple[str, str, str | None]] = []
        self.huge_sent: dict[str, int] = {}
        self.endpoint = ""
        self.cdn_endpoint = ""
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._lfs_blobs: dict[str, Path] = {}
        self._throttles: list[_Throttle] = []
        self._huge: dict[str, _HugeBody] = {}
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Self:
        if self._servers:
            return self
        self._stopping.clear()
        endpoints = []
        for role in ("hub", "cdn"):
            handler = type(
                f"_{role.title()}Handler", (_HubHandler,), {"hub": self, "role": role}
            )
            server = _Server(("127.0.0.1", 0), handler)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"loopback-{role}",
                daemon=True,
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
            endpoints.append(f"http://127.0.0.1:{server.server_address[1]}")
        self.endpoint, self.cdn_endpoint = endpoints
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in `delay`
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- log -----------------------------------------------------------------------------------------
    def _record(self, method: str, path: str, auth: str | None) -> None:
        with self._lock:
            self.requests.append((method, path, auth))

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- misbehaviour on demand ------------------------------------------------------------------
    def throttle(
        self, status: int = 429, retry_after: int | str | None = 1, *, times: int = 1, repo_id: str | None = None
    ) -> None:
        """Answer the next ``times`` hub requests (only those for ``repo_id``, when given) with ``status``
        and ``Retry-After: retry_after`` (seconds or an HTTP date; no header when None)."""
        after = None if retry_after is None else str(retry_after)
        with self._lock:
            self._throttles.append(_Throttle(status, after, times, repo_id))

    def serve_huge_model_info(self, repo_id: str, size: int, *, declare_length: bool = True) -> None:
        """Make model_info of ``repo_id`` a valid JSON answer of ``size`` bytes, generated while it is sent
        (never held in memory), with a Content-Length header only when ``declare_length``."""
        with self._lock:
            self._huge[repo_id] = _HugeBody(size, declare_length)

    def reset(self) -> None:
        """No failure, delay, throttle or huge answer; an empty request log."""
        with self._lock:
            self.fail_with, self.delay = None, 0.0
            self._throttles.clear()
            self._huge.clear()
            self.huge_sent.clear()
            self.requests.clear()

    def _take_throttle(self, path: str) -> _Throttle | None:
        """The first throttle for ``path`` still due, counted down (and dropped once spent)."""
        with self._lock:
            for throttle in self._throttles:
                if throttle.matches(path):
                    throttle.times -= 1
                    if throttle.times <= 0:
                        self._throttles.remove(throttle)
                    return throttle
        return None

    # -- fixtures ------------------------------------------------------------------------------------
    def _repo_dir(self, *parts: str) -> Path | None:
        if not parts or any(
            p in ("", ".", "..") or "/" in p or "\\" in p for p in parts
        ):
            return None
        d = self.root.joinpath(*parts)
        return d if (d / REPO_META_FILE).is_file() else None

    def _load_repo(self, repo_id: str) -> _Repo | None:
        d = self._repo_dir(*repo_id.split("/"))
        if d is None or len(repo_id.split("/")) > 2:
            return None
        return _Repo(repo_id, d)

    def _find_lfs_blob(self, sha256: str) -> Path | None:
        path = self._lfs_blobs.get(sha256)
        if path is not None and path.is_file():
            return path
        for meta in self.root.rglob(REPO_META_FILE):
            for p in meta.parent.rglob("*"):
                if (
                    p.is_file()
                    and p.name != REPO_META_FILE
                    and hashlib.sha256(p.read_bytes()).hexdigest() == sha256
                ):
                    self._lfs_blobs[sha256] = p
                    return p
        return None
