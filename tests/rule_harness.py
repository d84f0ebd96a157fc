"""Run single rules on source text with the example models, and check their fixes' guarantees."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping

from loadlint.engine import loader_predicate
from loadlint.engine.judging import check_site
from loadlint.extract import extract_file
from loadlint.facts import ModelFacts, ModelRef, repo_facts
from loadlint.findings import Finding
from loadlint.fixes import apply_edits
from loadlint.materialize import materialize
from loadlint.rules import Rule
from loadlint.rules._examples import EXAMPLE_MODELS
from loadlint.tables import load_tables

TABLES = load_tables()


def example_models(
    source: str, models: Mapping[str, ModelFacts] = EXAMPLE_MODELS
) -> dict[ModelRef, ModelFacts]:
    """The facts of every load in `source`, keyed as the engine looks them up (id and revision)."""
    report = extract_file("t.py", source.encode(), loader_predicate(TABLES))
    assert report.error is None, report.error
    return {site.ref: models[site.model_id] for site in report.sites if site.ref and site.model_id in models}


def run_rule(rule: Rule, source: str, models: Mapping[str, ModelFacts] = EXAMPLE_MODELS) -> list[Finding]:
    """The rule's findings on `source` (dedented), each model id answered from `models`."""
    source = textwrap.dedent(source)
    report = extract_file("t.py", source.encode(), loader_predicate(TABLES))
    resolved = example_models(source, models)
    found = [finding for site in report.sites for finding in check_site(site, repo_facts(site, resolved), TABLES, [rule])]
    return found + [finding for use in report.uses for finding in rule.check_use(use, resolved, TABLES)]


def fixed(source: str, finding: Finding) -> str:
    """`source` with the finding's fix applied; the fix must materialize and the result must parse."""
    source = textwrap.dedent(source)
    [fix] = materialize(source, [finding.fix])
    assert fix is not None and fix.edits, f"{finding.code}: the fix did not materialize"
    text = apply_edits(source, list(fix.edits))
    ast.parse(text)
    return text


def fix_all(rule: Rule, source: str, models: Mapping[str, ModelFacts] = EXAMPLE_MODELS) -> str:
    """Apply the rule's fixes one at a time until none is left; the text must then be stable."""
    text = textwrap.dedent(source)
    for _ in range(10):
        with_fix = [f for f in run_rule(rule, text, models) if f.fix is not None]
        if not with_fix:
            return text
        text = fixed(text, with_fix[0])
    raise AssertionError("the fixes do not converge")
