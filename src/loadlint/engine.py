"""The order of the steps: discover -> extract -> resolve (once per id) -> rules.  No printing."""

from __future__ import annotations

import dataclasses
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loadlint import __version__
from loadlint.config import ConfigError
from loadlint.discover import DiscoveryOptions, find_lockfile, os_error_reason, python_files
from loadlint.extract import (
    ALL_LIBRARIES,
    MODEL_LIBRARIES,
    extract_calls,
    extract_file,
    extract_fixtures,
    is_removed_auto_class,
    link,
    passed_on,
    wanted_names,
)
from loadlint.extract.imports import imported_files
from loadlint.extract.project import MAX_DEPTH, is_test
from loadlint.facts import (
    CallRecord,
    CallSite,
    FileReport,
    Known,
    ModelFacts,
    ModelRef,
    Span,
    Unknown,
    Unresolved,
    UseSite,
    facts_for,
)
from loadlint.findings import CheckResult, Finding, RuleInfo, UnresolvedUse
from loadlint.fixer import fix_file
from loadlint.fixes import applies
from loadlint.limits import Budget, BudgetSpent, FileFailure, FileLimits, deep_recursion, stage
from loadlint.lockfile import LockfileError, read_lockfile
from loadlint.materialize import materialize
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.rules import ALL_RULES, DEFAULT_RULES, Rule
from loadlint.source import decode, read_source, write_atomic
from loadlint.suppress import apply_suppressions, lines_of, may_name_own_code
from loadlint.tables import Tables, TablesError, load_tables

if TYPE_CHECKING:
    from loadlint.runtime import RuntimeOptions


class UsageError(Exception):
    """A problem with the run itself (paths, lockfile, tables): exit code 2, one line."""


FixMode = Literal["apply", "diff"]
DEFAULT_LIMITS = FileLimits()


@dataclass(frozen=True)
class CheckOptions:
    paths: Sequence[str] = (".",)
    resolver: ResolverSettings = field(default_factory=ResolverSettings)
    lockfile: Path | None = None  # None: the nearest loadlint.lock, if any
    locked: bool = False  # every Hub id must be in the lockfile; nothing else is consulted
    transformers_dir: Path | None = None
    rules: tuple[Rule, ...] = DEFAULT_RULES  # the rules for every file, unless `codes_for` says
    codes_for: Callable[[str], frozenset[str]] | None = None  # per file: its config's selection
    discovery: DiscoveryOptions = field(default_factory=DiscoveryOptions)
    fix: FixMode | None = None  # write the fixes, or only compute their diff
    unsafe_fixes: bool = False
    runtime: RuntimeOptions | None = None  # --runtime: confirm the findings by building/loading the models
    limits: FileLimits = DEFAULT_LIMITS  # what one file may cost


@dataclass
class SourceFile:
    """One checked file: its extraction, and its bytes when a later step reads them again (it has
    call sites to fix, or suppression comments to honour)."""

    report: FileReport
    data: bytes | None = None

    @property
    def path(self) -> str:
        return self.report.path


@dataclass
class Extraction:
    """The files of a set of paths with their call sites, and the files that could not be read."""

    files: list[SourceFile]
    errors: list[str]

    @property
    def sites(self) -> list[CallSite]:
        return [site for file in self.files for site in file.report.sites]


def tables_for(options: CheckOptions) -> Tables:
    try:
        return load_tables(options.transformers_dir)
    except TablesError as exc:
        raise UsageError(str(exc)) from None


def loader_predicate(tables: Tables) -> Callable[[str], bool]:
    """Which transformers names load from a model repo: the tables' Auto, model, tokenizer and config
    classes, plus removed Auto classes."""

    def is_loader(name: str) -> bool:
        return (
            name in tables.loader_classes
            or bool(tables.model_types_for_class(name))
            or name in tables.tokenizer_classes
            or tables.is_config_class(name)
            or is_removed_auto_class(name)
        )

    return is_loader


