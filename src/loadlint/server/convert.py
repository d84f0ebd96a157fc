"""loadlint's records as LSP types: findings as diagnostics, fixes as workspace edits, facts as
hover text.  Spans count characters from 1; LSP positions count from 0 in the client's units
(UTF-16 unless negotiated), so every conversion goes through the document's lines."""

from __future__ import annotations

import difflib
import re

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from loadlint.facts import ModelFacts, Span, TraceStep, Unresolved
from loadlint.findings import Finding
from loadlint.fixes import Edit, applies
from loadlint.model_info import ModelReport
from loadlint.rules import RULES_BY_CODE
from loadlint.suppress import parse_suppressions, rule_code

SOURCE = "loadlint"
FIX_ALL = "source.fixAll.loadlint"
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_STRING = re.compile(r"""(["'])((?:(?!\1)[^\\\n])*)\1""")
_ENTRY = re.compile(r"[\w-]+")  # one entry of a directive's list: a code or a rule name


class Positions:
    """Span ⇄ LSP range for one document's text."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.lines = text.splitlines(keepends=True) or [""]
        self.codec = codec

    def position(self, line: int, column: int) -> types.Position:
        point = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
        return self.codec.position_to_client_units(self.lines, point)

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.line, span.column), self.position(span.end_line, span.end_column))

    def point(self, position: types.Position) -> tuple[int, int]:
        """An LSP position as (line, column), 1-based, in characters."""
        server = self.codec.position_from_client_units(self.lines, position)
        return server.line + 1, server.character + 1

    def text_edit(self, edit: Edit) -> types.TextEdit:
        return types.TextEdit(range=self.range(edit.span), new_text=edit.content)

    def whole(self) -> types.Range:
        last = len(self.lines) - 1
        end = types.Position(line=last, character=len(self.lines[last]))
        if self.lines[last].endswith(("\n", "\r")):
            end = types.Position(line=last + 1, character=0)
        return types.Range(types.Position(line=0, character=0), self.codec.position_to_client_units(self.lines, end))


def diagnostic(finding: Finding, positions: Positions, uri_of) -> types.Diagnostic:
    """A finding as the editor shows it: its help on a second line, the trace of a followed id as
    related locations, and `data` naming the rule and where to read about it."""
    message = finding.message + (f"\nhelp: {finding.suggestion}" if finding.suggestion else "")
    related = [_related(step, uri_of) for step in finding.trace]
    return types.Diagnostic(
        range=positions.range(finding.span),
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        source=SOURCE,
        message=message,
        related_information=related or None,
        data={"name": finding.name, "docs": f"loadlint rule {finding.code}", "model_id": finding.model_id},
    )


def _related(step: TraceStep, uri_of) -> types.DiagnosticRelatedInformation:
    point = types.Position(line=max(step.line - 1, 0), character=max(step.column - 1, 0))
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=uri_of(step.path), range=types.Range(point, point)), message=step.note
    )


def quick_fix(finding: Finding, shown: types.Diagnostic, edit: types.WorkspaceEdit) -> types.CodeAction:
    """The finding's fix, labelled safe or unsafe; a safe one is the preferred action."""
    assert finding.fix is not None
    return types.CodeAction(
        title=f"{finding.fix.title} ({finding.code}, {finding.fix.applicability} fix)",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[shown],
        edit=edit,
        is_preferred=applies(finding.fix, unsafe=False),
    )


def line_edits(before: str, after: str, positions: Positions) -> list[types.TextEdit]:
    """`after` as edits of the lines of `before` that differ (a noqa comment changes one line)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op != "equal":
            start, end = types.Position(line=i1, character=0), types.Position(line=i2, character=0)
            edits.append(types.TextEdit(range=types.Range(start, end), new_text="".join(new[j1:j2])))
    return edits


def hover_on_facts(
    model_id: str, found: ModelFacts | Unresolved | None, loader: str, fits: str | None, report: ModelReport | None
) -> str:
    """What the Hub (or the lockfile, or a cache) says about the id under the cursor, in Markdown:
    the facts, which Auto classes of the installed transformers accept it (`loadlint model`'s list)
    and whether the call's class fits."""
    if found is None:
        return f"**{model_id}**: not resolved yet"
    if isinstance(found, Unresolved):
        return f"**{model_id}**: not resolved ({found.reason}): {found.detail}"
    lines = [f"**{model_id}**" + (f" @ `{found.ref.revision}`" if found.ref.revision else "")]
    lines.append(f"- model_type: `{found.model_type}`" if found.model_type else "- model_type: unknown")
    if found.architectures:
        lines.append("- architectures: " + ", ".join(f"`{name}`" for name in found.architectures))
    if fits:
        verdict = "fits" if fits == loader else f"does not fit; use `{fits}`"
        lines.append(f"- this call: `{loader}` ({verdict})")
    if report is not None and report.classes:
        accepted = [f"`{fit.auto_class}`" + (" (partial load)" if fit.partial else "") for fit in report.classes]
        lines.append("- loaded by: " + ", ".join(accepted))
    if found.pipeline_tag:
        lines.append(f"- pipeline tag: `{found.pipeline_tag}`")
    lines.append(f"- gated: {'yes' if found.gated else 'no'}")
    if found.auto_map:
        lines.append("- remote code: " + ", ".join(f"`{auto}`" for auto, _ in found.auto_map))
    commit = f" at `{found.sha[:12]}`" if found.sha else ""
    lines.append(f"- facts from: {found.source}{commit}")
    return "\n".join(lines)


def string_at(line: str, column: int) -> str | None:
    """The text of the one-line string literal under the cursor (1-based column), if any."""
    for match in _STRING.finditer(line):
        if match.start() < column <= match.end():
            return match.group(2)
    return None


def hover_on_suppression(text: str, line: int, column: int) -> str | None:
    """The summary of the rule an entry of a suppression comment names under the cursor (`# noqa:
    LL001`, `# loadlint: ignore[partial-load]`), read as the suppressions themselves are read."""
    for comment in parse_suppressions(text).comments:
        if comment.line != line:
            continue
        for directive in comment.directives:
            listed = comment.text[directive.list_start : directive.list_end]
            for entry in _ENTRY.finditer(listed):
                start = comment.column + directive.list_start + entry.start()
                code = rule_code(entry.group())
                if start <= column <= start + len(entry.group()) and code is not None:
                    rule = RULES_BY_CODE[code]
                    return f"**{rule.code}** `{rule.name}` ({rule.severity}): {rule.summary}"
    return None
