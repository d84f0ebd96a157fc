"""Reporters turn a CheckResult into text; they never decide anything."""

from __future__ import annotations

from collections.abc import Callable

from loadlint.findings import CheckResult
from loadlint.report.concise import render_concise
from loadlint.report.github import render_github
from loadlint.report.json import render_json
from loadlint.report.junit import render_junit
from loadlint.report.sarif import render_sarif
from loadlint.report.text import render_text

FORMATS: dict[str, Callable[[CheckResult], str]] = {
    "text": render_text,
    "concise": render_concise,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
}
