"""What the language server knows and does, without the protocol: the workspace's configuration,
tables and resolved facts, and linting, fixing and describing one document's text.

A document is checked on its own text (unsaved edits included), with the in-file reach of `check`
(constants, helpers, loops and dataclasses of that file); the loads that depend on other files'
callers are reported by `loadlint check`.  Facts come first from what needs no network (local
folders, the lockfile, the facts cache, the HF cache); ids still missing are resolved from the Hub
in the background (`resolve_online`), and the documents that use them are checked again."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from loadlint.config import ConfigError, RunConfig, settings_for_run
from loadlint.discover import find_lockfile
from loadlint.engine import tokenizer_refs
from loadlint.engine.extraction import outside_values
from loadlint.engine.judging import check_file, check_source, libraries_read_by
from loadlint.engine.linking import link_parameters
from loadlint.engine.reading import Extractor, SourceFile, loader_predicate
from loadlint.extract import extract_file
from loadlint.facts import CallSite, FileReport, ModelFacts, ModelRef, Unresolved
from loadlint.findings import Finding
from loadlint.fixer import fix_file
from loadlint.limits import FileLimits
from loadlint.notebook import Notebook, notebook_of_cells
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.rules import ALL_RULES, Rule
from loadlint.tables import Tables, TablesError, load_tables

NEEDS_THE_HUB = "offline-not-cached"  # the reason an id resolved without the network is still missing


@dataclass(frozen=True)
class ClientSettings:
    """What the editor may set (`initializationOptions`, `workspace/didChangeConfiguration`), over
    `[tool.loadlint]`: None leaves the configuration's value."""

    offline: bool | None = None
    lockfile: str | None = None
    transformers: str | None = None

    @classmethod
    def parse(cls, given: object) -> ClientSettings:
        """The settings in a client's JSON object (its `loadlint` section, or the object itself);
        unknown keys and values of the wrong type are ignored, as editors send what they hold."""
        if isinstance(given, dict) and isinstance(given.get("loadlint"), dict):
            given = given["loadlint"]
        if not isinstance(given, dict):
            return cls()
        offline = given.get("offline")
        return cls(
            offline=offline if isinstance(offline, bool) else None,
            lockfile=given["lockfile"] if isinstance(given.get("lockfile"), str) else None,
            transformers=given["transformers"] if isinstance(given.get("transformers"), str) else None,
        )


@dataclass
class Lint:
    """One document's check: its findings and extraction, or the error that stopped it."""

    findings: list[Finding] = field(default_factory=list)
    report: FileReport | None = None
    error: str | None = None


