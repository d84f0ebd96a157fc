"""Apply fixes to one file until nothing changes, and never leave it broken.

Each pass applies the applicable fixes whose edits do not overlap, parses the result (CPython's
parser, then libcst as the re-check extracts it) and re-checks it: a later pass picks up what an
overlapping fix had to wait for, and anything the first fixes uncovered.  A pass that makes the file
unparsable, or passes that never settle, leave the file exactly as it was, with a one-line error.
Once the file's time budget is spent no pass starts: the passes done so far are kept (each one
parsed and re-checked).  Writing is the caller's business.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from loadlint.findings import Finding
from loadlint.fixes import DropUnusedImport, applies, apply_edits, overlaps
from loadlint.limits import Budget, BudgetSpent, stdlib_parse
from loadlint.materialize import CannotMaterialize, apply_operations
from loadlint.source import SourceText, decode

MAX_PASSES = 10


@dataclass
class FileFix:
    """The outcome of fixing one file: its text before and after, and which findings were fixed."""

    path: str
    before: SourceText
    after: str
    applied: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.after != self.before.text

    def fixed_bytes(self) -> bytes:
        """The fixed text in the file's own encoding (and BOM), line endings as they were."""
        return self.before.encode(self.after)

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.before.text.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def fix_file(
    path: str,
    data: bytes,
    findings: list[Finding],
    recheck: Callable[[bytes], list[Finding]],
    *,
    unsafe: bool,
    budget: Budget | None = None,
) -> FileFix:
    """Fix `findings` in the file's bytes; `recheck` lints a candidate text (with the run's facts)."""
    before = decode(data)
    text, current, applied = before.text, findings, []
    for _ in range(MAX_PASSES):
        chosen = _non_overlapping([finding for finding in current if applies(finding.fix, unsafe)])
        if not chosen:
            text, current = _drop_what_no_fix_could(text, current, applied, before, recheck, budget)
            return FileFix(path, before, text, applied, current)
        candidate = _together(text, chosen)
        if len(chosen) > 1 and _unbinds_a_used_import(text, candidate):
            chosen = chosen[:1]  # one fix dropped an import that another one still uses: one at a time
            candidate = _together(text, chosen)
        try:
            with budget.limit("fixing") if budget is not None else contextlib.nullcontext():
                stdlib_parse(candidate)  # the re-check parses it with libcst too, where it loads models
                rechecked = recheck(before.encode(candidate))
        except BudgetSpent:  # the passes done so far were each parsed and re-checked: keep them
            return FileFix(path, before, text, applied, current)
        except (SyntaxError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return _unchanged(path, before, findings, f"a fix made the file unparsable ({reason})")
        text, current = candidate, rechecked
        applied.extend(chosen)
    return _unchanged(path, before, findings, f"fixes did not settle after {MAX_PASSES} passes")


def _drop_what_no_fix_could(
    text: str,
    current: list[Finding],
    applied: list[Finding],
    before: SourceText,
    recheck: Callable[[bytes], list[Finding]],
    budget: Budget | None,
) -> tuple[str, list[Finding]]:
    """The imports the applied fixes meant to drop and that nothing uses now: each fix saw the others'
    calls still using the old class, so none of them could (50 calls switched from one class keep its
    import otherwise).  Kept only when the result parses and re-checks."""
    drops = [op for finding in applied for op in finding.fix.operations if isinstance(op, DropUnusedImport)]  # type: ignore[union-attr]
    try:
        tidied = apply_operations(text, drops) if drops else text
        if tidied == text:
            return text, current
        with budget.limit("fixing") if budget is not None else contextlib.nullcontext():
            stdlib_parse(tidied)
            return tidied, recheck(before.encode(tidied))
    except (CannotMaterialize, BudgetSpent, SyntaxError, ValueError):
        return text, current


def _together(text: str, chosen: list[Finding]) -> str:
    return apply_edits(text, [edit for finding in chosen for edit in finding.fix.edits])  # type: ignore[union-attr]


def _unbinds_a_used_import(text: str, candidate: str) -> bool:
    """Whether the candidate lost an imported name it still uses.  Each fix is made against the text
    before the pass, so one that drops an import its own call no longer needs cannot see that a fix
    beside it still relies on that import."""
    try:
        before, after = stdlib_parse(text), stdlib_parse(candidate)
    except (SyntaxError, ValueError):
        return False  # the parse after the pass says what is wrong
    lost = _imported_names(before) - _imported_names(after)
    return any(isinstance(node, ast.Name) and node.id in lost for node in ast.walk(after))


def _imported_names(tree: ast.Module) -> set[str]:
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def _unchanged(path: str, before: SourceText, findings: list[Finding], why: str) -> FileFix:
    return FileFix(path, before, before.text, [], findings, f"{path}: {why}; the file is left unchanged")


def _non_overlapping(candidates: list[Finding]) -> list[Finding]:
    """The first fix of each overlapping group, in source order; the others wait for the next pass."""
    chosen: list[Finding] = []
    for finding in sorted(candidates, key=Finding.sort_key):
        if not any(overlaps(finding.fix, other.fix) for other in chosen):  # type: ignore[arg-type]
            chosen.append(finding)
    return chosen