def extract_paths(
    paths: Sequence[str],
    tables: Tables,
    discovery: DiscoveryOptions,
    libraries_for: Callable[[str], frozenset[str]] = lambda path: MODEL_LIBRARIES,
    limits: FileLimits = DEFAULT_LIMITS,
) -> Extraction:
    """Extract every file; a path or file that cannot be read, parsed or extracted becomes one error
    line, in path order, and the others are still extracted.  `libraries_for(path)`: whose loading
    calls to look for there (downloads only when LL031 runs)."""
    errors: list[str] = []
    is_loader = loader_predicate(tables)
    files = []
    with deep_recursion():
        for path in python_files(paths, discovery, on_error=errors.append):
            file = _extract_one(path, is_loader, libraries_for(path), limits)
            files.append(file)
            if file.report.error:
                errors.append(file.report.error)
    named = {os.path.abspath(path) for path in paths if os.path.isfile(path)}
    helpers = _helpers_called_from(files, named, discovery, is_loader, libraries_for, limits)
    _follow_parameters(files + helpers, str(discovery.root or os.getcwd()), is_loader, limits)
    return Extraction(files=files + _reached_from(helpers, named), errors=errors)


def _helpers_called_from(
    files: list[SourceFile],
    named: set[str],
    discovery: DiscoveryOptions,
    is_loader: Callable[[str], bool],
    libraries_for: Callable[[str], frozenset[str]],
    limits: FileLimits,
) -> list[SourceFile]:
    """The project modules that files named on the command line import, when they are not checked
    themselves and hold a load whose id is a parameter: a pre-commit run names only the changed file,
    and the wrong class may sit in the helper it calls."""
    checked = {os.path.abspath(file.path) for file in files}
    root = str(discovery.root or os.getcwd())
    roots = (root, os.path.join(root, "src"))
    wanted: dict[str, None] = {}
    for file in files:
        if os.path.abspath(file.path) in named and file.report.error is None:
            data = file.data if file.data is not None else _read_quietly(file.path)
            if data is not None:
                for path in imported_files(file.path, data, roots):
                    if path not in checked:
                        wanted.setdefault(path)
    helpers = [_extract_one(_shown(path), is_loader, libraries_for(_shown(path)), limits) for path in wanted]
    return [helper for helper in helpers if any(site.origin is not None for site in helper.report.sites)]


def _reached_from(helpers: list[SourceFile], named: set[str]) -> list[SourceFile]:
    """The helpers' loads of the values that the named files pass (the others are no business of this run)."""
    for helper in helpers:
        helper.report.sites = [
            site for site in helper.report.sites if any(os.path.abspath(step.path) in named for step in site.trace)
        ]
    return [helper for helper in helpers if helper.report.sites]


def _shown(path: str) -> str:
    """A path as the run prints it: relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _follow_parameters(
    files: list[SourceFile], root: str, is_loader: Callable[[str], bool], limits: FileLimits
) -> None:
    """Link the loads whose id is a function's parameter to the values the function's callers pass
    (for a test: the fixtures of the conftest.py files above it, up to `root`).

    Only files whose bytes call one of those functions by name are parsed for their calls; a caller that
    passes its own parameter adds its function's name for the next round (MAX_DEPTH rounds)."""
    origins = [site.origin for file in files for site in file.report.sites if site.origin is not None]
    if not origins:
        return
    calls: list[CallRecord] = _conftest_fixtures(files, root, is_loader, limits)
    names, looked = wanted_names(origins), set()
    contents = {  # read once for every round; a file that failed was reported already
        file.path: file.data if file.data is not None else _read_quietly(file.path)
        for file in files
        if file.report.error is None
    }
    for _ in range(MAX_DEPTH):
        names -= looked
        if not names:
            break
        looked |= names
        # A call names the function and opens its arguments: `load(`, not `loader` or `download`.
        called = re.compile(rb"\b(?:" + b"|".join(re.escape(name.encode()) for name in sorted(names)) + rb")\s*\(")
        for path, data in contents.items():
            if data is not None and called.search(data):
                calls += extract_calls(path, data, is_loader, frozenset(names), limits.budget())
        names = set(wanted_names(passed_on(calls)))
    link([file.report for file in files], calls)


