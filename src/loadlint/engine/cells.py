"""A notebook's module lines back to its cells, for everything a run reports about it: findings and
their fix edits and traces, the unresolved ids, the runtime's calls.  The analysis works on the
module `Notebook.code`; users read `demo.ipynb:cell 3:2:5`, as Ruff reports notebooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from loadlint.facts import Span, TraceStep
from loadlint.findings import CheckResult, Finding, UnresolvedUse
from loadlint.fixes import Edit
from loadlint.notebook import Notebook


def locate_in_cells(result: CheckResult, notebooks: Mapping[str, Notebook]) -> None:
    """Rewrite the result's positions in notebooks as (cell, line in cell); other files are untouched."""
    cells = _Cells(notebooks)
    result.findings = [cells.finding(finding) for finding in result.findings]
    result.fixed = [cells.finding(finding) for finding in result.fixed]
    result.unresolved = [cells.unresolved(use) for use in result.unresolved]
    for call in result.runtime_calls:
        call["cell"] = None  # every call record has the key, as findings do
        if call["path"] in notebooks:
            call["cell"], call["line"] = notebooks[call["path"]].locate(call["line"])


@dataclasses.dataclass(frozen=True)
class _Cells:
    notebooks: Mapping[str, Notebook]

    def finding(self, finding: Finding) -> Finding:
        trace = tuple(self.step(step) for step in finding.trace)
        notebook = self.notebooks.get(finding.path)
        if notebook is None:
            return dataclasses.replace(finding, trace=trace)
        cell, span = self.span(notebook, finding.span)
        fix = finding.fix
        if fix is not None and fix.edits:
            fix = dataclasses.replace(fix, edits=tuple(self.edit(notebook, edit) for edit in fix.edits))
        return dataclasses.replace(finding, span=span, cell=cell, fix=fix, trace=trace)

    def unresolved(self, use: UnresolvedUse) -> UnresolvedUse:
        trace = tuple(self.step(step) for step in use.trace)
        notebook = self.notebooks.get(use.path)
        if notebook is None:
            return dataclasses.replace(use, trace=trace)
        cell, line = notebook.locate(use.line)
        return dataclasses.replace(use, line=line, cell=cell, trace=trace)

    def step(self, step: TraceStep) -> TraceStep:
        notebook = self.notebooks.get(step.path)
        if notebook is None:
            return step
        cell, line = notebook.locate(step.line)
        return dataclasses.replace(step, line=line, cell=cell)

    def edit(self, notebook: Notebook, edit: Edit) -> Edit:
        cell, span = self.span(notebook, edit.span)
        return dataclasses.replace(edit, span=span, cell=cell)

    @staticmethod
    def span(notebook: Notebook, span: Span) -> tuple[int, Span]:
        cell, within = notebook.in_cell(span)
        return cell.number, within
