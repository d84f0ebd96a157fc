"""What loadlint reports: findings, the unresolved ids and the run's result, as plain records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from loadlint.facts import CallSite, ModelFacts, Span, TraceStep, Unresolved, located
from loadlint.fixes import Fix

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one call site.  `to_json` is the stable JSON contract."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    model_id: str | None = None
    revision: str | None = None
    model_type: str | None = None
    auto_class: str | None = None
    suggestion: str | None = None
    fix: Fix | None = None
    runtime: dict | None = None
    trace: tuple[TraceStep, ...] = ()  # the path a followed id took to the call
    cell: int | None = None  # in a notebook: the cell `span` is in (its lines are the cell's)

    @classmethod
    def at(
        cls,
        site: CallSite,
        model: ModelFacts | None,
        *,
        code: str,
        name: str,
        severity: Severity,
        message: str,
        suggestion: str | None = None,
        fix: Fix | None = None,
    ) -> Finding:
        return cls(
            code=code,
            name=name,
            severity=severity,
            message=message,
            path=site.path,
            span=site.span,
            model_id=site.model_id,
            revision=site.revision,
            model_type=model.model_type if model else None,
            auto_class=site.loader if site.kind == "from_pretrained" else None,
            suggestion=suggestion,
            fix=fix,
            trace=site.trace,
        )

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.span.line, self.span.column, self.code, self.model_id or "")

    @property
    def location(self) -> str:
        """`path:line:col`, or in a notebook `path:cell N:line:col`, as Ruff writes them."""
        return located(self.path, self.cell, self.span.line, self.span.column)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "model_id": self.model_id,
            "revision": self.revision,
            "model_type": self.model_type,
            "auto_class": self.auto_class,
            "suggestion": self.suggestion,
            "fix": self.fix.to_json() if self.fix else None,
            "runtime": self.runtime,
            "trace": [step.to_json() for step in self.trace],
            "cell": self.cell,
        }


@dataclass(frozen=True, slots=True)
class UnresolvedUse:
    """An unresolved id as reported: where it is first used, and why it could not be resolved."""

    model_id: str | None
    revision: str | None
    path: str
    line: int
    reason: str
    detail: str
    detail_kind: str | None = None  # for `dynamic`: parameter, cli-required, env-required, computed, template
    trace: tuple[TraceStep, ...] = ()
    cell: int | None = None  # in a notebook: the cell `line` is in

    @classmethod
    def at(cls, site: CallSite, unresolved: Unresolved, detail_kind: str | None = None) -> UnresolvedUse:
        return cls(
            model_id=site.model_id,
            revision=site.revision,
            path=site.path,
            line=site.span.line,
            reason=unresolved.reason,
            detail=unresolved.detail,
            detail_kind=detail_kind,
            trace=site.trace,
        )

    def to_json(self) -> dict:
        return {
            "model_id": self.model_id,
            "revision": self.revision,
            "path": self.path,
            "line": self.line,
            "reason": self.reason,
            "detail": self.detail,
            "detail_kind": self.detail_kind,
            "trace": [step.to_json() for step in self.trace],
            "cell": self.cell,
        }

    @property
    def location(self) -> str:
        return located(self.path, self.cell, self.line)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a report may say about a rule that ran (SARIF's rule metadata), so reporters never
    import the rules themselves.  `docs` is the rule's Markdown documentation."""

    code: str
    name: str
    severity: Severity
    summary: str
    docs: str


@dataclass(slots=True)
class CheckResult:
    """Everything one `loadlint check` run learned; reporters only format this."""

    loadlint_version: str
    transformers_version: str
    transformers_origin: str
    files: int = 0
    call_sites: int = 0  # model-loading and download calls in the code (a call that may load several ids counts once)
    loads: int = 0  # the model-loading calls among them
    checked: int = 0  # model-loading calls whose every id was resolved and judged
    findings: list[Finding] = field(default_factory=list)
    unresolved: list[UnresolvedUse] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)  # findings whose fixes were written
    diffs: list[str] = field(default_factory=list)  # with --diff: one unified diff per file
    runtime_calls: list[dict] = field(default_factory=list)  # with --runtime: what each call did
    rules: tuple[RuleInfo, ...] = ()  # the rules that ran, for reports that describe them (not in to_json)

    def to_json(self) -> dict:
        return {
            "loadlint_version": self.loadlint_version,
            "transformers_version": self.transformers_version,
            "findings": [f.to_json() for f in self.findings],
            "unresolved": [u.to_json() for u in self.unresolved],
            "errors": list(self.errors),
            "runtime": list(self.runtime_calls),
            "summary": {
                "files": self.files,
                "call_sites": self.call_sites,
                "loads": self.loads,
                "checked": self.checked,
                "findings": len(self.findings),
                "unresolved": len(self.unresolved),
                "fixed": len(self.fixed),
            },
        }