class Session:
    """The workspace one server serves.  `reload` re-reads the configuration (pyproject.toml changed)."""

    def __init__(self, root: Path, client: ClientSettings = ClientSettings()) -> None:
        self.root = root
        self.client = client
        self.models: dict[ModelRef, ModelFacts | Unresolved] = {}
        self._lock = threading.Lock()  # `models` is filled by the check thread and the Hub's
        self._last: dict[str, tuple[tuple, FileReport]] = {}  # each document's last code and records
        self.config_error: str | None = None
        self.reload()

    def reload(self, client: ClientSettings | None = None) -> None:
        """Re-read `[tool.loadlint]` and the tables; the facts resolved so far stay valid (a config
        says nothing about what a repo holds), unless the lockfile changed."""
        self.client = client or self.client
        try:
            self.run: RunConfig | None = settings_for_run([str(self.root)])
            self.config_error = None
        except ConfigError as exc:
            self.run = None  # no rule runs until the configuration is valid again
            self.config_error = str(exc)
        settings = self.run.settings if self.run is not None else None
        transformers = self.client.transformers or (settings.transformers if settings else None)
        try:
            self.tables: Tables = load_tables(Path(transformers) if transformers else None)
        except TablesError as exc:
            self.config_error = str(exc)
            self.tables = load_tables(None)
        lockfile = self.client.lockfile or (settings.lockfile if settings else None)
        offline = self.client.offline if self.client.offline is not None else bool(settings and settings.offline)
        timeout = settings.timeout if settings and settings.timeout else ResolverSettings.timeout
        self.resolver = ResolverSettings(
            offline=offline,
            lockfile=Path(lockfile) if lockfile else find_lockfile([str(self.root)], self.root),
            timeout=timeout,
            cwd=self.root,
        )
        size = settings.max_file_size if settings else None
        self.limits = FileLimits(max_file_size=size) if size else FileLimits()
        with self._lock:
            self.models.clear()
        self._last = {}  # the tables or the libraries read may have changed

    def rules_for(self, path: str) -> tuple[Rule, ...]:
        if self.run is None:
            return ()
        try:
            codes = self.run.codes_for(path)
        except ConfigError as exc:
            self.config_error = str(exc)
            return ()
        return tuple(rule for rule in ALL_RULES if rule.code in codes and not rule.runtime_only)

    def lint(self, path: str, text: str) -> Lint:
        """The document's findings with the facts known now (resolving, without the network, the ids
        it names that were not asked for yet)."""
        rules = self.rules_for(path)
        data = text.encode("utf-8")
        report = self._extracted(path, text, data, rules)
        if report.error is not None:
            return Lint(error=report.error)
        self.resolve_offline(report.sites)
        findings = check_file(path, data, report.sites, self.models, self.tables, rules, uses=report.uses)
        return Lint(sorted(findings, key=Finding.sort_key), report)

    def _extracted(self, path: str, text: str, data: bytes, rules: tuple[Rule, ...]) -> FileReport:
        """The document's records, reused when only comments changed since the last check (the
        typing a comment costs no libcst pass); the rules still see the new comments."""
        signature = (code_signature(text), libraries_read_by(rules))
        last = self._last.get(path)
        if last is not None and signature[0] is not None and last[0] == signature:
            return last[1]
        libraries = signature[1]
        report = extract_file(path, data, loader_predicate(self.tables), libraries, self.limits.max_file_size)
        if report.error is None and self.run is not None:  # the reach `check` has within one file
            extractor = Extractor(loader_predicate(self.tables), lambda _: libraries, self.limits)
            link_parameters([SourceFile(report, data)], str(self.root), extractor)
            self._outside()([report])
        self._last[path] = (signature, report)
        return report

    def _outside(self) -> Callable[[list[FileReport]], None]:
        """What puts in the values a document's loads read from config files and command lines."""
        assert self.run is not None
        return outside_values(self.run.discovery)

    def forget(self, path: str) -> None:
        self._last.pop(path, None)

    def lint_cells(self, path: str, sources: dict[int, str]) -> tuple[Lint, Notebook]:
        """A notebook's check, from its code cells' sources by position: one module, as `check` reads it."""
        notebook = notebook_of_cells(path, sources)
        return self.lint(path, notebook.code), notebook

    def resolve_offline(self, sites: Iterable[CallSite]) -> None:
        with self._lock:
            refs = sorted({site.ref for site in sites if site.ref is not None} - self.models.keys())
        if refs:
            offline = dataclasses.replace(self.resolver, offline=True)
            found = resolve_all(refs, offline, tokenizer_refs(list(sites)))
            with self._lock:
                self.models.update(found)

    def missing(self) -> list[ModelRef]:
        """The ids asked for that nothing but the Hub knows."""
        with self._lock:
            known = list(self.models.items())
        return sorted(ref for ref, found in known if isinstance(found, Unresolved) and found.reason == NEEDS_THE_HUB)

    def waiting_for_the_hub(self) -> list[ModelRef]:
        """The ids the Hub may still answer for: missing offline, and the workspace is not offline."""
        return [] if self.resolver.offline else self.missing()

    def resolve_online(
        self, refs: list[ModelRef], sites: Iterable[CallSite] = ()
    ) -> dict[ModelRef, ModelFacts | Unresolved]:
        """Ask the Hub for `refs` (blocking: the server runs this in a thread) and keep the answers."""
        found = resolve_all(refs, self.resolver, tokenizer_refs(list(sites)))
        with self._lock:
            self.models.update(found)
        return found

    def fix_all(self, path: str, text: str, unsafe: bool = False) -> str | None:
        """The document with every applicable fix applied (re-checked as `--fix` does), or None."""
        lint = self.lint(path, text)
        if lint.report is None or not lint.findings:
            return None
        rules = self.rules_for(path)
        outcome = fix_file(
            path,
            text.encode("utf-8"),
            lint.findings,
            lambda data: check_source(path, data, self.tables, self.models, rules, outside=self._outside()),
            unsafe=unsafe,
        )
        return outcome.after if outcome.changed and outcome.error is None else None

    def facts(self, ref: ModelRef) -> ModelFacts | Unresolved | None:
        return self.models.get(ref)


def code_signature(text: str) -> tuple | None:
    """The tokens of the code with the comments left out: equal for two texts that differ only in
    comments (which move no code token), None when the text does not tokenize."""
    import io
    import tokenize

    layout = {tokenize.NEWLINE, tokenize.NL}
    try:
        return tuple(
            (token.type, token.start[0]) if token.type in layout else (token.type, token.string, token.start, token.end)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type != tokenize.COMMENT
        )
    except (tokenize.TokenError, SyntaxError):
        return None


def path_of(uri: str) -> str:
    """A `file://` URI as a path; any other scheme as it is (an untitled buffer is still checked)."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    return os.path.normpath(unquote(parsed.path)) if parsed.scheme == "file" else uri


def used_refs(report: FileReport | None) -> Mapping[ModelRef, None]:
    return dict.fromkeys(site.ref for site in (report.sites if report else ()) if site.ref is not None)
