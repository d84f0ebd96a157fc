"""The LSP wiring: documents in, diagnostics, code actions and hovers out (pygls, over stdio).

Checks run on the event loop after a short debounce (a keystroke cancels the check it would
overtake); the Hub is asked from a worker thread, and the documents using the ids it answered for
are checked again when it does.  A document that does not parse keeps its last diagnostics.

A notebook (LSP 3.17 notebook synchronization) is checked as one module of its code cells, as
`loadlint check` checks an .ipynb file; each finding, fix edit and hover is placed in its cell."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from loadlint import __version__
from loadlint.add_noqa import with_noqa
from loadlint.config import SETTINGS_FILES
from loadlint.facts import ModelFacts, ModelRef, Span, Unresolved
from loadlint.findings import Finding
from loadlint.fixes import Edit
from loadlint.model_info import describe
from loadlint.notebook import Notebook, NotebookError
from loadlint.notebook.write import fixed_sources
from loadlint.server import convert
from loadlint.server.session import ClientSettings, Lint, Session, path_of, used_refs

DEBOUNCE = 0.05  # seconds of quiet typing before a changed document is checked
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            notebook="jupyter-notebook", cells=[types.NotebookCellLanguage(language="python")]
        )
    ],
    save=True,
)


@dataclass(frozen=True)
class _Shown:
    """A finding as checked (in the module's lines), where it is shown, and the diagnostic sent."""

    finding: Finding
    span: Span  # in the document or cell it is shown in
    diagnostic: types.Diagnostic


@dataclass(frozen=True)
class _Snapshot:
    """A document's text (a notebook's code cells' texts, by URI, and the cells by position) at one version."""

    version: int | None
    texts: dict[str, str]
    cells: dict[int, str] | None = None


@dataclass
class _Open:
    """What the server last checked and told the client about one document or notebook.  `cells`:
    a notebook's code cells' URIs, by position; `notebook`: the module its cells made."""

    lint: Lint = field(default_factory=Lint)
    text: str = ""
    pending: asyncio.TimerHandle | None = None
    error: str | None = None
    notebook: Notebook | None = None
    cells: dict[int, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # each URI's text, as checked
    shown: dict[str, list[_Shown]] = field(default_factory=dict)  # by URI
    logged: set[str] = field(default_factory=set)  # the cells' syntax errors said already


class LoadlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "loadlint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=NOTEBOOK_SYNC,
        )
        self.session: Session | None = None
        self.open: dict[str, _Open] = {}  # by document or notebook URI
        self.notebook_of: dict[str, str] = {}  # a cell's URI -> its notebook's
        self.asking: set[ModelRef] = set()  # ids the Hub is being asked for
        self.told: set[str] = set()  # the messages shown once per session
        self.linter = ThreadPoolExecutor(1, thread_name_prefix="loadlint-check")  # one check at a time

    # -- checking ------------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        state = self.open.setdefault(uri, _Open())
        if state.pending is not None:
            state.pending.cancel()
        state.pending = asyncio.get_running_loop().call_later(delay, self.check, uri)

    def check(self, uri: str) -> None:
        """Check the document's text as it is now in a worker thread (the event loop keeps reading
        the client's messages meanwhile), then publish, unless the text changed in between: the
        check that change scheduled publishes instead."""
        state = self.open.get(uri)
        if state is None or self.session is None:
            return
        state.pending = None
        snapshot = self._snapshot(uri)
        future = asyncio.get_running_loop().run_in_executor(self.linter, self._lint, uri, snapshot)
        future.add_done_callback(lambda done: self._checked(uri, state, snapshot, done))

    def _snapshot(self, uri: str) -> _Snapshot:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            document = self.workspace.get_text_document(uri)
            return _Snapshot(document.version, {uri: document.source})
        cells = {
            index: cell.document
            for index, cell in enumerate(notebook.cells)
            if cell.kind == types.NotebookCellKind.Code
        }
        texts = {cell: self.workspace.get_text_document(cell).source for cell in cells.values()}
        return _Snapshot(notebook.version, texts, cells)

    def _lint(self, uri: str, snapshot: _Snapshot) -> tuple[Lint, Notebook | None]:
        assert self.session is not None
        if snapshot.cells is None:
            return self.session.lint(path_of(uri), snapshot.texts[uri]), None
        sources = {index: snapshot.texts[cell] for index, cell in snapshot.cells.items()}
        return self.session.lint_cells(path_of(uri), sources)

    def _checked(self, uri: str, state: _Open, snapshot: _Snapshot, done: asyncio.Future) -> None:
        if self.open.get(uri) is not state or self._snapshot(uri).version != snapshot.version:
            return  # closed, or changed since: a newer check is on its way
        if done.exception() is not None:  # a bug in loadlint costs this document its diagnostics, not the server
            error = done.exception()
            self.log(f"{path_of(uri)}: internal error: {type(error).__name__}: {error}")
            return
        lint, notebook = done.result()
        if lint.error is not None:  # keep the last good diagnostics; say why once per distinct error
            if lint.error != state.error:
                self.log(lint.error)
            state.error = lint.error
            return
        if notebook is not None:
            for message in set(notebook.errors) - state.logged:  # a cell that does not parse: said once
                self.log(message)
            state.logged = set(notebook.errors)
            self.notebook_of.update(dict.fromkeys((snapshot.cells or {}).values(), uri))
        state.error, state.lint, state.texts = None, lint, snapshot.texts
        state.notebook, state.cells = notebook, snapshot.cells or {}
        state.text = notebook.code if notebook is not None else snapshot.texts[uri]
        gone = set(state.shown) - set(snapshot.texts)  # cells deleted, or made markdown, since the last check
        state.shown = {target: [] for target in [*snapshot.texts, *gone]}
        for finding in lint.findings:
            target, positions, span = self.place(state, uri, finding.span)
            placed = convert.diagnostic(dataclasses.replace(finding, span=span), positions, _uri_of)
            state.shown[target].append(_Shown(finding, span, placed))
        for target, shown in state.shown.items():
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=target, diagnostics=[item.diagnostic for item in shown])
            )
        for target in gone:
            del state.shown[target]
            self.notebook_of.pop(target, None)
        self.ask_the_hub(lint)

    def place(self, state: _Open, uri: str, span: Span) -> tuple[str, convert.Positions, Span]:
        """Where a span of the checked text is for the client: its document, or its notebook cell."""
        if state.notebook is None:
            return uri, self.positions(state.texts[uri]), span
        cell, within = state.notebook.in_cell(span)
        target = state.cells[cell.index]
        return target, self.positions(state.texts[target]), within

    def positions(self, text: str) -> convert.Positions:
        return convert.Positions(text, self.workspace.position_codec)

    def ask_the_hub(self, lint: Lint) -> None:
        """Resolve, in a worker thread, the document's ids that only the Hub can answer for; in
        offline mode, say once that some ids are neither locked nor cached."""
        assert self.session is not None
        used = used_refs(lint.report)
        missing = [ref for ref in self.session.missing() if ref in used]
        if missing and self.session.resolver.offline:
            self.tell_once(
                "offline",
                f"loadlint: offline, and {', '.join(map(str, missing))} is in no lockfile or cache: "
                "those loads are not checked (`loadlint lock` pins them)",
            )
        wanted = [ref for ref in self.session.waiting_for_the_hub() if ref in used and ref not in self.asking]
        if not wanted:
            return
        self.asking.update(wanted)
        sites = list(lint.report.sites) if lint.report else []
        future = asyncio.get_running_loop().run_in_executor(None, self.session.resolve_online, wanted, sites)
        future.add_done_callback(lambda done: self.answered(wanted, done))

    def answered(self, refs: list[ModelRef], done: asyncio.Future) -> None:
        self.asking.difference_update(refs)
        if done.exception() is not None:
            self.log(f"resolving {', '.join(map(str, refs))} failed: {done.exception()}")
            return
        found = done.result().values()
        failed = [item for item in found if isinstance(item, Unresolved) and item.reason == "network"]
        if failed:
            self.tell_once(
                "network",
                f"loadlint: the Hub could not be reached ({failed[0].detail}); "
                "diagnostics use the lockfile and the caches",
            )
        for uri, state in self.open.items():
            if set(refs) & used_refs(state.lint.report).keys():
                self.schedule(uri, 0)

    def tell_once(self, what: str, message: str) -> None:
        """A state of the session (offline, the Hub unreachable) is shown once, not per keystroke."""
        if what not in self.told:
            self.told.add(what)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))

    def close(self, uri: str) -> None:
        """Forget a closed document or notebook, and clear what was shown for it (each cell's too)."""
        state = self.open.pop(uri, None)
        if state is None:
            return
        if state.pending is not None:
            state.pending.cancel()
        for target in state.shown or {uri: []}:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=target, diagnostics=[]))
        for cell in state.cells.values():
            self.notebook_of.pop(cell, None)
        if self.session is not None:
            self.session.forget(path_of(uri))

    def reconfigure(self, client: ClientSettings | None = None) -> None:
        """Read the configuration again (a settings file changed, or the client's settings did) and
        check every open document with it."""
        if self.session is None:
            return
        self.session.reload(client)
        self.say_config_error()
        for uri in self.open:
            self.schedule(uri, 0)

    def say_config_error(self) -> None:
        if self.session is not None and self.session.config_error:
            self.log(self.session.config_error)

    def log(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=message))

    # -- answers -------------------------------------------------------------------------------

    def checked(self, uri: str) -> tuple[str, _Open] | None:
        """The document or notebook a URI (a cell's too) was checked as."""
        owner = self.notebook_of.get(uri, uri)
        state = self.open.get(owner)
        if state is None or self.session is None or state.lint.report is None or uri not in state.texts:
            return None
        return owner, state

    def workspace_edit(self, owner: str, state: _Open, edits: tuple[Edit, ...]) -> types.WorkspaceEdit:
        changes: dict[str, list[types.TextEdit]] = {}
        for edit in edits:
            target, positions, span = self.place(state, owner, edit.span)
            changes.setdefault(target, []).append(positions.text_edit(Edit(span, edit.content)))
        return types.WorkspaceEdit(changes=changes)

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        found = self.checked(uri)
        if found is None:
            return []
        owner, state = found
        wanted = params.context.only
        actions: list[types.CodeAction] = []
        if not wanted or types.CodeActionKind.QuickFix in wanted:
            first, last = params.range.start.line, params.range.end.line
            for shown in state.shown.get(uri, []):
                if shown.diagnostic.range.start.line <= last and shown.diagnostic.range.end.line >= first:
                    actions += self._quick_fixes(owner, state, uri, shown)
        if not wanted or any(
            kind in (convert.FIX_ALL, types.CodeActionKind.Source, "source.fixAll") for kind in wanted
        ):
            fix_all = self._fix_all(owner, state)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    def _quick_fixes(self, owner: str, state: _Open, uri: str, shown: _Shown) -> list[types.CodeAction]:
        """The finding's fix, labelled safe or unsafe (a safe one preferred), and "Disable LLxxx for
        this line" (a `# noqa` added or extended as `--add-noqa` does it)."""
        finding, actions = shown.finding, []
        if finding.fix is not None and finding.fix.edits:
            edit = self.workspace_edit(owner, state, finding.fix.edits)
            actions.append(convert.quick_fix(finding, shown.diagnostic, edit))
        text = state.texts[uri]
        disabled, added = with_noqa(text, [(finding.code, shown.span)])
        if added:
            edits = convert.line_edits(text, disabled, self.positions(text))
            actions.append(
                types.CodeAction(
                    title=f"Disable {finding.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[shown.diagnostic],
                    edit=types.WorkspaceEdit(changes={uri: edits}),
                )
            )
        return actions

    def _fix_all(self, owner: str, state: _Open) -> types.CodeAction | None:
        assert self.session is not None
        fixed = self.session.fix_all(path_of(owner), state.text)
        if fixed is None:
            return None
        if state.notebook is None:
            targets = {owner: fixed}
        else:
            try:
                sources = fixed_sources(state.notebook, fixed)
            except NotebookError:
                return None
            targets = {state.cells[index]: source for index, source in sources.items()}
        changes = {
            target: [types.TextEdit(range=self.positions(state.texts[target]).whole(), new_text=text)]
            for target, text in targets.items()
        }
        return types.CodeAction(
            title="Fix all safe loadlint problems", kind=convert.FIX_ALL, edit=types.WorkspaceEdit(changes=changes)
        )

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        found = self.checked(uri)
        if found is None:
            return None
        _, state = found
        positions = self.positions(state.texts[uri])
        line, column = positions.point(params.position)
        text = positions.lines[line - 1] if line <= len(positions.lines) else ""
        markdown = convert.hover_on_suppression(state.texts[uri], line, column)
        if markdown is None:
            if state.notebook is not None:  # the cell's line in the module its cells make
                line += next(cell.offset for cell in state.notebook.cells if state.cells[cell.index] == uri)
            markdown = self._hover_on_load(state, line, column, text)
        if markdown is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))

    def _hover_on_load(self, state: _Open, line: int, column: int, text: str) -> str | None:
        """The facts of the load under the cursor, or of the model id string under it (`MODEL = "..."`
        bound once and loaded below: the id the loads of this document resolved)."""
        assert self.session is not None and state.lint.report is not None
        sites = [site for site in state.lint.report.sites if site.ref is not None]
        literal = convert.string_at(text, column)
        for site in sites:
            span = site.span
            inside = (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)
            if inside or (literal is not None and literal == site.model_id):
                assert site.ref is not None
                found = self.session.facts(site.ref)
                return convert.hover_on_facts(
                    site.ref.model_id,
                    found,
                    site.loader,
                    _fitting_class(site.loader, [f for f in state.lint.findings if f.span == span]),
                    describe(site.ref, found, self.session.tables) if isinstance(found, ModelFacts) else None,
                )
        return None


