"""The order of the steps: discover -> extract -> resolve (once per id) -> rules.  No printing.

`extraction` reads the files (`reading`, through the content cache) and links the loads that depend
on parameters (`linking`); `judging` runs the rules and the fixes over each file."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from loadlint import __version__
from loadlint.cachedir import default_cache_dir
from loadlint.config import ConfigError
from loadlint.discover import find_lockfile
from loadlint.engine.cells import locate_in_cells
from loadlint.engine.extraction import Extraction, extract_paths
from loadlint.engine.judging import check_file, check_source, judge_file, libraries_read_by, one_fix_for_every_value
from loadlint.engine.options import DEFAULT_LIMITS, CheckOptions, FixMode, UsageError
from loadlint.engine.reading import SourceFile, loader_predicate
from loadlint.facts import CallSite, ModelFacts, ModelRef, Span, Unresolved, load_outcome
from loadlint.filecache import FileCache, code_stamp, fingerprint
from loadlint.findings import CheckResult, Finding, RuleInfo, UnresolvedUse
from loadlint.limits import deep_recursion
from loadlint.lockfile import LockfileError, read_lockfile
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.rules import ALL_RULES, Rule
from loadlint.source import decode
from loadlint.tables import Tables, TablesError, load_tables

__all__ = [
    "DEFAULT_LIMITS",
    "CheckOptions",
    "Extraction",
    "FixMode",
    "LockOutcome",
    "SourceFile",
    "UsageError",
    "check_file",
    "check_source",
    "extract_paths",
    "loader_predicate",
    "lock_paths",
    "one_fix_for_every_value",
    "run_check",
]


def tables_for(options: CheckOptions) -> Tables:
    try:
        return load_tables(options.transformers_dir)
    except TablesError as exc:
        raise UsageError(str(exc)) from None


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

    cache = _content_cache(options, tables)
    extraction = extract_paths(options.paths, tables, options.discovery, libraries_for, options.limits, cache)
    if cache is not None:
        cache.save()
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
                result.findings.extend(judge_file(file, models, tables, file_rules[file.path], options, result))
    result.findings.sort(key=Finding.sort_key)
    if options.runtime is not None:
        from loadlint.runtime.controller import confirm

        texts = {file.path: decode(file.data).text for file in extraction.files if file.data is not None}
        confirmation = confirm(result.findings, sites, models, tables, options.runtime, rules=file_rules, texts=texts)
        result.findings, result.runtime_calls = confirmation.findings, confirmation.calls
    locate_in_cells(result, {file.path: file.notebook for file in extraction.files if file.notebook is not None})
    return result


def _content_cache(options: CheckOptions, tables: Tables) -> FileCache | None:
    """The run's content cache, keyed by everything the records depend on besides each file."""
    if not options.content_cache:
        return None
    key = fingerprint(
        __version__, code_stamp(), json.dumps(tables.to_json(), sort_keys=True), options.limits.max_file_size
    )
    return FileCache.open(options.resolver.cache_dir or default_cache_dir(), os.getcwd(), key)


def rules_for(path: str, options: CheckOptions) -> tuple[Rule, ...]:
    """The rules one file is checked with: its configuration's selection, else the options' rules."""
    if options.codes_for is None:
        return options.rules
    try:
        codes = options.codes_for(path)
    except ConfigError as exc:  # a nested config that is invalid
        raise UsageError(str(exc)) from None
    return tuple(rule for rule in ALL_RULES if rule.code in codes)


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
        return resolve_all(refs, settings, tokenizer_refs(sites))
    except LockfileError as exc:
        raise UsageError(str(exc)) from None


TOKENIZER_READERS = frozenset({"AutoTokenizer", "AutoProcessor"})  # the classes that read tokenizer_config.json


def tokenizer_refs(sites: Sequence[CallSite]) -> frozenset[ModelRef]:
    """The ids a tokenizer is loaded from: their tokenizer_config.json decides what AutoTokenizer builds,
    and what AutoProcessor falls back to."""
    return frozenset(site.ref for site in sites if site.ref is not None and site.loader in TOKENIZER_READERS)


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
        outcome = load_outcome(site, resolved)  # a `gguf_file=` load may be unresolved on a resolved repo
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
            known = site.dynamic_kind == "object" or isinstance(load_outcome(site, resolved), ModelFacts)
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
    resolved = resolve_all(refs, dataclasses.replace(options.resolver, lockfile=None), tokenizer_refs(extraction.sites))
    locked = [facts for facts in resolved.values() if isinstance(facts, ModelFacts) and facts.source != "local"]
    write_lockfile(path, locked)
    return LockOutcome(path, locked, unresolved_uses(extraction.sites, resolved), extraction.errors)
