"""Every rule's own VALID/INVALID examples, run against the example models' real config fields."""

from __future__ import annotations

import pytest
from rule_harness import TABLES, example_models

from loadlint.engine import check_source
from loadlint.extract import extract_file
from loadlint.rules import ALL_RULES, Rule
from loadlint.rules._examples import EXAMPLE_MODELS

DOC_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety")


def findings_for(rule: Rule, source: str) -> list:
    """What `loadlint check` reports for `rule` on the example: every rule runs (so LL100 can judge
    the others' codes), the file's suppressions apply, then this rule's findings are kept."""
    findings = check_source("example.py", source.encode(), TABLES, example_models(source), ALL_RULES)
    return [finding for finding in findings if finding.code == rule.code]


def _cases(kind: str) -> list:
    """Static rules only: a runtime-only rule's examples are run for real by tests/test_runtime.py."""
    return [
        pytest.param(rule, source, id=f"{rule.code}-{kind}-{index}")
        for rule in ALL_RULES
        if not rule.runtime_only
        for index, source in enumerate(getattr(rule, kind))
    ]


@pytest.mark.parametrize(("rule", "source"), _cases("valid"))
def test_valid_example_is_not_reported(rule: Rule, source: str) -> None:
    assert findings_for(rule, source) == []


@pytest.mark.parametrize(("rule", "source"), _cases("invalid"))
def test_invalid_example_is_reported(rule: Rule, source: str) -> None:
    findings = findings_for(rule, source)
    assert findings, f"{rule.code} did not report:\n{source}"
    for finding in findings:
        assert finding.code == rule.code and finding.name == rule.name
        assert not finding.message.endswith("."), "messages state the problem without a trailing period"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_rule_is_documented(rule: Rule) -> None:
    docs = rule.docs()
    for section in DOC_SECTIONS:
        assert section in docs, f"{rule.code} lacks {section}"
    assert rule.valid and rule.invalid
    assert rule.code.startswith("LL") and rule.name == rule.name.lower()


def test_codes_and_names_are_unique() -> None:
    assert len({rule.code for rule in ALL_RULES}) == len(ALL_RULES)
    assert len({rule.name for rule in ALL_RULES}) == len(ALL_RULES)


def test_example_ids_are_known_models() -> None:
    for rule in ALL_RULES:
        for source in rule.valid + rule.invalid:
            report = extract_file("example.py", source.encode(), lambda name: True)
            for site in report.sites:
                if site.loads_model:  # downloads and datasets are never resolved
                    assert site.model_id is None or site.model_id in EXAMPLE_MODELS, (rule.code, site.model_id)


def test_readme_rule_table_is_generated_from_the_rules() -> None:
    from pathlib import Path

    from loadlint.rules import rules_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    start, end = readme.index("<!-- rules:start -->\n"), readme.index("\n<!-- rules:end -->")
    assert readme[start + len("<!-- rules:start -->\n"):end] == rules_table()
