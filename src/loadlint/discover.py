"""Turn the paths given on the command line into the Python files to check.

Folders are walked in sorted order.  An entry found while walking is skipped when an `exclude` pattern
or a `.gitignore` matches it; both use gitignore semantics (negation, anchored and folder patterns),
evaluated by pathspec.  The `.gitignore` files read are those from the repository root (the folder
holding `.git`; without one, the folder given) down to each walked folder, after `.git/info/exclude`;
a deeper file wins over a shallower one, as in git.  The user's global excludes file is not read.

A path named on the command line is always checked, and a folder named there is walked even when a
pattern matches it or a folder above it (only the patterns about what lies inside then count), unless
`force_exclude` is set: then the path and the folders above it are tested too, which is what the
pre-commit hook needs, since it names every staged file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pathspec import GitIgnoreSpec

PYTHON_SUFFIXES = (".py", ".pyi")
# Folders that hold environments, caches or build output rather than the project's own code.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".eggs", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist",
})
# SKIPPED_DIRS as exclude patterns: a trailing slash matches a folder of that name at any depth.
DEFAULT_EXCLUDE: tuple[str, ...] = (*sorted(f"{name}/" for name in SKIPPED_DIRS), "*.egg-info/")
LOCKFILE_NAME = "loadlint.lock"
GITIGNORE = ".gitignore"


class PathError(Exception):
    """A path given by the user does not exist or cannot be read."""


@dataclass(frozen=True)
class PathPatterns:
    """Gitignore-style patterns and the folder (absolute) they are relative to."""

    base: str
    spec: GitIgnoreSpec

    @classmethod
    def parse(cls, base: str | Path, lines: Iterable[str]) -> PathPatterns:
        return cls(os.path.abspath(base), GitIgnoreSpec.from_lines(lines))

    def relative(self, path: str) -> str | None:
        """`path` (absolute) relative to the base with `/` separators; None when it lies outside."""
        if path == self.base or not _within(path, self.base):
            return None
        return path[len(self.base.rstrip(os.sep)) + 1 :].replace(os.sep, "/")

    def matches(self, path: str) -> bool:
        """Whether `path` (absolute, a file) or a folder above it matches; outside the base, its name."""
        return self.spec.match_file(self.relative(path) or os.path.basename(path))

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True when `path` (absolute) or a folder above it is excluded, False when a `!` pattern
        re-includes it, None when no pattern is about it."""
        rel = self.relative(path)
        return None if rel is None else self.spec.check_file(rel + "/" if is_dir else rel).include

    def inside(self, folder: str) -> PathPatterns:
        """These patterns less those that match `folder` (absolute) or a folder above it."""
        rel = self.relative(folder)
        if rel is None:
            return self
        kept = [pattern for pattern in self.spec.patterns if pattern.match_file(rel + "/") is None]
        return self if len(kept) == len(self.spec.patterns) else replace(self, spec=GitIgnoreSpec(kept))


@dataclass(frozen=True)
class DiscoveryOptions:
    """What a run leaves out; `config.settings_for_run` builds it from the configuration."""

    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    root: Path | None = None  # the folder `exclude` is relative to (the config's); None: the working directory
    respect_gitignore: bool = True
    force_exclude: bool = False  # apply `exclude` and `.gitignore` to the paths named on the command line too


def python_files(
    paths: Sequence[str],
    options: DiscoveryOptions = DiscoveryOptions(),
    on_error: Callable[[str], None] | None = None,
) -> Iterator[str]:
    """Files named explicitly are checked whatever their suffix; folders are walked in sorted order.

    Paths are yielded as given (joined onto the given folder for walked files).  A path that does not
    exist or cannot be read, and a folder the walk cannot list, go to `on_error` as one line each and
    the other paths are still walked, as Ruff does; without `on_error` the first raises PathError.
    """
    report = on_error or _raise_path_error
    exclude = PathPatterns.parse(options.root or os.getcwd(), options.exclude)
    for given in paths:
        try:
            os.stat(given)
        except OSError as exc:
            report(f"{given}: {os_error_reason(exc)}")
            continue
        absolute = os.path.abspath(given)
        is_dir = os.path.isdir(absolute)
        # Outside the config's folder, the patterns are relative to the folder given (or the file's).
        outside = absolute if is_dir else os.path.dirname(absolute)
        skip = _Skip(exclude if _within(absolute, exclude.base) else replace(exclude, base=outside), options)
        if options.force_exclude and skip.with_parents(absolute, is_dir):
            continue
        if is_dir:
            yield from _walk(given, absolute, skip, report)
        else:
            yield given


def _raise_path_error(message: str) -> None:
    raise PathError(message)