def _fitting_class(loader: str, findings: list[Finding]) -> str:
    """The class the call should use: the one a class-changing fix names, else the call's own."""
    for finding in findings:
        if finding.fix is not None and finding.fix.title.startswith("Use `"):
            return finding.fix.title.split("`")[1]
    return loader


def _uri_of(path: str) -> str:
    return Path(path).resolve().as_uri() if not path.startswith(("untitled:", "file:")) else path


def build_server() -> LoadlintServer:
    server = LoadlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: LoadlintServer, params: types.InitializeParams) -> None:
        folders = params.workspace_folders or []
        root = path_of(folders[0].uri) if folders else path_of(params.root_uri) if params.root_uri else "."
        ls.session = Session(Path(root), ClientSettings.parse(params.initialization_options))
        ls.say_config_error()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LoadlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LoadlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LoadlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LoadlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_did_open(ls: LoadlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_did_change(ls: LoadlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_did_save(ls: LoadlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_did_close(ls: LoadlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.close(params.notebook_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: LoadlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(os.path.basename(path_of(change.uri)) in SETTINGS_FILES for change in params.changes):
            ls.reconfigure()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: LoadlintServer, params: types.DidChangeConfigurationParams) -> None:
        if params.settings:
            ls.reconfigure(ClientSettings.parse(params.settings))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL]),
    )
    def code_action(ls: LoadlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LoadlintServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    return server


def main() -> None:
    logging.basicConfig(level=logging.WARNING)  # pygls logs to stderr; stdout is the protocol's
    build_server().start_io()
