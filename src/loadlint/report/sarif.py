"""SARIF 2.1.0 for code-scanning dashboards: one run, the rules that ran, one result per finding
(with its fix as a SARIF fix), and file errors and unresolved ids as tool notifications."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

from loadlint.facts import Span, TraceStep
from loadlint.findings import CheckResult, Finding, RuleInfo, UnresolvedUse
from loadlint.fixes import Edit, Fix
from loadlint.report._shared import FileError, describe_unresolved, fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"  # relative paths are relative to the checked-out repository (what code scanning expects)
FINGERPRINT_KEY = "loadlint/v1"


def render_sarif(result: CheckResult) -> str:
    rules = _rule_descriptors(result)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    run = {
        "tool": {"driver": {"name": "loadlint", "version": result.loadlint_version, "rules": rules}},
        "invocations": [_invocation(result)],
        "columnKind": "unicodeCodePoints",  # libcst columns count characters
        "results": [
            _result(finding, rule_index[finding.code], fingerprint)
            for finding, fingerprint in zip(result.findings, fingerprints(result.findings))
        ],
        "properties": {
            "transformers_version": result.transformers_version,
            "transformers_origin": result.transformers_origin,
        },
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def _rule_descriptors(result: CheckResult) -> list[dict]:
    """The rules that ran, then any rule a finding names that the run did not describe."""
    descriptors = [_rule_descriptor(rule) for rule in result.rules]
    described = {rule.code for rule in result.rules}
    for finding in result.findings:
        if finding.code not in described:
            described.add(finding.code)
            descriptors.append(
                {"id": finding.code, "name": finding.name, "defaultConfiguration": {"level": finding.severity}}
            )
    return descriptors


def _rule_descriptor(rule: RuleInfo) -> dict:
    docs = rule.docs or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_section(rule.docs) or rule.summary},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": rule.severity},
    }


def _first_section(docs: str) -> str:
    """The body of the docs' first section (`## What it does`) as one paragraph."""
    for section in re.split(r"^#+ .*$", docs, flags=re.MULTILINE):
        if section.strip():
            return " ".join(section.split())
    return ""


def _result(finding: Finding, rule_index: int, fingerprint: str) -> dict:
    artifact = _artifact_location(finding.path)
    sarif_result = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [_location(artifact, _region(finding.span))],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {
            "model_id": finding.model_id,
            "revision": finding.revision,
            "model_type": finding.model_type,
            "auto_class": finding.auto_class,
            "suggestion": finding.suggestion,
        },
    }
    if finding.cell is not None:
        sarif_result["properties"]["cell"] = finding.cell  # type: ignore[index]
    if finding.fix and finding.fix.edits:
        sarif_result["fixes"] = [_fix(finding.fix, artifact)]
    if finding.trace:
        sarif_result["codeFlows"] = [_code_flow(finding.trace)]
    return sarif_result


def _code_flow(trace: Sequence[TraceStep]) -> dict:
    """The path a followed id took, origin first: one thread flow, a location per step."""
    locations = [
        {"location": {**_location(_artifact_location(step.path), _point(step)), "message": {"text": step.note}}}
        for step in trace
    ]
    return {"threadFlows": [{"locations": locations}]}


def _point(step: TraceStep) -> dict:
    return {"startLine": step.line, "startColumn": step.column}


def _fix(fix: Fix, artifact: dict) -> dict:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [{"artifactLocation": artifact, "replacements": [_replacement(e) for e in fix.edits]}],
        "properties": {"applicability": fix.applicability},
    }


def _replacement(edit: Edit) -> dict:
    replacement: dict = {"deletedRegion": _region(edit.span)}
    if edit.content:  # SARIF: no insertedContent means a pure deletion
        replacement["insertedContent"] = {"text": edit.content}
    return replacement


def _invocation(result: CheckResult) -> dict:
    notifications = [_error_notification(error) for error in result.errors]
    notifications += [_unresolved_notification(use) for use in result.unresolved]
    return {"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}


def _error_notification(error: str) -> dict:
    notification: dict = {"level": "error", "message": {"text": error}}
    parsed = FileError.parse(error)
    if parsed.path is not None:
        region = {"startLine": parsed.line, "startColumn": parsed.column} if parsed.line is not None else None
        notification["locations"] = [_location(_artifact_location(parsed.path), region)]
    return notification


def _unresolved_notification(use: UnresolvedUse) -> dict:
    location = _location(_artifact_location(use.path), {"startLine": use.line})
    return {"level": "note", "message": {"text": describe_unresolved(use)}, "locations": [location]}


def _location(artifact: dict, region: dict | None) -> dict:
    physical = {"artifactLocation": artifact}
    if region is not None:
        physical["region"] = region
    return {"physicalLocation": physical}


def _artifact_location(path: str) -> dict:
    """A relative path as a POSIX URI under %SRCROOT%; an absolute one as a file URI."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    return {"uri": quote(pure.as_posix()), "uriBaseId": SOURCE_ROOT}


def _region(span: Span) -> dict:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }
