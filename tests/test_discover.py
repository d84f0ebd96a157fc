"""Which files a run checks: folder walks, exclude patterns, .gitignore files, explicit paths, what git tracks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from loadlint import discover
from loadlint.discover import DEFAULT_EXCLUDE, SKIPPED_DIRS, DiscoveryOptions, PathError, checked_files

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def tree(root: Path, *files: str, **texts: str) -> Path:
    """Empty files at the given relative paths, and files with contents (`name=text`, `/` spelt `__`)."""
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    for name, text in texts.items():
        path = root / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found(root: Path, paths: tuple[str, ...] = (".",), **options: object) -> list[str]:
    """checked_files run from `root`, its answers relative to `root` with `/` separators."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        files = checked_files(paths, DiscoveryOptions(root=root, **options))  # type: ignore[arg-type]
        return [os.path.relpath(path).replace(os.sep, "/") for path in files]
    finally:
        os.chdir(cwd)


def test_walk_is_sorted_and_keeps_python_files_only(tmp_path: Path) -> None:
    tree(tmp_path, "b.py", "a.pyi", "notes.txt", "z/c.py", "m/d.py")
    assert found(tmp_path) == ["a.pyi", "b.py", "m/d.py", "z/c.py"]


def test_skipped_dirs_are_skipped_by_default(tmp_path: Path) -> None:
    tree(tmp_path, "keep.py", "pkg.egg-info/x.py", "src/build/y.py", *(f"{name}/x.py" for name in SKIPPED_DIRS))
    assert found(tmp_path) == ["keep.py"]
    assert set(DEFAULT_EXCLUDE) == {f"{name}/" for name in SKIPPED_DIRS} | {"*.egg-info/"}


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    tree(tmp_path, "build/x.py", "gen/y.py", "app.py")
    assert found(tmp_path, exclude=("gen/",)) == ["app.py", "build/x.py"]


def test_extend_exclude_adds_to_the_defaults(tmp_path: Path) -> None:
    tree(tmp_path, "build/x.py", "gen/y.py", "app.py", "tests/test_app.py", "sub/tests/t.py")
    exclude = (*DEFAULT_EXCLUDE, "gen/", "/tests/")
    assert found(tmp_path, exclude=exclude) == ["app.py", "sub/tests/t.py"]


def test_exclude_patterns_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    tree(tmp_path, "project/legacy/a.py", "project/src/legacy/b.py")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        files = list(checked_files(["project"], DiscoveryOptions(exclude=("/legacy",), root=tmp_path / "project")))
    finally:
        os.chdir(cwd)
    assert files == [os.path.join("project", "src", "legacy", "b.py")]


def test_folders_outside_the_config_folder_still_skip_the_defaults(tmp_path: Path) -> None:
    tree(tmp_path, "elsewhere/venv/x.py", "elsewhere/ok.py")
    options = DiscoveryOptions(root=tmp_path / "config-home")
    assert list(checked_files([str(tmp_path / "elsewhere")], options)) == [str(tmp_path / "elsewhere" / "ok.py")]


def test_gitignore_negation_and_directory_patterns(tmp_path: Path) -> None:
    tree(
        tmp_path,
        ".git/HEAD",
        "generated/a.py",
        "generated/keep.py",
        "out/b.py",
        "out.py",
        "src/c.py",
        **{".gitignore": "generated/*\n!generated/keep.py\nout/\n"},
    )
    assert found(tmp_path) == ["out.py", "generated/keep.py", "src/c.py"]


def test_gitignore_cannot_reinclude_a_file_of_an_ignored_folder(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "gen/keep.py", "app.py", **{".gitignore": "gen/\n!gen/keep.py\n"})
    assert found(tmp_path) == ["app.py"]


def test_anchored_gitignore_patterns(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "scratch.py", "pkg/scratch.py", **{".gitignore": "/scratch.py\n"})
    assert found(tmp_path) == ["pkg/scratch.py"]


def test_nested_gitignore_applies_below_its_folder_and_wins(tmp_path: Path) -> None:
    tree(
        tmp_path,
        ".git/HEAD",
        "a/tmp_1.py",
        "a/b/tmp_2.py",
        "a/b/local.py",
        "c/local.py",
        **{".gitignore": "tmp_*.py\n", "a__b__.gitignore": "!tmp_2.py\nlocal.py\n"},
    )
    assert found(tmp_path) == ["a/b/tmp_2.py", "c/local.py"]


def test_gitignore_above_the_checked_folder_up_to_the_repository_root(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "pkg/sub/secret.py", "pkg/sub/ok.py", **{".gitignore": "secret.py\n"})
    assert found(tmp_path, ("pkg/sub",)) == ["pkg/sub/ok.py"]


def test_gitignore_above_the_repository_root_is_not_read(tmp_path: Path) -> None:
    tree(tmp_path, "repo/.git/HEAD", "repo/app.py", **{".gitignore": "app.py\n"})
    assert found(tmp_path / "repo") == ["app.py"]


def test_gitignore_without_a_repository_is_read_from_the_checked_folder(tmp_path: Path) -> None:
    tree(tmp_path, "app.py", "scratch.py", **{".gitignore": "scratch.py\n"})
    assert found(tmp_path) == ["app.py"]


def test_a_nested_repository_ignores_the_outer_gitignore(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "vendored/.git/HEAD", "vendored/gen.py", "gen.py", **{".gitignore": "gen.py\n"})
    assert found(tmp_path) == ["vendored/gen.py"]


def test_git_info_exclude(tmp_path: Path) -> None:
    tree(tmp_path, "mine.py", "app.py", **{".git__info__exclude": "mine.py\n"})
    assert found(tmp_path) == ["app.py"]


def test_a_gitignore_line_git_cannot_read_is_skipped(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "app.py", "old.py", **{".gitignore": "!\nold.py\n"})
    assert found(tmp_path) == ["app.py"]


def test_respect_gitignore_false(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "app.py", "scratch.py", **{".gitignore": "scratch.py\n"})
    assert found(tmp_path, respect_gitignore=False) == ["app.py", "scratch.py"]


def test_explicit_files_are_checked_whatever_excludes_them(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "build/x.py", "scratch.py", "script", **{".gitignore": "scratch.py\n"})
    explicit = ("build/x.py", "scratch.py", "script")
    assert found(tmp_path, explicit) == list(explicit)


def test_force_exclude_applies_excludes_and_gitignore_to_explicit_paths(tmp_path: Path) -> None:
    ignore = {".gitignore": "gen/\nscratch.py\n"}
    tree(tmp_path, ".git/HEAD", "build/x.py", "scratch.py", "gen/deep/y.py", "app.py", **ignore)
    explicit = ("build/x.py", "scratch.py", "gen/deep/y.py", "gen", "app.py")
    assert found(tmp_path, explicit, force_exclude=True) == ["app.py"]


def test_an_explicit_folder_is_walked_even_when_excluded(tmp_path: Path) -> None:
    tree(tmp_path, ".git/HEAD", "build/x.py", "build/__pycache__/c.py", "build/out/y.py", **{".gitignore": "build/\n"})
    assert found(tmp_path, ("build",)) == ["build/x.py", "build/out/y.py"]
    assert found(tmp_path, ("build",), force_exclude=True) == []


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PathError, match=r"nope\.py: no such file or directory"):
        found(tmp_path, ("nope.py",))


def test_paths_are_yielded_as_given(tmp_path: Path) -> None:
    tree(tmp_path, "pkg/a.py")
    assert list(checked_files([str(tmp_path / "pkg")])) == [str(tmp_path / "pkg" / "a.py")]


