"""The human report: `path:line:col: CODE [*] [name] message`, `help:` and `fix:` lines, then a summary.

`[*]` marks a finding that plain `--fix` fixes (Ruff's convention)."""

from __future__ import annotations

from loadlint.facts import located
from loadlint.findings import CheckResult, Finding
from loadlint.report._shared import FIXABLE_MARK, describe_unresolved, fixable, fixable_phrase, plural


def render_text(result: CheckResult) -> str:
    lines: list[str] = []
    for finding in result.findings:
        lines.extend(_finding_lines(finding))
    lines.extend(_summary_lines(result))
    return "\n".join(lines) + "\n"


def _finding_lines(finding: Finding) -> list[str]:
    where = finding.location
    mark = f"{FIXABLE_MARK} " if fixable(finding) else ""
    lines = [f"{where}: {finding.code} {mark}[{finding.name}] {finding.message}"]
    if finding.suggestion:
        lines.append(f"  help: {finding.suggestion}")
    if finding.fix:
        lines.append(f"  fix ({finding.fix.applicability}): {finding.fix.title}")
    lines.extend(f"  via: {step}" for step in finding.trace)
    if finding.runtime:
        lines.append(f"  {_runtime_line(finding.runtime)}")
    return lines


RUNTIME_VERDICTS = {True: "confirmed", False: "not confirmed", None: "not confirmable"}


def _runtime_line(runtime: dict, verdict: str | None = None) -> str:
    """`runtime (meta, cpu, 0.4 s): confirmed — ValueError: ...`: what `--runtime` saw at the call;
    the verdict on the finding, or for a call without one what happened (`clean`, `failed`, ...)."""
    where = [runtime["mode"], runtime["device"], f"{runtime['seconds']:.1f} s"]
    verdict = verdict or RUNTIME_VERDICTS[runtime["confirmed"]]
    return f"runtime ({', '.join(part for part in where if part)}): {verdict} — {runtime['observed']}"


def _runtime_calls_lines(result: CheckResult) -> list[str]:
    """With --runtime: how many calls were checked, and what each call without a finding did (a
    clean call is shown to load and generate; one that could not be checked says why)."""
    if not result.runtime_calls:
        return []
    flagged = {(finding.path, finding.cell, finding.span.line) for finding in result.findings}
    outcomes: dict[str, int] = {}
    for call in result.runtime_calls:
        outcomes[call["outcome"]] = outcomes.get(call["outcome"], 0) + 1
    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    mode = result.runtime_calls[0]["mode"]
    lines = [f"Runtime ({mode}): {plural(len(result.runtime_calls), 'call')} checked: {counts}"]
    for call in result.runtime_calls:
        if (call["path"], call.get("cell"), call["line"]) not in flagged:
            what = f"`{call['loader']}` `{call['model_id']}`"
            where = located(call["path"], call.get("cell"), call["line"])
            lines.append(f"  {where}: {what}: {_runtime_line(call, call['outcome'])}")
    return lines


def _summary_lines(result: CheckResult) -> list[str]:
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    lines = [
        "",
        f"Checked {plural(result.files, 'file')}, {plural(result.call_sites, 'call site')}: "
        f"{plural(len(result.findings), 'finding')} ({plural(errors, 'error')}, {plural(warnings, 'warning')})",
    ]
    if result.loads:
        share = f"{100 * result.checked // result.loads}%"
        left = result.loads - result.checked
        lines.append(f"Model loads: {result.loads}, checked {result.checked} ({share}), unresolved {left}")
    fixes = fixable_phrase(result.findings)
    if fixes:
        lines.append(f"{FIXABLE_MARK} {fixes}")
    lines.extend(_runtime_calls_lines(result))
    if result.unresolved:
        lines.append(f"Unresolved ({len(result.unresolved)}), not checked:")
        for use in result.unresolved:
            lines.append(f"  {use.location}: {describe_unresolved(use)}")
            lines.extend(f"    via: {step}" for step in use.trace)
    if result.errors:
        lines.append(f"Files not checked ({len(result.errors)}):")
        lines.extend(f"  {error}" for error in result.errors)
    lines.append(f"transformers {result.transformers_version} ({result.transformers_origin})")
    return lines