def _conftest_fixtures(
    files: list[SourceFile], root: str, is_loader: Callable[[str], bool], limits: FileLimits
) -> list[CallRecord]:
    """pytest gives a test's parameter the value of the fixture of that name in the nearest conftest.py
    above the test: each such fixture becomes a call of the test with its values."""
    tests = {
        (file.path, site.origin): None
        for file in files
        for site in file.report.sites
        if site.origin is not None and site.origin.caller is None and is_test(site.origin.function)
    }
    names = frozenset(origin.param for _, origin in tests)
    fixtures_in: dict[str, dict[str, tuple[Span, list[Known | Unknown]]]] = {}
    records = []
    for path, origin in tests:
        for conftest in _conftests_above(path, root):
            if conftest not in fixtures_in:
                data = _read_quietly(conftest)
                found = {} if data is None else extract_fixtures(conftest, data, is_loader, names, limits.budget())
                fixtures_in[conftest] = found
            fixture = fixtures_in[conftest].get(origin.param)
            if fixture is not None:
                span, values = fixture
                passed = ((origin.param, tuple(values)),)
                records.append(CallRecord(conftest, span, origin.function, 0, keywords=passed))
                break
    return records


def _conftests_above(path: str, root: str) -> Iterator[str]:
    """The conftest.py files from the test's folder up to `root` (only its own folder outside `root`)."""
    folder, top = os.path.dirname(os.path.abspath(path)), os.path.abspath(root)
    while True:
        candidate = os.path.join(folder, "conftest.py")
        if os.path.isfile(candidate):
            yield _shown(candidate)
        parent = os.path.dirname(folder)
        if folder == top or parent == folder or not (parent + os.sep).startswith(top.rstrip(os.sep) + os.sep):
            return
        folder = parent


def _read_quietly(path: str) -> bytes | None:
    """A file's bytes for the search for callers; one that cannot be read now was reported already."""
    try:
        return read_source(path)
    except OSError:
        return None


def libraries_read_by(rules: Sequence[Rule]) -> frozenset[str]:
    """The libraries whose calls the rules judge: hub downloads and datasets only for a rule that
    reads them, so the default run never parses a file for its `hf_hub_download` calls."""
    return ALL_LIBRARIES if any(rule.reads_downloads for rule in rules) else MODEL_LIBRARIES


def _extract_one(
    path: str, is_loader: Callable[[str], bool], libraries: frozenset[str], limits: FileLimits
) -> SourceFile:
    try:
        data = read_source(path)
    except OSError as exc:
        return SourceFile(FileReport(path, error=f"{path}: cannot read the file: {os_error_reason(exc)}"))
    budget = limits.budget()
    try:
        with stage(path, "extract"):
            report = extract_file(path, data, is_loader, libraries, limits.max_file_size, budget)
            keep = report.error is None and bool(report.sites or report.uses or may_name_own_code(data))
    except FileFailure as exc:
        return SourceFile(FileReport(path, error=str(exc)))
    except BudgetSpent:
        return SourceFile(FileReport(path, error=f"{budget.report(path)}: its calls are not checked"))
    return SourceFile(report, data if keep else None)


def resolver_settings(options: CheckOptions) -> ResolverSettings:
    """The lockfile to read, and in `--locked` mode nothing but the lockfile and local folders."""
    lockfile = options.lockfile or find_lockfile(options.paths, options.resolver.cwd or Path.cwd())
    settings = dataclasses.replace(options.resolver, lockfile=lockfile)
    if options.locked:
        settings = dataclasses.replace(settings, offline=True, use_facts_cache=False)
    return settings


def check_locked(refs: Iterable[ModelRef], settings: ResolverSettings) -> None:
    """`--locked`: every id that is not a local folder must be in the lockfile."""
    from loadlint.resolve.local import resolve_local

    locked = read_lockfile(settings.lockfile) if settings.lockfile else {}
    cwd = settings.cwd or Path.cwd()
    missing = sorted(str(ref) for ref in refs if ref not in locked and resolve_local(ref, cwd) is None)
    if missing:
        where = settings.lockfile or "loadlint.lock (not found)"
        raise UsageError(f"{where}: missing {len(missing)} id(s): {', '.join(missing)}; run `loadlint lock`")