def git(root: Path, *args: str) -> str:
    """git's output in `root`, untouched by the user's configuration, excludes file and environment."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    command = ["git", "-c", "core.excludesFile=", "-C", str(root), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def repository(root: Path, *tracked: str, **texts: str) -> Path:
    """`git init` in `root`, files as `tree` makes them, and `git add -f` of `tracked` (created if missing)."""
    tree(root, **texts).mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    tree(root, *(name for name in tracked if not (root / name).exists()))
    if tracked:
        git(root, "add", "-f", "--", *tracked)
    return root


@needs_git
def test_a_tracked_file_in_an_ignored_folder_is_found_and_the_untracked_ones_there_are_not(tmp_path: Path) -> None:
    # A real app ignores /extensions and commits it anyway; inside, git keeps only what it tracks: a
    # negation and the folder's own .gitignore cannot bring an untracked file back.
    repository(tmp_path, "extensions/a.py", "extensions/deep/d.py", **{".gitignore": "/extensions\n!extensions/b.py\n"})
    tree(tmp_path, "app.py", "extensions/b.py", "extensions/sub/c.py", **{"extensions__.gitignore": "!c.py\n"})
    assert found(tmp_path) == ["app.py", "extensions/a.py", "extensions/deep/d.py"]
    named = ["extensions/a.py", "extensions/b.py", "extensions/deep/d.py", "extensions/sub/c.py"]
    assert found(tmp_path, ("extensions",)) == named  # a folder named is walked whole, as before


@needs_git
def test_a_tracked_file_matched_by_a_file_pattern_is_found(tmp_path: Path) -> None:
    repository(tmp_path, "proto/msg_pb2.py", **{".gitignore": "*_pb2.py\n", ".git__info__exclude": "mine.py\n"})
    tree(tmp_path, "proto/new_pb2.py", "mine.py")
    git(tmp_path, "add", "-f", "mine.py")
    assert found(tmp_path) == ["mine.py", "proto/msg_pb2.py"]


@needs_git
def test_exclude_patterns_still_skip_tracked_files(tmp_path: Path) -> None:
    repository(tmp_path, "build/x.py", "gen/y.py", "app.py", **{".gitignore": "gen/\n"})
    exclude = (*DEFAULT_EXCLUDE, "/gen/")
    assert found(tmp_path, exclude=exclude) == ["app.py"]
    assert found(tmp_path, ("build/x.py", "gen/y.py", "app.py"), exclude=exclude, force_exclude=True) == ["app.py"]


@needs_git
def test_force_exclude_applies_gitignore_to_untracked_explicit_paths_only(tmp_path: Path) -> None:
    repository(tmp_path, "extensions/a.py", **{".gitignore": "/extensions\n"})
    tree(tmp_path, "extensions/b.py", "extensions/new/c.py")
    explicit = ("extensions/a.py", "extensions/b.py", "extensions/new/c.py", "extensions/new")
    assert found(tmp_path, explicit, force_exclude=True) == ["extensions/a.py"]
    assert found(tmp_path, ("extensions",), force_exclude=True) == ["extensions/a.py"]


@needs_git
def test_a_nested_repository_uses_its_own_tracked_files(tmp_path: Path) -> None:
    # The inner repository's gen/a.py has the path the outer one tracks, relative to each root.
    repository(tmp_path, "gen/a.py", **{".gitignore": "gen/\n"})
    repository(tmp_path / "lib", "gen/b.py", **{".gitignore": "gen/\n"})
    tree(tmp_path, "lib/gen/a.py")
    assert found(tmp_path) == ["gen/a.py", "lib/gen/b.py"]


@needs_git
def test_walks_agree_with_git(tmp_path: Path) -> None:
    ignore = "/extensions\n*_pb2.py\ngen/*\n!gen/keep.py\nout/\n!out/back.py\n"
    tracked = ("extensions/a.py", "extensions/x/b.py", "x_pb2.py", "gen/t.py", "out/deep/o.py", "src/s.py")
    repository(tmp_path, *tracked, **{".gitignore": ignore, "src__.gitignore": "local.py\n"})
    untracked = ("extensions/c.py", "y_pb2.py", "gen/u.py", "gen/keep.py", "out/back.py", "out/deep/p.py")
    tree(tmp_path, *untracked, "src/local.py", "src/new.py", "top.py", **{"out__.gitignore": "!p.py\n"})
    checked_by_git = git(tmp_path, "ls-files", "--cached", "--others", "--exclude-standard").splitlines()
    assert sorted(found(tmp_path)) == sorted(path for path in checked_by_git if path.endswith(".py"))


@needs_git
def test_a_worktree_whose_git_is_a_file_uses_its_tracked_files(tmp_path: Path) -> None:
    repository(tmp_path / "main", ".gitignore", "gen/x.py", **{".gitignore": "gen/\n"})
    git(tmp_path / "main", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "m")
    git(tmp_path / "main", "worktree", "add", "-q", str(tmp_path / "side"))
    tree(tmp_path, "side/gen/new.py")
    assert (tmp_path / "side" / ".git").is_file()
    assert found(tmp_path / "side") == ["gen/x.py"]


@needs_git
def test_git_runs_once_per_repository_and_only_when_a_pattern_ignores_something(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository(tmp_path / "a", "gen/x.py", "gen/y.py", **{".gitignore": "gen/\n"})
    repository(tmp_path / "a" / "inner", "gen/z.py", **{".gitignore": "gen/\n"})
    repository(tmp_path / "b", "app.py")
    calls: list[list[str]] = []
    run = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append(command) or run(command, **kwargs))
    walked = ["a/gen/x.py", "a/gen/y.py"]
    expected = [*walked, *walked, "a/inner/gen/z.py", "a/gen/x.py", "b/app.py"]
    assert found(tmp_path, ("a/gen", "a", "a/gen/x.py", "b"), force_exclude=True) == expected
    assert sorted(command[2] for command in calls) == [str(tmp_path / "a"), str(tmp_path / "a" / "inner")]
    calls.clear()
    assert found(tmp_path / "a", respect_gitignore=False) == ["gen/x.py", "gen/y.py", "inner/gen/z.py"]
    assert calls == []


def test_without_a_repository_git_is_not_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: pytest.fail("git was started"))
    tree(tmp_path, "app.py", "gen/x.py", **{".gitignore": "gen/\n"})
    assert found(tmp_path) == ["app.py"]


@needs_git
def test_without_git_the_patterns_decide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository(tmp_path, "gen/x.py", "app.py", **{".gitignore": "gen/\n"})
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert found(tmp_path) == ["app.py"]
    assert found(tmp_path, ("gen/x.py",), force_exclude=True) == []


@needs_git
def test_a_git_that_hangs_is_given_up_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository(tmp_path, "gen/x.py", "app.py", **{".gitignore": "gen/\n"})
    tree(tmp_path, **{"bin__git": "#!/bin/sh\nexec sleep 30\n"})
    (tmp_path / "bin" / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(discover, "GIT_TIMEOUT", 0.2)
    assert found(tmp_path) == ["app.py"]


@needs_git
def test_a_git_folder_that_git_does_not_take_for_a_repository_leaves_the_patterns_to_decide(tmp_path: Path) -> None:
    # An outer repository tracks inner/gen/x.py; git must not answer for inner's broken .git with it.
    repository(tmp_path, "inner/gen/x.py")
    tree(tmp_path, "inner/.git/HEAD", "inner/app.py", "worktree/gen/y.py", **{"inner__.gitignore": "gen/\n"})
    tree(tmp_path, **{"worktree__.git": "gitdir: /nowhere\n", "worktree__.gitignore": "gen/\n"})
    assert found(tmp_path / "inner") == ["app.py"]
    assert found(tmp_path / "worktree") == []


@needs_git
def test_git_variables_of_an_enclosing_command_do_not_redirect_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hook runs with GIT_INDEX_FILE (and may have GIT_DIR) set for the repository that started it.
    repository(tmp_path / "app", "gen/x.py", **{".gitignore": "gen/\n"})
    repository(tmp_path / "other", "readme.py")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "other" / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "other" / ".git" / "index"))
    assert found(tmp_path / "app") == ["gen/x.py"]
