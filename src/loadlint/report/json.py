"""The JSON report: the stable contract other tools parse."""

from __future__ import annotations

import json

from loadlint.findings import CheckResult


def render_json(result: CheckResult) -> str:
    return json.dumps(result.to_json(), indent=2) + "\n"
