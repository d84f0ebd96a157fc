"""GitLab Code Quality: a JSON array of issues (`description`, `check_name`, `fingerprint`,
`severity`, `location.path`, `location.lines.begin`), for a job's `artifacts:reports:codequality`.

As Ruff writes it: the check name leads the description (GitLab shows only the description), file
errors are issues of their own (severity `major`), paths are relative to `$CI_PROJECT_DIR` when it
is set, and a notebook's issues point at line 1 of the file (its JSON has no line of a cell's code),
the cell and line being in the description.  Unresolved ids are `info` issues, as the other formats
note them.  Fingerprints hash what an issue is about, not its line, so moving code keeps them.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePath

from loadlint.findings import CheckResult
from loadlint.report._shared import FileError, describe_unresolved, fingerprints, keyed_fingerprints

SEVERITIES = {"error": "major", "warning": "minor"}
FILE_ERROR = "file-error"
UNRESOLVED = "unresolved"


def render_gitlab(result: CheckResult) -> str:
    issues = [
        _issue(f.code, f.message, fingerprint, SEVERITIES[f.severity], f.path, f.span.line, f.span.end_line, f.cell)
        for f, fingerprint in zip(result.findings, fingerprints(result.findings))
    ]
    errors = [FileError.parse(error) for error in result.errors]
    error_keys = ((FILE_ERROR, error.path or "", error.message) for error in errors)
    issues += [
        _issue(
            FILE_ERROR, error.message.removeprefix(f"cell {error.cell}: "), fingerprint, "major", error.path,
            error.line or 1, error.line or 1, error.cell,
        )
        for error, fingerprint in zip(errors, keyed_fingerprints(error_keys))
    ]
    notes = [(use, describe_unresolved(use)) for use in result.unresolved]
    unresolved_keys = ((UNRESOLVED, use.path, note) for use, note in notes)
    issues += [
        _issue(UNRESOLVED, note, fingerprint, "info", use.path, use.line, use.line, use.cell)
        for (use, note), fingerprint in zip(notes, keyed_fingerprints(unresolved_keys))
    ]
    return json.dumps(issues, indent=2) + "\n"


def _issue(
    check: str, message: str, fingerprint: str, severity: str, path: str | None, begin: int, end: int,
    cell: int | None = None,
) -> dict:
    if cell is not None:  # a notebook: the cell's line is no line of the file
        message, begin, end = f"cell {cell}, line {begin}: {message}", 1, 1
    return {
        "description": f"{check}: {message}",
        "check_name": check,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": _project_path(path), "lines": {"begin": begin, "end": end}},
    }


def _project_path(path: str | None) -> str:
    """The path from the project's root (`$CI_PROJECT_DIR`, else the working directory), without `./`."""
    if not path:
        return "."
    project = os.environ.get("CI_PROJECT_DIR")
    if project:
        path = os.path.relpath(os.path.abspath(path), project)
    return PurePath(path).as_posix()
