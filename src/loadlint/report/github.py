"""GitHub Actions workflow commands: an annotation per finding (`::error` / `::warning`), per file
error (`::error`) and per unresolved id (`::notice`), escaped exactly as GitHub's toolkit does."""

from __future__ import annotations

from loadlint.findings import CheckResult, Finding
from loadlint.report._shared import FileError, describe_unresolved, message_with_help

_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))  # `%` first, so escapes are not re-escaped
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def render_github(result: CheckResult) -> str:
    commands = [_finding_command(finding) for finding in result.findings]
    commands += [_error_command(FileError.parse(error)) for error in result.errors]
    commands += [
        _command("notice", {"file": use.path, "line": use.line}, describe_unresolved(use)) for use in result.unresolved
    ]
    return "".join(command + "\n" for command in commands)


def _finding_command(finding: Finding) -> str:
    span = finding.span
    properties: dict[str, object] = {"file": finding.path, "line": span.line}
    if span.line == span.end_line:  # GitHub accepts columns only on a single-line annotation
        properties |= {"col": span.column, "endLine": span.end_line, "endColumn": span.end_column}
    else:
        properties["endLine"] = span.end_line
    properties["title"] = f"loadlint ({finding.code})" + (f" in cell {finding.cell}" if finding.cell else "")
    return _command(finding.severity, properties, message_with_help(finding))  # severities are GitHub's command names


def _error_command(error: FileError) -> str:
    properties = {"file": error.path, "line": error.line, "col": error.column}
    return _command("error", {key: value for key, value in properties.items() if value is not None}, error.message)


def _command(name: str, properties: dict[str, object], message: str) -> str:
    listed = ",".join(f"{key}={_escape(str(value), _PROPERTY_ESCAPES)}" for key, value in properties.items())
    return f"::{name}{' ' + listed if listed else ''}::{_escape(message, _DATA_ESCAPES)}"


def _escape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for raw, escaped in escapes:
        text = text.replace(raw, escaped)
    return text
