"""Judging one file: the rules over its records with the facts resolved, its suppressions, and its
fixes (materialized, or applied and re-checked with `--fix`)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from loadlint.engine.extraction import outside_values
from loadlint.engine.options import CheckOptions
from loadlint.engine.reading import SourceFile, loader_predicate
from loadlint.extract import ALL_LIBRARIES, MODEL_LIBRARIES, extract_file
from loadlint.facts import (
    CallSite,
    FileReport,
    ModelFacts,
    ModelRef,
    Span,
    Unresolved,
    UseSite,
    facts_for,
    repo_facts,
)
from loadlint.findings import CheckResult, Finding
from loadlint.fixer import FileFix, fix_file
from loadlint.fixes import applies
from loadlint.limits import Budget, FileFailure, stage
from loadlint.materialize import materialize
from loadlint.notebook import NotebookError, read_notebook
from loadlint.notebook.write import cell_diff, fixed_sources, write_notebook
from loadlint.rules import Rule
from loadlint.source import decode, write_atomic
from loadlint.suppress import apply_suppressions, lines_of
from loadlint.tables.model import Tables


def libraries_read_by(rules: Sequence[Rule]) -> frozenset[str]:
    """The libraries whose calls the rules judge: hub downloads and datasets only for a rule that
    reads them, so the default run never parses a file for its `hf_hub_download` calls."""
    return ALL_LIBRARIES if any(rule.reads_downloads for rule in rules) else MODEL_LIBRARIES


def judge_file(
    file: SourceFile,
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    rules: Sequence[Rule],
    options: CheckOptions,
    result: CheckResult,
) -> list[Finding]:
    """One file's findings, fixed when asked; a failure costs this file its findings (or its fixes)
    and one error line, never the run."""
    budget = options.limits.budget()
    try:
        with stage(file.path, "check"):
            findings = check_file(
                file.path, file.data, file.report.sites, models, tables, rules, uses=file.report.uses, budget=budget
            )
    except FileFailure as exc:
        result.errors.append(str(exc))
        return []
    if options.fix and file.data is not None and any(applies(f.fix, options.unsafe_fixes) for f in findings):
        try:
            with stage(file.path, "fix"):
                findings = _fix(file, findings, models, tables, rules, options, result, budget)
        except FileFailure as exc:
            result.errors.append(str(exc))
    if (spent := budget.report(file.path)) is not None:
        result.errors.append(spent)
    return findings


def check_file(
    path: str,
    data: bytes | None,
    sites: Sequence[CallSite],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    rules: Sequence[Rule],
    uses: Sequence[UseSite] = (),
    budget: Budget | None = None,
) -> list[Finding]:
    """The rules over a file's call sites and uses, less what its comments suppress, with fixes
    materialized (while `budget` lasts)."""
    findings = [
        finding for site in sites for finding in check_site(site, repo_facts(site, models), tables, rules)
    ]
    findings = one_fix_for_every_value(findings, sites)
    findings += check_uses(uses, models, tables, rules)
    if data is None:  # a training recipe: loadlint never rewrites one
        return [dataclasses.replace(finding, fix=None) for finding in findings]
    text = decode(data).text
    unjudgeable = frozenset(
        line for site in sites if site.loads_model and facts_for(site, models) is None for line in lines_of(site.span)
    )
    findings = apply_suppressions(
        path, text, findings, judged_codes=frozenset(rule.code for rule in rules if not rule.runtime_only),
        unjudgeable_lines=unjudgeable,
    )
    fixes = materialize(text, [finding.fix for finding in findings], budget)
    return [dataclasses.replace(finding, fix=fix) for finding, fix in zip(findings, fixes)]


def one_fix_for_every_value(findings: list[Finding], sites: Sequence[CallSite]) -> list[Finding]:
    """A call that may load several ids keeps a fix only when one fix serves every id it loads, so
    a value that cannot be followed (it may need another class) holds the fix back too; each id's
    finding keeps its own advice and says why no fix is offered."""
    ids: dict[Span, set[str | None]] = defaultdict(set)  # None: a value that cannot be followed
    for site in sites:
        if site.loads_model and site.dynamic_kind != "object":
            ids[site.span].add(site.model_id)
    groups: dict[tuple[Span, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        groups[(finding.span, finding.code)].append(finding)
    kept = []
    for finding in findings:
        loaded = ids.get(finding.span, set())
        group = groups[(finding.span, finding.code)]
        shared = len({f.fix for f in group}) == 1 and {f.model_id for f in group} == loaded
        if len(loaded) <= 1 or finding.fix is None or shared:
            kept.append(finding)
            continue
        others = sorted(str(other) for other in loaded - {finding.model_id, None})
        reasons = [f"this call also loads {', '.join(f'`{other}`' for other in others)}"] if others else []
        if None in loaded:
            reasons.append("values loadlint cannot follow reach it (see the unresolved ids)")
        why = f"no fix: {' and '.join(reasons)}, which a single fix may not suit"
        advice = "; ".join(filter(None, [finding.suggestion, why]))
        kept.append(dataclasses.replace(finding, fix=None, suggestion=advice))
    return kept


def check_source(
    path: str,
    data: bytes,
    tables: Tables,
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    rules: Sequence[Rule],
    budget: Budget | None = None,
    outside: Callable[[list[FileReport]], None] | None = None,
) -> list[Finding]:
    """One file's findings from its bytes, with facts already resolved: the fix loop's re-check.
    `outside` puts in the values its loads take from config files and command lines, as the run did."""
    report = extract_file(path, data, loader_predicate(tables), libraries_read_by(rules))
    if report.error:
        raise ValueError(report.error)
    if outside is not None:
        outside([report])
    findings = check_file(path, data, report.sites, models, tables, rules, uses=report.uses, budget=budget)
    return sorted(findings, key=Finding.sort_key)


def _fix(
    file: SourceFile,
    findings: list[Finding],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    rules: Sequence[Rule],
    options: CheckOptions,
    result: CheckResult,
    budget: Budget,
) -> list[Finding]:
    """Fix one file (or compute its diff); the findings left are those no fix removed."""
    assert file.data is not None

    outside = outside_values(options.discovery)

    def recheck(data: bytes) -> list[Finding]:
        return check_source(file.path, data, tables, models, rules, budget, outside)

    outcome = fix_file(file.path, file.data, findings, recheck, unsafe=options.unsafe_fixes, budget=budget)
    if outcome.error:
        result.errors.append(outcome.error)
    if not outcome.changed:
        return findings
    try:
        fixed, diff = _fixed_file(file, outcome)
    except NotebookError as exc:
        result.errors.append(str(exc))
        return findings
    if options.fix == "diff":
        result.diffs.append(diff)
        return findings
    try:
        write_atomic(file.path, fixed)
    except OSError as exc:
        result.errors.append(f"{file.path}: cannot write the fixed file: {exc.strerror or exc}")
        return findings
    if file.notebook is not None:  # the findings left are placed in the fixed cells
        file.notebook = read_notebook(file.path, fixed)
    result.fixed.extend(outcome.applied)
    return outcome.remaining


def _fixed_file(file: SourceFile, outcome: FileFix) -> tuple[bytes, str]:
    """The fixed file's bytes and its diff; a notebook's fixed code goes back into the cells it changed."""
    if file.notebook is None:
        return outcome.fixed_bytes(), outcome.diff()
    sources = fixed_sources(file.notebook, outcome.after)
    return write_notebook(file.notebook, sources), cell_diff(file.notebook, sources)


def check_site(
    site: CallSite, model: ModelFacts | None, tables: Tables, rules: Sequence[Rule]
) -> list[Finding]:
    """The rules over one call; the facts of a repo that is no checkpoint go only to the rules that
    read its `layout`: to the others nothing is known of it."""
    checkpoint = model if model is None or model.layout is None else None
    return [
        finding for rule in rules for finding in rule.check(site, model if rule.reads_layout else checkpoint, tables)
    ]


def check_uses(
    uses: Sequence[UseSite],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    rules: Sequence[Rule],
) -> list[Finding]:
    """The rules over a file's uses of loaded objects (`model.generate`, `tokenizer(...)`)."""
    return [finding for use in uses for rule in rules for finding in rule.check_use(use, models, tables)]
