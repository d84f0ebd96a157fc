"""What several reporters say the same way, so the formats never disagree: which findings `--fix`
can fix, how unresolved ids are named, and where a file error points."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from loadlint.findings import Finding, UnresolvedUse
from loadlint.fixes import applies

FIXABLE_MARK = "[*]"  # Ruff's marker for a finding that plain `--fix` fixes

# Errors arrive as one line, `path: message` or `path:line:col: message` (see extract and engine).
_ERROR_AT = re.compile(
    r"(?P<path>.+?)(?::(?P<cell>cell \d+))?(?::(?P<line>\d+):(?P<column>\d+))?: (?P<message>.*)", re.DOTALL
)


def fixable(finding: Finding) -> bool:
    """Whether plain `--fix` applies this finding's fix (a safe fix with edits)."""
    return applies(finding.fix, unsafe=False)


def fixable_phrase(findings: Sequence[Finding]) -> str:
    """'2 fixable with --fix, 1 more with --unsafe-fixes'; empty when no fix would be applied."""
    safe = sum(applies(finding.fix, unsafe=False) for finding in findings)
    unsafe = sum(applies(finding.fix, unsafe=True) for finding in findings) - safe
    if safe and unsafe:
        return f"{safe} fixable with --fix, {unsafe} more with --unsafe-fixes"
    if safe:
        return f"{safe} fixable with --fix"
    if unsafe:
        return f"{unsafe} fixable with --fix --unsafe-fixes"
    return ""


def message_with_help(finding: Finding) -> str:
    """The message and, on a second line, the `help:` suggestion, for formats with one text field."""
    return finding.message + (f"\nhelp: {finding.suggestion}" if finding.suggestion else "")


def fingerprints(findings: Iterable[Finding]) -> Iterator[str]:
    """A hash of what a finding is about rather than where, so it survives lines moving (SARIF's
    partial fingerprint, GitLab's fingerprint)."""
    return keyed_fingerprints((f.code, f.path, f.model_id or "", f.message) for f in findings)


def keyed_fingerprints(keys: Iterable[Sequence[str]]) -> Iterator[str]:
    """A hash per key (what an issue is about); repeats of one key are told apart by their order."""
    occurrences: Counter[str] = Counter()
    for parts in keys:
        key = "\0".join(parts)
        occurrences[key] += 1
        yield hashlib.sha256(f"{key}\0{occurrences[key]}".encode()).hexdigest()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def unresolved_name(use: UnresolvedUse) -> str:
    """The id as written (with `@revision` when one is given), or `<dynamic>` when it is not a constant."""
    if use.model_id is None:
        return "<dynamic>"
    return f"{use.model_id}@{use.revision}" if use.revision else use.model_id


def describe_unresolved(use: UnresolvedUse) -> str:
    """`id [reason]: detail`, the whole story of one unresolved id except where it is."""
    detail = f": {use.detail}" if use.detail else ""
    kind = f" ({use.detail_kind})" if use.detail_kind else ""
    return f"{unresolved_name(use)} [{use.reason}]{kind}{detail}"


@dataclass(frozen=True, slots=True)
class FileError:
    """A file error split into where and what, for formats that annotate a file or a line."""

    path: str | None
    line: int | None
    column: int | None
    message: str  # with `cell N: ` first in a notebook, for the formats that place it by line only
    cell: int | None = None

    @classmethod
    def parse(cls, error: str) -> FileError:
        match = _ERROR_AT.fullmatch(error)
        if match is None:
            return cls(path=None, line=None, column=None, message=error)
        line, column = match["line"], match["column"]
        return cls(
            path=match["path"],
            line=int(line) if line else None,
            column=int(column) if column else None,
            message=f"{match['cell']}: {match['message']}" if match["cell"] else match["message"],
            cell=int(match["cell"].split()[1]) if match["cell"] else None,
        )
