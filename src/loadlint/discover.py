"""Turn the paths given on the command line into the files to check: Python sources and notebooks.

Folders are walked in sorted order.  An entry found while walking is skipped when an `exclude` pattern
or a `.gitignore` matches it; both use gitignore semantics (negation, anchored and folder patterns),
evaluated by pathspec.  The `.gitignore` files read are those from the repository root (the folder
holding `.git`; without one, the folder given) down to each walked folder, after `.git/info/exclude`;
a deeper file wins over a shallower one, as in git.  The user's global excludes file is not read.

Inside a git work tree, as in git, a `.gitignore` pattern never leaves out a file git tracks, nor a
folder holding one (such a folder is walked for its tracked files only): a project may ignore
`/extensions` and still commit it.  git is asked once per repository and run (`git ls-files`), only
when a pattern would ignore something there.  `exclude` patterns still apply to tracked files.
Without git, or where git does not take the folder for the top of a work tree, the patterns decide.

A path named on the command line is always checked, and a folder named there is walked even when a
pattern matches it or a folder above it (only the patterns about what lies inside then count), unless
`force_exclude` is set: then the path and the folders above it are tested too, which is what the
pre-commit hook needs, since it names every staged file.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pathspec import GitIgnoreSpec

# The files a walk checks, as Ruff's `include` default: Python sources, stubs and Jupyter notebooks.
DEFAULT_INCLUDE: tuple[str, ...] = ("*.py", "*.pyi", "*.ipynb")
LANGUAGES = ("python", "pyi", "ipynb")  # what `extension` may map a file suffix to, as Ruff's
RECIPE_SUFFIXES = ("yml", "yaml")  # YAML files: read as training recipes, where `recipes` asks for them
# Folders that hold environments, caches or build output rather than the project's own code.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".nox", ".eggs", "node_modules",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist",
})
# SKIPPED_DIRS as exclude patterns: a trailing slash matches a folder of that name at any depth.
DEFAULT_EXCLUDE: tuple[str, ...] = (*sorted(f"{name}/" for name in SKIPPED_DIRS), "*.egg-info/")
LOCKFILE_NAME = "loadlint.lock"
GITIGNORE = ".gitignore"
GIT_TIMEOUT = 5.0  # seconds for `git ls-files`; past it the patterns alone decide
# Variables a hook or an enclosing git command may set that would point git at another repository or index.
GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


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
        if path == self.base or not within(path, self.base):
            return None
        return _relative(path, self.base)

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
    include: tuple[str, ...] = DEFAULT_INCLUDE  # gitignore-style patterns of the files a walk checks
    extension: tuple[tuple[str, str], ...] = ()  # (suffix without the dot, language): also walked
    recipes: tuple[str, ...] = ()  # gitignore-style patterns of the YAML training recipes a walk checks

    def included(self, path: str) -> bool:
        """Whether a file met while walking is checked: `include` matches it, `extension` maps its
        suffix, or it is a YAML file that `recipes` matches."""
        suffix = os.path.splitext(path)[1][1:]
        base = str(self.root or os.getcwd())
        if suffix in RECIPE_SUFFIXES:
            return bool(self.recipes) and _patterns(self.recipes, base).matches(path)
        return any(suffix == mapped for mapped, _ in self.extension) or _patterns(self.include, base).matches(path)

    def language_of(self, path: str) -> str:
        """`python`, `pyi`, `ipynb` or (a YAML file, read as a training recipe) `recipe`: what
        `extension` maps the file's suffix to, else what the suffix says."""
        suffix = os.path.splitext(path)[1][1:]
        mapped = dict(self.extension)
        if suffix in mapped:
            return mapped[suffix]
        return {"ipynb": "ipynb", "pyi": "pyi", **dict.fromkeys(RECIPE_SUFFIXES, "recipe")}.get(suffix, "python")


@functools.lru_cache(maxsize=16)
def _patterns(patterns: tuple[str, ...], base: str) -> PathPatterns:
    return PathPatterns.parse(base, patterns)


