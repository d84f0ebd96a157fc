"""Where a project runs its scripts: the command lines of its shell scripts, Makefiles, GitHub
workflows and READMEs, each with the lines it spans, for `extract.invocations` to parse.

The files are found once per run, by one walk of the project root that skips the folders discovery
always skips and the configured `exclude`, and then go through discovery itself (with
`force_exclude`), so `.gitignore` and `exclude` leave them out exactly as they would a Python file:
`*.sh` / `*.bash`, `Makefile` / `makefile` / `GNUmakefile` / `*.mk` (recipe lines, with the
Makefile's simple `NAME = value` variables put in), `.github/workflows/*.yml` (each step's `run:`,
read with PyYAML, which keeps its line) and `README.md` (its ```bash, ```sh, ```shell and ```console
blocks; in a console block only the `$ ` lines are commands).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass

from loadlint.discover import SKIPPED_DIRS, DiscoveryOptions, PathPatterns, checked_files
from loadlint.extract.configs import ConfigFileError, Document, read_text

MAX_WALK_DEPTH = 8  # folders below the project root searched for invocations
SHELL_SUFFIXES = (".sh", ".bash")
MAKEFILES = frozenset({"Makefile", "makefile", "GNUmakefile"})
READMES = frozenset({"README.md"})
SHELL_FENCES = frozenset({"bash", "sh", "shell", "console", "zsh"})
PROMPT = "$ "


@dataclass(frozen=True)
class CommandText:
    """One logical command line: its file and, per physical line, (line, column, text), a trailing
    continuation backslash removed."""

    path: str
    lines: tuple[tuple[int, int, str], ...]


def invocation_files(root: str, options: DiscoveryOptions) -> list[str]:
    """The files under `root` that may run the project's scripts, less what discovery leaves out."""
    exclude = PathPatterns.parse(options.root or root, options.exclude)
    found: list[str] = []
    top = os.path.abspath(root)
    for folder, dirs, files in os.walk(top):
        depth = 0 if folder == top else os.path.relpath(folder, top).count(os.sep) + 1
        dirs[:] = sorted(
            name for name in dirs
            if depth < MAX_WALK_DEPTH
            and name not in SKIPPED_DIRS
            and (not name.startswith(".") or name == ".github" or folder.endswith(".github"))
            and not exclude.verdict(os.path.join(folder, name), True)
        )
        for name in sorted(files):
            if _is_invocation_file(folder, name):
                found.append(os.path.join(folder, name))
    forced = dataclasses.replace(options, force_exclude=True)
    return list(checked_files(found, forced, on_error=lambda message: None))


def _is_invocation_file(folder: str, name: str) -> bool:
    in_workflows = os.path.basename(folder) == "workflows" and os.path.basename(os.path.dirname(folder)) == ".github"
    return (
        name.endswith(SHELL_SUFFIXES)
        or name in MAKEFILES
        or name.endswith(".mk")
        or name in READMES
        or (in_workflows and name.endswith((".yml", ".yaml")))
    )


def command_texts(path: str, shown: str) -> list[CommandText]:
    """The command lines one file holds (none when it cannot be read or parsed)."""
    name = os.path.basename(path)
    try:
        text = read_text(path)
        if name in MAKEFILES or name.endswith(".mk"):
            lines = _makefile_lines(text)
        elif name in READMES:
            lines = list(_fenced_lines(text))
        elif name.endswith((".yml", ".yaml")):
            lines = _workflow_lines(path, text)
        else:
            lines = [(number, line) for number, line in enumerate(text.splitlines(), 1)]
    except ConfigFileError:
        return []
    return [CommandText(shown, command) for command in _logical(lines)]


def _logical(lines: list[tuple[int, str]]) -> Iterator[tuple[tuple[int, int, str], ...]]:
    """Physical lines joined into commands at trailing backslashes; blank and comment lines dropped."""
    command: list[tuple[int, int, str]] = []
    previous = None
    for number, line in lines:
        stripped = line.strip()
        if command and (previous is None or number != previous + 1):  # a continuation never spans a gap
            yield tuple(command)
            command = []
        previous = number
        if not command and (not stripped or stripped.startswith("#")):
            continue
        column = len(line) - len(line.lstrip()) + 1
        continued = stripped.endswith("\\")
        command.append((number, column, stripped[:-1] if continued else stripped))
        if not continued:
            yield tuple(command)
            command, previous = [], None
    if command:
        yield tuple(command)


def _makefile_lines(text: str) -> list[tuple[int, str]]:
    """A Makefile's recipe lines (tab-indented), echo and error prefixes dropped, with its simple
    variables (`NAME = value`, `?=`, `:=`) put in for `$(NAME)` and `${NAME}`, and `$$` as `$`."""
    variables: dict[str, str] = {}
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("\t"):
            lines.append((number, line))
            continue
        name, equals, value = line.partition("=")
        name = name.rstrip(" ?:+")
        if equals and name.strip().isidentifier() and "$" not in name:
            variables[name.strip()] = value.strip()
    expanded = []
    for number, line in lines:
        body = line[1:].lstrip("@-+ ")
        for name, value in variables.items():
            body = body.replace(f"$({name})", value).replace(f"${{{name}}}", value)
        expanded.append((number, "\t" + body.replace("$$", "$")))
    return expanded


def _fenced_lines(text: str) -> Iterator[tuple[int, str]]:
    """The lines of a Markdown file's shell code blocks (the prompt of a console line dropped)."""
    fence: str | None = None
    console = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if fence is None:
            if stripped.startswith(("```", "~~~")):
                marker = stripped[:3]
                info = stripped.lstrip(marker[0]).strip().split(" ")[0].lower()
                fence = marker if info in SHELL_FENCES else marker + "-other"
                console = info == "console"
            continue
        if stripped.startswith(fence[:3]):
            fence = None
            continue
        if fence.endswith("-other"):
            continue
        if stripped.startswith(PROMPT) or stripped == PROMPT.strip():
            yield number, stripped[len(PROMPT):]
        elif not console:
            yield number, line


def _workflow_lines(path: str, text: str) -> list[tuple[int, str]]:
    """The lines of each `run:` step of a GitHub workflow, at the lines they have in the file."""
    import yaml  # only when the project has a workflow

    try:
        workflow = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    jobs = workflow.get("jobs") if isinstance(workflow, dict) else None
    if not isinstance(jobs, dict):
        return []
    document = Document(path, "yaml", text)
    source = text.splitlines()
    lines: list[tuple[int, str]] = []
    for job, body in jobs.items():
        steps = body.get("steps") if isinstance(body, dict) else None
        for index, step in enumerate(steps if isinstance(steps, list) else ()):
            if not (isinstance(step, dict) and isinstance(step.get("run"), str)):
                continue
            found = document.find(("jobs", job, "steps", index, "run"))
            if found is None:
                continue
            commands = step["run"].splitlines()
            if source[found.line - 1][found.column - 1 :].startswith(("|", ">")):  # a block: its lines as written
                below = range(found.line + 1, found.line + len(commands) + 1)
                lines += [(number, source[number - 1]) for number in below]
            else:
                lines += [(found.line, " " * (found.column - 1) + line) for line in commands[:1]]
            lines.append((0, ""))  # a step's last command ends with it
    return lines
