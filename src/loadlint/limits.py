"""Bounds on what one file may cost, and the one line a file gets when its work fails.

A run over a tree must always end and must never lose the other files' findings, whatever one file
holds.  Three bounds make that so:

- size: a file larger than `max_file_size` that passes the byte gate is skipped with one line
  (libcst's parse and metadata passes need about 15 s and 0.5 GB per MiB of code);
- nesting: CPython's parser rejects what it cannot nest (ast construction gives up at a depth that
  follows the recursion limit), so `stdlib_parse` runs it under the interpreter's default limit and
  libcst, whose native parser crashes the process on deeper input, only ever sees what CPython
  accepted; the libcst passes then run `deep_recursion()`, which has room for that depth;
- time: a `Budget` per file for extraction, and another for checking and fixing (whose cost grows
  with the number of findings); past it a pass stops and says so, keeping what it finished.

Anything else that goes wrong inside one stage becomes `FileFailure`, whose message is the file's
one line; the engine reports it and goes on with the next file.
"""

from __future__ import annotations

import ast
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

DEFAULT_MAX_FILE_SIZE = 2**20  # bytes: about 15 s and 0.5 GB in libcst; a bigger generated file is skipped
DEFAULT_FILE_TIMEOUT = 20.0  # seconds per file for its extraction, and again for its checks and fixes
# CPython's default: its ast construction gives up at about 3x this depth, which libcst's native
# parser survives on an 8 MB stack (a 5,000-term `+` chain crashes it; 3,000 does not).
STDLIB_RECURSION_LIMIT = 1000
# Room for libcst's visitors over the deepest tree CPython accepts (about 5 frames per level).
LIBCST_RECURSION_LIMIT = 20000
REPORT_HINT = "this is a bug in loadlint: please report it with the file"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.I)
_SIZE_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}  # KB, KiB and K alike: binary, as `du -h`


@dataclass(frozen=True)
class FileLimits:
    """The bounds of a run; the configuration's `max-file-size` and `file-timeout`."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    file_timeout: float = DEFAULT_FILE_TIMEOUT

    def budget(self) -> Budget:
        return Budget(self.file_timeout)


class FileFailure(Exception):
    """One file's work stopped; the message is the file's one report line."""


class BudgetSpent(BaseException):
    """Raised into the Python code of a pass that ran past its file's budget.  A BaseException, so
    that no `except Exception` in libcst or in a pass swallows it; `Budget.limit`'s callers catch it."""


class Budget:
    """The time one file's costly passes may take.

    A pass runs under `limit()`, which (on POSIX, in the main thread) arms a timer that interrupts it
    with `BudgetSpent` at the deadline, even in the middle of one long libcst visit; loops also ask
    `spent()` between units of work, which is all there is elsewhere.  `stopped_in` remembers the
    first pass that had to stop."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.stopped_in: str | None = None
        self._armed = False

    def spent(self, doing: str) -> bool:
        if time.monotonic() < self.deadline:
            return False
        self.stopped_in = self.stopped_in or doing
        return True

    @contextmanager
    def limit(self, doing: str) -> Iterator[None]:
        """Run the block until the deadline at most; a nested `limit` shares the outer one's timer."""
        if self.spent(doing):
            raise BudgetSpent(doing)
        if self._armed or not _can_interrupt():
            yield
            return

        def expire(signum: int, frame: object) -> None:
            self.stopped_in = self.stopped_in or doing
            raise BudgetSpent(doing)

        previous = signal.signal(signal.SIGALRM, expire)
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, max(self.deadline - time.monotonic(), 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            self._armed = False

    def report(self, path: str) -> str | None:
        """The file's line when a pass stopped early, else None."""
        if self.stopped_in is None:
            return None
        return f"{path}: stopped {self.stopped_in} after the {self.seconds:g} s per-file budget (file-timeout)"


def _can_interrupt() -> bool:
    """A timer signal reaches only the main thread, and only where there is SIGALRM."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def parse_size(value: str) -> int:
    """'4194304', '512KB', '4MB', '4MiB' or '4M' as bytes (binary units)."""
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a size such as 4MB, 512KB or 4194304")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "")[:1].lower()])


def size_text(size: int) -> str:
    """A byte count for messages, in binary units as the limits are: `4 MiB`, `20.3 MiB`, `900 KiB`."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_large(path: str, size: int, limit: int) -> str:
    return (
        f"{path}: skipped: {size_text(size)} is over the {size_text(limit)} limit for files loadlint parses "
        f"(max-file-size)"
    )


def syntax_error(path: str, line: int, column: int, message: str) -> str:
    return f"{path}:{line}:{column}: syntax error: {one_line(message)}"


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def internal_error(path: str, stage: str, exc: BaseException) -> str:
    message = " ".join(str(exc).split())
    if isinstance(exc, RecursionError):
        message = f"the file nests deeper than loadlint can follow ({message})"
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return f"{path}: internal error in {stage}: {what} ({REPORT_HINT})"


@contextmanager
def stage(path: str, name: str) -> Iterator[None]:
    """Turn any exception inside one stage of one file's work into that file's `FileFailure`."""
    try:
        yield
    except FileFailure:
        raise
    except Exception as exc:  # one file's bug must not cost the other files their findings
        raise FileFailure(internal_error(path, name, exc)) from exc


@contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def deep_recursion() -> AbstractContextManager[None]:
    """Room for libcst's recursive visitors over a tree CPython's parser accepted."""
    return recursion_limit(max(LIBCST_RECURSION_LIMIT, sys.getrecursionlimit()))


def stdlib_parse(source: str) -> ast.Module:
    """`ast.parse` as CPython itself would run it: under the default recursion limit, so what it
    accepts is never deeper than libcst can take.  A tree too deep for it is a SyntaxError."""
    try:
        with recursion_limit(STDLIB_RECURSION_LIMIT):
            return ast.parse(source)
    except (RecursionError, MemoryError) as exc:
        error = SyntaxError(f"too deeply nested for Python's parser ({' '.join(str(exc).split())})")
        error.lineno, error.offset = 1, 1
        raise error from None
