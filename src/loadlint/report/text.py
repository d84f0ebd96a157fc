"""The human report: `path:line:col: CODE [name] message`, a `help:` line, then a summary."""

from __future__ import annotations

from loadlint.findings import CheckResult, Finding, UnresolvedUse


def render_text(result: CheckResult) -> str:
    lines: list[str] = []
    for finding in result.findings:
        lines.extend(_finding_lines(finding))
    lines.extend(_summary_lines(result))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: Finding) -> list[str]:
    where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
    lines = [f"{where}: {finding.code} [{finding.name}] {finding.message}"]
    if finding.suggestion:
        lines.append(f"  help: {finding.suggestion}")
    return lines


def _summary_lines(result: CheckResult) -> list[str]:
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    lines = [
        "",
        f"Checked {_plural(result.files, 'file')}, {_plural(result.call_sites, 'call site')}: "
        f"{_plural(len(result.findings), 'finding')} ({_plural(errors, 'error')}, {_plural(warnings, 'warning')})",
    ]
    if result.unresolved:
        lines.append(f"Unresolved ({len(result.unresolved)}), not checked:")
        lines.extend(f"  {_unresolved_line(use)}" for use in result.unresolved)
    if result.errors:
        lines.append(f"Files not checked ({len(result.errors)}):")
        lines.extend(f"  {error}" for error in result.errors)
    lines.append(f"transformers {result.transformers_version} ({result.transformers_origin})")
    return lines


def _unresolved_line(use: UnresolvedUse) -> str:
    name = use.model_id or "<dynamic>"
    if use.model_id and use.revision:
        name += f"@{use.revision}"
    detail = f": {use.detail}" if use.detail else ""
    return f"{use.path}:{use.line}: {name} [{use.reason}]{detail}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
