"""Source files as text and back, byte for byte: encoding, BOM and line endings survive a round trip,
and a file is replaced atomically or not at all (or, hard-linked, rewritten in place)."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import stat
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file's text, decoded with its PEP 263 encoding (`utf-8-sig` when it has a BOM).

    The text keeps its line endings as they are (no newline translation), so writing it back with
    `encode` gives the same bytes."""

    text: str
    encoding: str

    def encode(self, text: str | None = None) -> bytes:
        return (self.text if text is None else text).encode(self.encoding)


def read_source(path: str) -> bytes:
    """A file's bytes; a FIFO, socket or device is refused rather than read (a FIFO would block the run)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(0, "not a regular file")
        return handle.read()


def decode(data: bytes) -> SourceText:
    """Raises `SyntaxError` for a bad encoding cookie and `UnicodeDecodeError` for bytes that do not
    match it, as Python itself would refuse the file."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return SourceText(data.decode(encoding), encoding)


class WriteRefused(OSError):
    """A file loadlint will not write, though it could: read-only, or an owner it cannot keep.  The
    `strerror` is the reason, one lowercase line, as callers print it after the path."""


def write_atomic(path: str, data: bytes) -> None:
    """Replace (or create) `path` with `data` through a temporary file in the same folder, keeping the
    file's permission bits, owner and group: a crash leaves either the old file or the new one, never
    half of each.  A symlink is followed, so the link stays a link and its target gets the new text.

    Raises `WriteRefused` (an `OSError`) for a file that is read-only to this user, or whose owner or
    group this user may not give the new file; the file is left as it was.  A file with more than one
    hard link is written in place instead, so that every link sees the new text: that write is not
    atomic, and a crash in the middle of it can leave the file half written.  A device or a pipe is
    written to as a stream (replacing `/dev/null` with a file would break every program after)."""
    path = os.path.realpath(path)
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    if current is not None and not stat.S_ISREG(current.st_mode) and not stat.S_ISDIR(current.st_mode):
        with open(path, "wb") as out:  # a device or a pipe (`-o /dev/null`): written to, never replaced
            out.write(data)
        return
    if current is not None:
        _refuse_read_only(path, current)
        if stat.S_ISREG(current.st_mode) and current.st_nlink > 1:
            _write_in_place(path, data)
            return
    _replace(path, data, current)


def _replace(path: str, data: bytes, current: os.stat_result | None) -> None:
    """Write a temporary file next to `path` and rename it over `path`, so that readers (and a crash)
    see the old file or the new one.  The temporary is removed on every way out but a kill, and the
    pid in its name lets a later run sweep what a killed one left."""
    folder = os.path.dirname(path)
    _sweep_once(folder)
    handle, temporary = tempfile.mkstemp(prefix=f"{_TEMPORARY_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if current is not None:
            _keep_owner(path, temporary, current)
        os.chmod(temporary, stat.S_IMODE(current.st_mode) if current is not None else _default_mode())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write_in_place(path: str, data: bytes) -> None:
    """The links of a hard-linked file share one inode, and a rename would give only this name the new
    text: write the bytes (all ready in memory) into the file itself, which keeps its inode, owner and
    mode.  The price: not atomic, as a crash mid-write leaves part of the new text."""
    with open(path, "r+b") as out:
        out.write(data)
        out.truncate()
        out.flush()
        os.fsync(out.fileno())


def _refuse_read_only(path: str, current: os.stat_result) -> None:
    """A rename needs only the folder to be writable, so it would go straight over a file its owner
    made read-only: respect the file's own permission instead."""
    mode = stat.S_IMODE(current.st_mode)
    if not mode & 0o222:
        reason = f"the file is read-only (mode {mode:04o}); make it writable to let loadlint fix it"
    elif not _user_may_write(path, current):
        reason = f"the file is read-only for this user (mode {mode:04o}); make it writable to let loadlint fix it"
    else:
        return
    raise WriteRefused(errno.EACCES, reason, path)


def _user_may_write(path: str, current: os.stat_result) -> bool:
    """The write bit of the one class the user is in (owner, else group, else other, as the kernel
    decides), then the kernel itself, which also knows ACLs and read-only mounts.  Root may write any
    file, so for root a write bit for anyone is enough."""
    if os.name != "posix":
        return os.access(path, os.W_OK)
    euid = os.geteuid()
    if euid == 0:
        return True
    if euid == current.st_uid:
        bit = stat.S_IWUSR
    elif current.st_gid == os.getegid() or current.st_gid in os.getgroups():
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    return bool(current.st_mode & bit) and os.access(
        path, os.W_OK, effective_ids=os.access in os.supports_effective_ids
    )


def _keep_owner(path: str, temporary: str, current: os.stat_result) -> None:
    """The renamed file is owned by whoever created the temporary, i.e. the user running loadlint:
    hand it the old file's owner and group first, or refuse, leaving the old file as it was."""
    made = os.stat(temporary)
    uid = current.st_uid if current.st_uid != made.st_uid else -1
    gid = current.st_gid if current.st_gid != made.st_gid else -1
    if uid == gid == -1:
        return
    try:
        os.chown(temporary, uid, gid)
    except PermissionError:
        if uid != -1:
            reason = f"the file is owned by uid {uid} and loadlint cannot keep that owner; run it as that user"
        else:
            reason = f"the file belongs to gid {gid} and loadlint cannot keep that group; run it in that group"
        raise WriteRefused(errno.EPERM, reason, path) from None


_TEMPORARY_PREFIX = ".loadlint-"
# `.loadlint-<pid>-<random>.tmp`, or `.loadlint-<random>.tmp` from versions without the pid.
_TEMPORARY = re.compile(r"\.loadlint-(?:(?P<pid>[0-9]+)-)?[a-z0-9_]+\.tmp")
_OLD_TEMPORARY_AGE = 3600.0
_swept: set[str] = set()


def _sweep_once(folder: str) -> None:
    """A killed run leaves its temporary behind; remove such leftovers before adding a temporary of our
    own.  Once per folder and process is enough (this process's own never go stale), and spares a
    rescan of a big folder for every file fixed in it.  A failure only means a leftover stays."""
    if folder in _swept:
        return
    _swept.add(folder)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if _is_stale(entry):
                    os.unlink(entry.path)


def _is_stale(entry: os.DirEntry[str]) -> bool:
    """Only loadlint's own temporaries, and only those whose writer is gone: its pid runs no process
    here, or (names without a pid) the file is more than an hour old."""
    match = _TEMPORARY.fullmatch(entry.name) if entry.name.startswith(_TEMPORARY_PREFIX) else None
    if match is None or not entry.is_file(follow_symlinks=False):
        return False
    if match["pid"] is not None:
        return not _running(int(match["pid"]))
    return time.time() - entry.stat(follow_symlinks=False).st_mtime > _OLD_TEMPORARY_AGE


def _running(pid: int) -> bool:
    """Signal 0 only asks whether the process exists (a permission error: it does, under another user).
    Without POSIX signals (on Windows `os.kill` would end the process) every writer counts as running."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True
    return True


def _default_mode() -> int:
    """What `open(path, "w")` would give a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class TomlError(ValueError):
    """A TOML file that cannot be read or parsed; the message is one line, without the path."""


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of `path` (the lockfile, a configuration)."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise TomlError(f"cannot read the file: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TomlError(f"invalid TOML: {' '.join(str(exc).split())}") from None
