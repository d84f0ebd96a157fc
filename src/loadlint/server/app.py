"""The LSP wiring: documents in, diagnostics, code actions and hovers out (pygls, over stdio).

Checks run on the event loop after a short debounce (a keystroke cancels the check it would
overtake); the Hub is asked from a worker thread, and the documents using the ids it answered for
are checked again when it does.  A document that does not parse keeps its last diagnostics."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from loadlint import __version__
from loadlint.facts import ModelRef, Unresolved
from loadlint.findings import Finding
from loadlint.server import convert
from loadlint.server.session import ClientSettings, Lint, Session, path_of, used_refs

DEBOUNCE = 0.15  # seconds of quiet typing before a changed document is checked
CONFIG_FILES = ("pyproject.toml", "loadlint.toml", "loadlint.lock")


@dataclass
class _Open:
    """What the server last told the client about one document."""

    lint: Lint = field(default_factory=Lint)
    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    text: str = ""
    pending: asyncio.TimerHandle | None = None
    error: str | None = None


class LoadlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("loadlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session: Session | None = None
        self.open: dict[str, _Open] = {}
        self.asking: set[ModelRef] = set()  # ids the Hub is being asked for
        self.told_offline = False

    # -- checking ------------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        state = self.open.setdefault(uri, _Open())
        if state.pending is not None:
            state.pending.cancel()
        state.pending = asyncio.get_running_loop().call_later(delay, self.check, uri)

    def check(self, uri: str) -> None:
        state = self.open.get(uri)
        if state is None or self.session is None:
            return
        state.pending = None
        document = self.workspace.get_text_document(uri)
        text = document.source
        try:
            lint = self.session.lint(path_of(uri), text)
        except Exception as exc:  # a bug in loadlint costs this document's diagnostics, never the server
            self.log(f"{path_of(uri)}: internal error: {type(exc).__name__}: {exc}")
            return
        if lint.error is not None:  # keep the last good diagnostics; say why once per distinct error
            if lint.error != state.error:
                self.log(lint.error)
            state.error = lint.error
            return
        state.error = None
        positions = convert.Positions(text, self.workspace.position_codec)
        diagnostics = [convert.diagnostic(finding, positions, _uri_of) for finding in lint.findings]
        state.lint, state.diagnostics, state.text = lint, diagnostics, text
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
        )
        self.ask_the_hub(lint)

    def ask_the_hub(self, lint: Lint) -> None:
        """Resolve, in a worker thread, the document's ids that only the Hub can answer for."""
        assert self.session is not None
        wanted = [ref for ref in self.session.waiting_for_the_hub() if ref in used_refs(lint.report) and ref not in self.asking]
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
        failed = [found for found in done.result().values() if isinstance(found, Unresolved) and found.reason == "network"]
        if failed and not self.told_offline:  # once per session, not per keystroke
            self.told_offline = True
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"loadlint: the Hub could not be reached ({failed[0].detail}); "
                "diagnostics use the lockfile and the caches",
            ))
        for uri, state in self.open.items():
            if set(refs) & used_refs(state.lint.report).keys():
                self.schedule(uri, 0)

    def recheck_all(self) -> None:
        for uri in self.open:
            self.schedule(uri, 0)

    def log(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Warning, message=message))

    # -- answers -------------------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        state = self.open.get(uri)
        if state is None or self.session is None or state.lint.report is None:
            return []
        positions = convert.Positions(state.text, self.workspace.position_codec)
        wanted = params.context.only
        actions: list[types.CodeAction] = []
        if not wanted or types.CodeActionKind.QuickFix in wanted:
            first, last = params.range.start.line + 1, params.range.end.line + 1
            here = [
                (finding, shown) for finding, shown in zip(state.lint.findings, state.diagnostics)
                if finding.span.line <= last and finding.span.end_line >= first
            ]
            actions += convert.quick_fixes(uri, [f for f, _ in here], [d for _, d in here], positions)
        if not wanted or any(kind in (convert.FIX_ALL, types.CodeActionKind.Source, "source.fixAll") for kind in wanted):
            fixed = self.session.fix_all(path_of(uri), state.text)
            if fixed is not None:
                actions.append(convert.replace_all(uri, "Fix all safe loadlint problems", convert.FIX_ALL, fixed, positions))
        return actions

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        state = self.open.get(params.text_document.uri)
        if state is None or self.session is None or state.lint.report is None:
            return None
        positions = convert.Positions(state.text, self.workspace.position_codec)
        line, column = positions.point(params.position)
        text = positions.lines[line - 1] if line <= len(positions.lines) else ""
        markdown = convert.hover_on_noqa(text, column)
        if markdown is None:
            markdown = self._hover_on_load(state, line, column)
        if markdown is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))

    def _hover_on_load(self, state: _Open, line: int, column: int) -> str | None:
        assert self.session is not None and state.lint.report is not None
        for site in state.lint.report.sites:
            span = site.span
            inside = (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)
            if inside and site.ref is not None:
                return convert.hover_on_facts(
                    site.ref.model_id, self.session.facts(site.ref), site.loader,
                    _fitting_class(site.loader, [f for f in state.lint.findings if f.span == span]),
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
        if ls.session.config_error:
            ls.log(ls.session.config_error)

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
        state = ls.open.pop(params.text_document.uri, None)
        if state is not None and state.pending is not None:
            state.pending.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: LoadlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if ls.session is not None and any(change.uri.endswith(CONFIG_FILES) for change in params.changes):
            ls.session.reload()
            if ls.session.config_error:
                ls.log(ls.session.config_error)
            ls.recheck_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: LoadlintServer, params: types.DidChangeConfigurationParams) -> None:
        if ls.session is not None and params.settings:
            ls.session.reload(ClientSettings.parse(params.settings))
            ls.recheck_all()

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