def run_check(options: CheckOptions) -> CheckResult:
    tables = tables_for(options)
    file_rules: dict[str, tuple[Rule, ...]] = {}  # each file's rules, decided once as it is extracted

    def libraries_for(path: str) -> frozenset[str]:
        file_rules[path] = rules_for(path, options)
        return libraries_read_by(file_rules[path])

    extraction = extract_paths(options.paths, tables, options.discovery, libraries_for, options.limits)
    sites = extraction.sites
    ran = tuple(dict.fromkeys(rule for rules in file_rules.values() for rule in rules))  # in order, once
    options = dataclasses.replace(options, rules=ran)
    result = CheckResult(
        loadlint_version=__version__,
        transformers_version=tables.transformers_version,
        transformers_origin=tables.origin,
        files=len(extraction.files),
        call_sites=len({(site.path, site.span) for site in sites}),
        errors=extraction.errors,
        rules=tuple(RuleInfo(r.code, r.name, r.severity, r.summary, r.docs()) for r in options.rules),
    )
    models = resolve_sites(sites, options)
    result.unresolved = unresolved_uses(sites, models)
    result.loads, result.checked = reach(sites, models)
    with deep_recursion():
        for file in extraction.files:
            if file.data is not None or file.report.sites:
                result.findings.extend(_judge(file, models, tables, file_rules[file.path], options, result))
    result.findings.sort(key=Finding.sort_key)
    if options.runtime is not None:
        from loadlint.runtime.controller import confirm

        texts = {file.path: decode(file.data).text for file in extraction.files if file.data is not None}
        confirmation = confirm(result.findings, sites, models, tables, options.runtime, rules=file_rules, texts=texts)
        result.findings, result.runtime_calls = confirmation.findings, confirmation.calls
    return result


def _judge(
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
        finding for site in sites for finding in check_site(site, facts_for(site, models), tables, rules)
    ]
    findings = one_fix_for_every_value(findings, sites)
    findings += check_uses(uses, models, tables, rules)
    if data is None:
        return findings
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
) -> list[Finding]:
    """One file's findings from its bytes, with facts already resolved: the fix loop's re-check."""
    report = extract_file(path, data, loader_predicate(tables), libraries_read_by(rules))
    if report.error:
        raise ValueError(report.error)
    findings = check_file(path, data, report.sites, models, tables, rules, uses=report.uses, budget=budget)
    return sorted(findings, key=Finding.sort_key)


def rules_for(path: str, options: CheckOptions) -> tuple[Rule, ...]:
    """The rules one file is checked with: its configuration's selection, else the options' rules."""
    if options.codes_for is None:
        return options.rules
    try:
        codes = options.codes_for(path)
    except ConfigError as exc:  # a nested config that is invalid
        raise UsageError(str(exc)) from None
    return tuple(rule for rule in ALL_RULES if rule.code in codes)


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

    def recheck(data: bytes) -> list[Finding]:
        return check_source(file.path, data, tables, models, rules, budget)

    outcome = fix_file(file.path, file.data, findings, recheck, unsafe=options.unsafe_fixes, budget=budget)
    if outcome.error:
        result.errors.append(outcome.error)
    if not outcome.changed:
        return findings
    if options.fix == "diff":
        result.diffs.append(outcome.diff())
        return findings
    try:
        write_atomic(file.path, outcome.fixed_bytes())
    except OSError as exc:
        result.errors.append(f"{file.path}: cannot write the fixed file: {exc.strerror or exc}")
        return findings
    result.fixed.extend(outcome.applied)
    return outcome.remaining