def os_error_reason(exc: OSError) -> str:
    """`no such file or directory`, `permission denied`, `too many levels of symbolic links`..."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _walk(given: str, absolute: str, skip: _Skip, report: Callable[[str], None]) -> Iterator[str]:
    """The walk of one folder; a pattern that matches the folder itself does not apply inside it."""
    top = _repository_root(absolute) or absolute
    inherited = skip.info_exclude(top) if absolute == top else skip.layers_down_to(os.path.dirname(absolute), top)
    skip = replace(skip, exclude=skip.exclude.inside(absolute))
    waiting = {absolute: tuple(layer.inside(absolute) for layer in inherited)}

    def unreadable(exc: OSError) -> None:
        report(f"{exc.filename}: cannot read the folder: {os_error_reason(exc)}")

    for root, dirs, files in os.walk(given, onerror=unreadable):
        folder = os.path.normpath(os.path.join(absolute, os.path.relpath(root, given)))
        layers = waiting.pop(folder) + skip.gitignore(folder)
        dirs[:] = sorted(d for d in dirs if not skip.excluded(os.path.join(folder, d), True, layers))
        for name in dirs:  # a nested repository starts afresh, with its own .git/info/exclude
            child = os.path.join(folder, name)
            waiting[child] = skip.info_exclude(child) if os.path.exists(os.path.join(child, ".git")) else layers
        for name in sorted(files):
            if name.endswith(PYTHON_SUFFIXES) and not skip.excluded(os.path.join(folder, name), False, layers):
                yield os.path.join(root, name) if root != "." else name


def _within(path: str, folder: str) -> bool:
    """Whether absolute `path` is `folder` or lies below it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _repository_root(folder: str) -> str | None:
    """The nearest folder at or above `folder` that holds `.git` (a folder, or a file in a worktree)."""
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read_patterns(base: str, path: str) -> tuple[PathPatterns, ...]:
    """A gitignore-style file as one layer; a missing or unreadable file is no layer (git ignores it too)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ()
    return (PathPatterns.parse(base, [line for line in lines if _parses(line)]),)


def _parses(line: str) -> bool:
    """git skips a pattern it cannot read (a trailing backslash, a lone `!`); so do we."""
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Skip:
    """Decides, entry by entry, what a walk leaves out.

    Layers are gitignore files, outermost first: `.git/info/exclude`, then each `.gitignore` from the
    repository root down; the deepest one with an opinion wins.
    """

    exclude: PathPatterns
    options: DiscoveryOptions

    def gitignore(self, folder: str) -> tuple[PathPatterns, ...]:
        return _read_patterns(folder, os.path.join(folder, GITIGNORE)) if self.options.respect_gitignore else ()

    def info_exclude(self, repository: str) -> tuple[PathPatterns, ...]:
        if not self.options.respect_gitignore:
            return ()
        return _read_patterns(repository, os.path.join(repository, ".git", "info", "exclude"))

    def layers_down_to(self, folder: str, top: str) -> tuple[PathPatterns, ...]:
        """The layers that apply inside `folder`, which lies at or below `top`."""
        above = self.info_exclude(top) if folder == top else self.layers_down_to(os.path.dirname(folder), top)
        return above + self.gitignore(folder)

    def excluded(self, path: str, is_dir: bool, layers: Sequence[PathPatterns]) -> bool:
        if self.exclude.verdict(path, is_dir):
            return True
        ignored = None
        for layer in layers:
            verdict = layer.verdict(path, is_dir)
            ignored = ignored if verdict is None else verdict
        return bool(ignored)

    def with_parents(self, path: str, is_dir: bool) -> bool:
        """Whether `path` or a folder above it is excluded (`force_exclude`)."""
        folder = path if is_dir else os.path.dirname(path)
        top = _repository_root(folder) or folder
        layers: tuple[PathPatterns, ...] = ()
        for entry in [*reversed(Path(path).parents), Path(path)][1:]:  # outermost first, below the filesystem root
            parent = str(entry.parent)
            if _within(parent, top):
                layers = self.layers_down_to(parent, top) if parent == top else layers + self.gitignore(parent)
            if self.excluded(str(entry), is_dir or entry != Path(path), layers):
                return True
        return False


def find_lockfile(paths: Sequence[str], cwd: Path) -> Path | None:
    """The nearest `loadlint.lock` above the first checked path, else in the working directory.
    (`os.path` rather than `Path`: an unreadable folder or a symlink loop on the way is no lockfile,
    never an error.)"""
    for given in paths:
        start = os.path.realpath(given)
        folder = start if os.path.isdir(start) else os.path.dirname(start)
        while True:
            candidate = os.path.join(folder, LOCKFILE_NAME)
            if os.path.isfile(candidate):
                return Path(candidate)
            if os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
    candidate = os.path.join(cwd, LOCKFILE_NAME)
    return Path(candidate) if os.path.isfile(candidate) else None
