"""The content cache: per file, the records its extraction produced, so a warm run reads only the
files that changed (as Ruff's cache does).

One JSON file per working directory (`<cache dir>/files/<hash of the folder>.json`), read once and
written once per run, atomically.  An entry is trusted when the file's size and mtime are those it
was stored with; a file touched but unchanged (same bytes, by BLAKE2 digest) keeps its entry too.  The
whole file is dropped when the `fingerprint` differs: loadlint's version, the transformers tables and
the settings that change what extraction records.  Entries hold the records (`codec`), never findings:
facts and rules may change between runs, and rules are cheap.  The cache is only an optimisation, so
a file that cannot be read, decoded or written costs speed, never a run; it keeps `MAX_ENTRIES`
files per folder and `MAX_FOLDERS` folders, the least recently used going first.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadlint.cachedir import prepare
from loadlint.codec import CodecError, decode, encode
from loadlint.facts import CallRecord, FileReport
from loadlint.source import write_atomic

FORMAT = 1
MAX_ENTRIES = 20_000  # files remembered per working directory
MAX_FOLDERS = 64  # working directories remembered
MAX_NAME_SETS = 8  # searches for callers remembered per file (one per round of the project index)
RACY_SECONDS = 2.0  # a file this recently modified may change again within its mtime's resolution


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def code_stamp() -> str:
    """The size and mtime of the modules that shape the records: an edited checkout keeps its version
    number, and must not read records an older extraction wrote."""
    package = Path(__file__).parent
    modules = sorted([*(package / "extract").glob("*.py"), package / "facts.py", package / "codec.py"])
    return ";".join(f"{module.name}:{stat.st_size}:{stat.st_mtime_ns}" for module in modules if (stat := module.stat()))


def fingerprint(*parts: object) -> str:
    """One key for everything the entries depend on besides the file itself."""
    return digest(json.dumps([str(part) for part in parts]).encode())


@dataclass
class Cached:
    """A file's cached extraction: its report, and whether a later step needs its bytes (`keep`)."""

    report: FileReport
    keep: bool


class FileCache:
    def __init__(self, path: Path, fingerprint: str, entries: dict[str, dict]) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self._entries = entries
        self._seen: set[str] = set()
        self._dirty = False

    @classmethod
    def open(cls, folder: Path, cwd: str, key: str) -> FileCache:
        path = folder / "files" / f"{digest(os.path.abspath(cwd).encode())}.json"
        try:
            data = json.loads(path.read_bytes())
            valid = isinstance(data, dict) and data.get("format") == FORMAT and data.get("fingerprint") == key
            entries = data["entries"] if valid and isinstance(data.get("entries"), dict) else {}
        except (OSError, ValueError):
            entries = {}
        return cls(path, key, entries)

    def lookup(
        self, path: str, stat: os.stat_result, libraries: str, read: Callable[[], bytes]
    ) -> tuple[Cached | None, bytes | None]:
        """The cached extraction of `path`, and its bytes when they had to be read to tell (`read()`)."""
        entry = self._entries.get(path)
        if not isinstance(entry, dict) or entry.get("libraries") != libraries:
            return None, None
        data = None
        if entry.get("stat") != _stat_key(stat):
            data = read()
            if entry.get("digest") != digest(data):
                return None, data
            entry["stat"] = _trusted_stat(stat)
            self._dirty = True
        try:
            report = decode(entry["report"])
        except (CodecError, KeyError, TypeError):
            return None, data
        if not isinstance(report, FileReport):
            return None, data
        self._seen.add(path)
        return Cached(report, bool(entry.get("keep"))), data

    def store(self, path: str, stat: os.stat_result, data: bytes, libraries: str, cached: Cached) -> None:
        self._entries[path] = {
            "stat": _trusted_stat(stat),
            "digest": digest(data),
            "libraries": libraries,
            "keep": cached.keep,
            "report": encode(cached.report),
            "calls": {},
        }
        self._seen.add(path)
        self._dirty = True

    def calls(self, path: str, names: str) -> list[CallRecord] | None:
        """The calls of the functions `names` (a key of the name set) in an unchanged file, if searched before."""
        entry = self._entries.get(path)
        if path not in self._seen or not isinstance(entry, dict) or not isinstance(entry.get("calls"), dict):
            return None
        found = entry["calls"].get(names)
        if found is None:
            return None
        try:
            return [record for record in decode(found) if isinstance(record, CallRecord)]
        except (CodecError, TypeError):
            return None

    def store_calls(self, path: str, names: str, calls: list[CallRecord]) -> None:
        entry = self._entries.get(path)
        if path not in self._seen or not isinstance(entry, dict):
            return
        searches = entry.setdefault("calls", {})
        searches[names] = encode(calls)
        for oldest in list(searches)[:-MAX_NAME_SETS]:
            del searches[oldest]
        self._dirty = True

    def save(self) -> None:
        """Write the entries of this run's files first, then older ones up to the bound; errors are ignored."""
        if not self._dirty:
            return
        kept = {path: self._entries[path] for path in self._seen if path in self._entries}
        for path, entry in self._entries.items():
            if len(kept) >= MAX_ENTRIES:
                break
            kept.setdefault(path, entry)
        text = json.dumps({"format": FORMAT, "fingerprint": self.fingerprint, "entries": kept}, separators=(",", ":"))
        try:
            prepare(self.path.parent.parent, self.path.parent.name)
            write_atomic(str(self.path), text.encode("utf-8"))
            _evict(self.path.parent)
        except OSError:
            return
        self._dirty = False


def _stat_key(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns]


def _trusted_stat(stat: os.stat_result) -> list[int] | None:
    """None for a file modified just now: it may change again within the same mtime, so its next run
    checks its bytes."""
    return None if time.time() - stat.st_mtime < RACY_SECONDS else _stat_key(stat)


def _evict(folder: Path) -> None:
    """Keep the `MAX_FOLDERS` most recently written cache files."""
    files = sorted(folder.glob("*.json"), key=lambda file: file.stat().st_mtime, reverse=True)
    for stale in files[MAX_FOLDERS:]:
        stale.unlink(missing_ok=True)
