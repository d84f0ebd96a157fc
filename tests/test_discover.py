"""Which files a run checks: folder walks, exclude patterns, .gitignore files, explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loadlint.discover import DEFAULT_EXCLUDE, SKIPPED_DIRS, DiscoveryOptions, PathError, python_files


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
    """python_files run from `root`, its answers relative to `root` with `/` separators."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        files = python_files(paths, DiscoveryOptions(root=root, **options))  # type: ignore[arg-type]
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
        files = list(python_files(["project"], DiscoveryOptions(exclude=("/legacy",), root=tmp_path / "project")))
    finally:
        os.chdir(cwd)
    assert files == [os.path.join("project", "src", "legacy", "b.py")]


def test_folders_outside_the_config_folder_still_skip_the_defaults(tmp_path: Path) -> None:
    tree(tmp_path, "elsewhere/venv/x.py", "elsewhere/ok.py")
    options = DiscoveryOptions(root=tmp_path / "config-home")
    assert list(python_files([str(tmp_path / "elsewhere")], options)) == [str(tmp_path / "elsewhere" / "ok.py")]


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
    assert list(python_files([str(tmp_path / "pkg")])) == [str(tmp_path / "pkg" / "a.py")]