def checked_files(
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
    tracked = _Tracked()
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
        skip = _Skip(exclude if within(absolute, exclude.base) else replace(exclude, base=outside), options, tracked)
        ignored = False  # a gitignored folder walked for its tracked files only
        if options.force_exclude:
            inside = skip.forced(absolute, is_dir)
            if inside is None:
                continue
            ignored = inside.ignored
        if is_dir:
            yield from _walk(given, absolute, skip, ignored, report)
        else:
            yield given


def _raise_path_error(message: str) -> None:
    raise PathError(message)


def os_error_reason(exc: OSError) -> str:
    """`no such file or directory`, `permission denied`, `too many levels of symbolic links`..."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _walk(given: str, absolute: str, skip: _Skip, ignored: bool, report: Callable[[str], None]) -> Iterator[str]:
    """The walk of one folder; a pattern that matches the folder itself does not apply inside it, unless
    `ignored`: then only what git tracks there is kept."""
    repository = _repository_root(absolute)
    top = repository or absolute
    inherited = skip.info_exclude(top) if absolute == top else skip.layers_down_to(os.path.dirname(absolute), top)
    skip = replace(skip, exclude=skip.exclude.inside(absolute))
    waiting = {absolute: _Scope(tuple(layer.inside(absolute) for layer in inherited), repository, ignored)}

    def unreadable(exc: OSError) -> None:
        report(f"{exc.filename}: cannot read the folder: {os_error_reason(exc)}")

    for root, dirs, files in os.walk(given, onerror=unreadable):
        folder = os.path.normpath(os.path.join(absolute, os.path.relpath(root, given)))
        scope = skip.entering(folder, waiting.pop(folder))
        kept = []
        for name in sorted(dirs):
            child = os.path.join(folder, name)
            inside = skip.verdict(child, True, scope)
            if inside is not None:  # a nested repository starts afresh, with its own index and .git/info/exclude
                nested = os.path.exists(os.path.join(child, ".git"))
                waiting[child] = _Scope(skip.info_exclude(child), child) if nested else inside
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            path = os.path.join(folder, name)
            if skip.options.included(path) and skip.verdict(path, False, scope) is not None:
                yield os.path.join(root, name) if root != "." else name


def within(path: str, folder: str) -> bool:
    """Whether absolute `path` is `folder` or lies below it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _relative(path: str, base: str) -> str:
    """`path` (absolute, below `base`) relative to `base`, with `/` separators."""
    return path[len(base.rstrip(os.sep)) + 1 :].replace(os.sep, "/")


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


def _git_tracked(repository: str) -> frozenset[str] | None:
    """The paths git tracks in the work tree at `repository` (relative to it), and their folders with a
    trailing `/`; None when git is missing, fails or takes too long, or does not take `repository` for a
    work tree (GIT_CEILING_DIRECTORIES keeps it from settling for a repository above)."""
    env = {name: value for name, value in os.environ.items() if name not in GIT_LOCATION_VARIABLES}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.realpath(repository)))
    try:
        listed = subprocess.run(
            ["git", "-C", repository, "ls-files", "-z"],  # paths relative to `repository`, whatever git's top
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    paths = {os.fsdecode(name) for name in listed.stdout.split(b"\0") if name}
    folders: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder + "/" not in folders:
            folders.add(folder + "/")
            folder = folder.rpartition("/")[0]
    return frozenset(paths | folders)


class _Tracked:
    """What git tracks, per repository root, for one run: `git ls-files` runs at most once per repository,
    and only when a pattern would ignore something there, so most runs never start git."""

    def __init__(self) -> None:
        self._paths: dict[str, frozenset[str] | None] = {}

    def holds(self, repository: str, path: str, is_dir: bool) -> bool:
        """Whether git tracks `path` (absolute, below `repository`) or, for a folder, something in it
        (a submodule is listed as the folder itself)."""
        if repository not in self._paths:
            self._paths[repository] = _git_tracked(repository)
        tracked = self._paths[repository]
        if tracked is None:
            return False
        rel = _relative(path, repository)
        return rel in tracked or (is_dir and rel + "/" in tracked)


def _ignored_by(layers: Sequence[PathPatterns], path: str, is_dir: bool) -> bool:
    """The deepest layer with an opinion about `path` wins, as in git."""
    ignored = False
    for layer in layers:
        verdict = layer.verdict(path, is_dir)
        ignored = ignored if verdict is None else verdict
    return ignored


@dataclass(frozen=True)
class _Scope:
    """What applies inside one folder.

    `layers` are gitignore files, outermost first: `.git/info/exclude`, then each `.gitignore` from the
    repository root down.  No layer leaves out what git tracks in `repository` (None outside one).
    `ignored`: a layer ignores the folder itself, which is walked for its tracked files only, since git
    keeps nothing else inside an ignored folder.
    """

    layers: tuple[PathPatterns, ...]
    repository: str | None
    ignored: bool = False


@dataclass(frozen=True)
class _Skip:
    """Decides, entry by entry, what a walk leaves out."""

    exclude: PathPatterns
    options: DiscoveryOptions
    tracked: _Tracked

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

    def entering(self, folder: str, scope: _Scope) -> _Scope:
        """`scope` with the folder's own `.gitignore` last (left unread inside an ignored folder: no pattern
        counts there)."""
        return scope if scope.ignored else replace(scope, layers=scope.layers + self.gitignore(folder))

    def verdict(self, path: str, is_dir: bool, scope: _Scope) -> _Scope | None:
        """None when `path` (absolute) is left out, else the scope inside it before its own `.gitignore`."""
        if self.exclude.verdict(path, is_dir):
            return None
        ignored = scope.ignored or _ignored_by(scope.layers, path, is_dir)
        if ignored and not (scope.repository and self.tracked.holds(scope.repository, path, is_dir)):
            return None
        return scope if ignored == scope.ignored else replace(scope, ignored=True)

    def forced(self, path: str, is_dir: bool) -> _Scope | None:
        """For `force_exclude`: None when `path` or a folder above it is excluded, else the scope inside it."""
        folder = path if is_dir else os.path.dirname(path)
        repository = _repository_root(folder)
        top = repository or folder
        scope = _Scope((), None)
        for entry in [*reversed(Path(path).parents), Path(path)][1:]:  # outermost first, below the filesystem root
            parent = str(entry.parent)
            if parent == top:
                scope = _Scope(self.layers_down_to(top, top), repository)
            elif within(parent, top):
                scope = self.entering(parent, scope)
            inside = self.verdict(str(entry), is_dir or entry != Path(path), scope)
            if inside is None:
                return None
            scope = inside
        return scope


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
