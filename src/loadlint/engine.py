"""The order of the steps: discover -> extract -> resolve (once per id) -> rules.  No printing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loadlint import __version__
from loadlint.discover import PathError, find_lockfile, python_files
from loadlint.extract import extract_file, is_removed_auto_class
from loadlint.facts import CallSite, FileReport, ModelFacts, ModelRef, Unresolved
from loadlint.findings import CheckResult, Finding, UnresolvedUse
from loadlint.lockfile import LockfileError, read_lockfile
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.rules import ALL_RULES, Rule
from loadlint.tables import Tables, TablesError, load_tables


class UsageError(Exception):
    """A problem with the run itself (paths, lockfile, tables): exit code 2, one line."""


@dataclass(frozen=True)
class CheckOptions:
    paths: Sequence[str] = (".",)
    resolver: ResolverSettings = field(default_factory=ResolverSettings)
    lockfile: Path | None = None  # None: the nearest loadlint.lock, if any
    locked: bool = False  # every Hub id must be in the lockfile; nothing else is consulted
    transformers_dir: Path | None = None
    rules: tuple[Rule, ...] = ALL_RULES


@dataclass
class Extraction:
    """The call sites of a set of paths, and the files that could not be read."""

    files: int
    sites: list[CallSite]
    errors: list[str]


def tables_for(options: CheckOptions) -> Tables:
    try:
        return load_tables(options.transformers_dir)
    except TablesError as exc:
        raise UsageError(str(exc)) from None


def extract_paths(paths: Sequence[str], tables: Tables) -> Extraction:
    """Extract every file; a file that cannot be read or parsed becomes one error line."""

    def is_loader(name: str) -> bool:
        return (
            name in tables.loader_classes
            or bool(tables.model_types_for_class(name))
            or is_removed_auto_class(name)
        )

    try:
        files = list(python_files(paths))
    except PathError as exc:
        raise UsageError(str(exc)) from None
    reports = [_extract_one(path, is_loader) for path in files]
    return Extraction(
        files=len(files),
        sites=[site for report in reports for site in report.sites],
        errors=[report.error for report in reports if report.error],
    )


def _extract_one(path: str, is_loader: Callable[[str], bool]) -> FileReport:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return FileReport(path, error=f"{path}: cannot read the file: {exc.strerror or exc}")
    return extract_file(path, data, is_loader)


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
    extraction = extract_paths(options.paths, tables)
    result = CheckResult(
        loadlint_version=__version__,
        transformers_version=tables.transformers_version,
        transformers_origin=tables.origin,
        files=extraction.files,
        call_sites=len(extraction.sites),
        errors=extraction.errors,
    )
    resolved = resolve_sites(extraction.sites, options)
    result.unresolved = unresolved_uses(extraction.sites, resolved)
    for site in extraction.sites:
        model = resolved.get(site.ref) if site.ref else None
        facts = model if isinstance(model, ModelFacts) else None
        result.findings.extend(check_site(site, facts, tables, options.rules))
    result.findings.sort(key=Finding.sort_key)
    return result


def resolve_sites(
    sites: Sequence[CallSite], options: CheckOptions
) -> dict[ModelRef, ModelFacts | Unresolved]:
    refs = sorted({site.ref for site in sites if site.ref is not None})
    if not refs or not any(rule.needs_model for rule in options.rules):
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


def unresolved_uses(
    sites: Sequence[CallSite], resolved: dict[ModelRef, ModelFacts | Unresolved]
) -> list[UnresolvedUse]:
    """One entry per id that failed (at its first use), and one per call whose id is dynamic."""
    uses: list[UnresolvedUse] = []
    seen: set[ModelRef] = set()
    for site in sites:
        if site.ref is None:
            if site.model_expr is not None or site.revision_dynamic:
                what = f"`{site.model_expr}`" if site.model_id is None else "the revision"
                uses.append(UnresolvedUse.at(site, Unresolved(None, "dynamic", f"{what} is not a constant")))
            continue
        outcome = resolved.get(site.ref)
        if isinstance(outcome, Unresolved) and site.ref not in seen:
            seen.add(site.ref)
            uses.append(UnresolvedUse.at(site, outcome))
    return uses


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
    extraction = extract_paths(options.paths, tables)
    cwd = options.resolver.cwd or Path.cwd()
    path = options.lockfile or find_lockfile(options.paths, cwd) or cwd / "loadlint.lock"
    refs = sorted({site.ref for site in extraction.sites if site.ref is not None})
    resolved = resolve_all(refs, dataclasses.replace(options.resolver, lockfile=None))
    locked = [facts for facts in resolved.values() if isinstance(facts, ModelFacts) and facts.source != "local"]
    write_lockfile(path, locked)
    return LockOutcome(path, locked, unresolved_uses(extraction.sites, resolved), extraction.errors)
