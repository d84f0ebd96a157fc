"""Source files as text and back, byte for byte: encoding, BOM and line endings survive a round trip,
and a file is replaced atomically or not at all."""

from __future__ import annotations

import io
import os
import sys
import tempfile
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


def decode(data: bytes) -> SourceText:
    """Raises `SyntaxError` for a bad encoding cookie and `UnicodeDecodeError` for bytes that do not
    match it, as Python itself would refuse the file."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return SourceText(data.decode(encoding), encoding)


def write_atomic(path: str, data: bytes) -> None:
    """Replace (or create) `path` with `data` through a temporary file in the same folder, keeping the
    file's permission bits: a crash leaves either the old file or the new one, never half of each.  A
    symlink is followed, so the link stays a link and its target gets the new text."""
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else _default_mode()
    handle, temporary = tempfile.mkstemp(prefix=".loadlint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


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
