"""The one-line-per-finding report (`path:line:col: CODE [*] message`), for editors and long runs."""

from __future__ import annotations

from loadlint.findings import CheckResult
from loadlint.report._shared import FIXABLE_MARK, fixable, fixable_phrase, plural, unresolved_name


def render_concise(result: CheckResult) -> str:
    lines = [
        f"{f.location}: {f.code} {FIXABLE_MARK + ' ' if fixable(f) else ''}{f.message}"
        for f in result.findings
    ]
    lines.extend(f"{u.location}: unresolved {unresolved_name(u)} [{u.reason}]" for u in result.unresolved)
    lines.extend(result.errors)
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def _summary(result: CheckResult) -> str:
    if not (result.findings or result.unresolved or result.errors):
        return "All checks passed."
    fixes = fixable_phrase(result.findings)
    parts = [plural(len(result.findings), "finding") + (f" ({fixes})" if fixes else "")]
    if result.unresolved:
        parts.append(plural(len(result.unresolved), "unresolved id"))
    if result.errors:
        parts.append(plural(len(result.errors), "file error"))
    return f"Found {', '.join(parts)}."
