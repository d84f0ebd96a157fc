"""The human report: `path:line:col: CODE [*] [name] message`, `help:` and `fix:` lines, then a summary.

`[*]` marks a finding that plain `--fix` fixes (Ruff's convention)."""

from __future__ import annotations

from loadlint.findings import CheckResult, Finding
from loadlint.report._shared import FIXABLE_MARK, describe_unresolved, fixable, fixable_phrase, plural


def render_text(result: CheckResult) -> str:
    lines: list[str] = []
    for finding in result.findings:
        lines.extend(_finding_lines(finding))
    lines.extend(_summary_lines(result))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: Finding) -> list[str]:
    where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
    mark = f"{FIXABLE_MARK} " if fixable(finding) else ""
    lines = [f"{where}: {finding.code} {mark}[{finding.name}] {finding.message}"]
    if finding.suggestion:
        lines.append(f"  help: {finding.suggestion}")
    if finding.fix:
        lines.append(f"  fix ({finding.fix.applicability}): {finding.fix.title}")
    if finding.runtime:
        lines.append(f"  {_runtime_line(finding.runtime)}")
    return lines


RUNTIME_VERDICTS = {True: "confirmed", False: "not confirmed", None: "not confirmable"}


def _runtime_line(runtime: dict) -> str:
    """`runtime (meta, cpu, 0.4 s): confirmed — ValueError: ...`: what `--runtime` saw at the call."""
    where = [runtime["mode"], runtime["device"], f"{runtime['seconds']:.1f} s"]
    verdict = RUNTIME_VERDICTS[runtime["confirmed"]]
    return f"runtime ({', '.join(part for part in where if part)}): {verdict} — {runtime['observed']}"


def _summary_lines(result: CheckResult) -> list[str]:
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    lines = [
        "",
        f"Checked {plural(result.files, 'file')}, {plural(result.call_sites, 'call site')}: "
        f"{plural(len(result.findings), 'finding')} ({plural(errors, 'error')}, {plural(warnings, 'warning')})",
    ]
    fixes = fixable_phrase(result.findings)
    if fixes:
        lines.append(f"{FIXABLE_MARK} {fixes}")
    if result.unresolved:
        lines.append(f"Unresolved ({len(result.unresolved)}), not checked:")
        lines.extend(f"  {use.path}:{use.line}: {describe_unresolved(use)}" for use in result.unresolved)
    if result.errors:
        lines.append(f"Files not checked ({len(result.errors)}):")
        lines.extend(f"  {error}" for error in result.errors)
    lines.append(f"transformers {result.transformers_version} ({result.transformers_origin})")
    return lines