def resolve_sites(
    sites: Sequence[CallSite], options: CheckOptions
) -> dict[ModelRef, ModelFacts | Unresolved]:
    refs = sorted({site.ref for site in sites if site.ref is not None})
    if not refs or not (options.runtime or any(rule.needs_model for rule in options.rules)):
        return {}
    settings = resolver_settings(options)
    try:
        if options.locked:
            check_locked(refs, settings)
        return resolve_all(refs, settings)
    except LockfileError as exc:
        raise UsageError(str(exc)) from None


def check_site(
    site: CallSite, model: ModelFacts | None, tables: Tables, rules: Sequence[Rule]
) -> list[Finding]:
    return [finding for rule in rules for finding in rule.check(site, model, tables)]


def check_uses(
    uses: Sequence[UseSite],
    models: Mapping[ModelRef, ModelFacts | Unresolved],
    tables: Tables,
    rules: Sequence[Rule],
) -> list[Finding]:
    """The rules over a file's uses of loaded objects (`model.generate`, `tokenizer(...)`)."""
    return [finding for use in uses for rule in rules for finding in rule.check_use(use, models, tables)]


def unresolved_uses(
    sites: Sequence[CallSite], resolved: dict[ModelRef, ModelFacts | Unresolved]
) -> list[UnresolvedUse]:
    """One entry per id that failed (at its first use), and one per call value that is dynamic (a
    model object is not an id: its own load is the one that counts); calls that load no model
    (downloads, datasets) are never resolved, so never unresolved."""
    uses: list[UnresolvedUse] = []
    seen: set[ModelRef] = set()
    for site in sites:
        if not site.loads_model or site.dynamic_kind == "object":
            continue
        if site.ref is None:
            if site.model_expr is not None or site.revision_dynamic or site.dynamic_kind is not None:
                what = f"`{site.model_expr}`" if site.model_id is None else "the revision"
                dynamic = Unresolved(None, "dynamic", site.dynamic_detail or f"{what} is not a constant")
                uses.append(UnresolvedUse.at(site, dynamic, site.dynamic_kind or "computed"))
            continue
        outcome = resolved.get(site.ref)
        if isinstance(outcome, Unresolved) and site.ref not in seen:
            seen.add(site.ref)
            uses.append(UnresolvedUse.at(site, outcome))
    return uses


def reach(sites: Sequence[CallSite], resolved: Mapping[ModelRef, ModelFacts | Unresolved]) -> tuple[int, int]:
    """How many model-loading calls the code makes, and how many of them were judged on every id they
    may load (a model object passed to `pipeline` counts as judged: its own load is)."""
    judged: dict[tuple[str, Span], bool] = {}
    for site in sites:
        if site.loads_model:
            known = site.dynamic_kind == "object" or isinstance(resolved.get(site.ref), ModelFacts)  # type: ignore[arg-type]
            judged[(site.path, site.span)] = judged.get((site.path, site.span), True) and known
    return len(judged), sum(judged.values())


@dataclass
class LockOutcome:
    path: Path
    locked: list[ModelFacts]
    unresolved: list[UnresolvedUse]
    errors: list[str]

    @property
    def failed(self) -> bool:
        """Ids that exist in the code but could not be locked (dynamic ones cannot be, by nature)."""
        return bool(self.errors) or any(use.reason != "dynamic" for use in self.unresolved)


def lock_paths(options: CheckOptions) -> LockOutcome:
    """Resolve every id under the paths afresh (the old lockfile is not a source) and write them."""
    from loadlint.lockfile import write_lockfile

    tables = tables_for(options)
    extraction = extract_paths(options.paths, tables, options.discovery)
    cwd = options.resolver.cwd or Path.cwd()
    path = options.lockfile or find_lockfile(options.paths, cwd) or cwd / "loadlint.lock"
    refs = sorted({site.ref for site in extraction.sites if site.ref is not None})
    resolved = resolve_all(refs, dataclasses.replace(options.resolver, lockfile=None))
    locked = [facts for facts in resolved.values() if isinstance(facts, ModelFacts) and facts.source != "local"]
    write_lockfile(path, locked)
    return LockOutcome(path, locked, unresolved_uses(extraction.sites, resolved), extraction.errors)
