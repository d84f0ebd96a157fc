"""Reporters turn a CheckResult into text; they never decide anything."""

from __future__ import annotations

from collections.abc import Callable

from loadlint.findings import CheckResult
from loadlint.report.json import render_json
from loadlint.report.text import render_text

FORMATS: dict[str, Callable[[CheckResult], str]] = {"text": render_text, "json": render_json}
