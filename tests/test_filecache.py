"""The content cache: a warm run takes each unchanged file's records from the cache (no read, no
parse), re-extracts a changed file, keeps a touched one, and starts afresh when the transformers
tables or the settings change; a corrupt cache is ignored, and the cache stays bounded."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import pytest

import loadlint.engine as engine
import loadlint.engine.reading as reading
import loadlint.extract.passes as passes
from loadlint import filecache
from loadlint.discover import DiscoveryOptions
from loadlint.engine import CheckOptions, extract_paths, run_check
from loadlint.engine import _content_cache as content_cache
from loadlint.filecache import FileCache, fingerprint
from loadlint.tables import load_tables

PROJECTS = Path(__file__).parent / "fixtures" / "projects"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "app_pkg"
    shutil.copytree(PROJECTS / "app_pkg", folder)
    (folder / "app" / "plain.py").write_text("import os\nprint(os.sep)\n")
    monkeypatch.chdir(folder)
    past = time.time() - 3600  # written an hour ago: their mtimes can be trusted (see RACY_SECONDS)
    for path in folder.rglob("*.py"):
        os.utime(path, (past, past))
    return folder


def extract(cache: FileCache):
    return extract_paths(["app", "scripts"], load_tables(), DiscoveryOptions(root=Path.cwd()), cache=cache)


def records(extraction) -> list:
    return [(file.path, file.report.sites, file.report.uses, file.data is not None) for file in extraction.files]


def fresh(tmp_path: Path, key: str = "k") -> FileCache:
    return FileCache.open(tmp_path / "cache", os.getcwd(), key)


def stored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files extracted afresh (not answered by the cache), as they are stored in it."""
    paths: list[str] = []
    original = FileCache.store
    monkeypatch.setattr(FileCache, "store", lambda self, path, *a: paths.append(path) or original(self, path, *a))
    return paths


def forbid(monkeypatch: pytest.MonkeyPatch, module, name: str) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} ran on a warm run")

    monkeypatch.setattr(module, name, refuse)


def test_a_warm_run_reads_no_unchanged_file(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = fresh(tmp_path)
    cold = extract(cache)
    cache.save()
    read = []
    original = reading.read_source
    monkeypatch.setattr(reading, "read_source", lambda path: read.append(path) or original(path))
    forbid(monkeypatch, reading, "extract_file")
    forbid(monkeypatch, passes, "extract_calls")
    warm = extract(fresh(tmp_path))
    assert records(warm) == records(cold)
    # only the files whose bytes a later step needs (they load models) are read again
    assert sorted(read) == sorted(file.path for file in cold.files if file.data is not None)
    assert "app/plain.py" not in read


def test_a_changed_file_is_extracted_again(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = fresh(tmp_path)
    extract(cache)
    cache.save()
    serve = project / "scripts" / "serve.py"
    serve.write_text(serve.read_text().replace("google-t5", "google-t6"))
    extracted = stored(monkeypatch)
    warm = extract(fresh(tmp_path))
    assert extracted == ["scripts/serve.py"]
    cold = extract_paths(["app", "scripts"], load_tables(), DiscoveryOptions(root=project))
    assert records(warm) == records(cold)


def test_a_file_changed_right_after_it_was_cached_is_read_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the mtime's resolution a change may keep size and mtime: a file modified just before it
    was cached is trusted only by its bytes."""
    serve = project / "scripts" / "serve.py"
    serve.touch()
    cache = fresh(tmp_path)
    extract(cache)
    cache.save()
    stat = os.stat(serve)
    serve.write_text(serve.read_text().replace("google-t5", "google-t6"))
    os.utime(serve, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    warm = extract(fresh(tmp_path))
    assert any(site.model_id == "google-t6/t5-small" for file in warm.files for site in file.report.sites)


def test_a_touched_file_keeps_its_records(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = fresh(tmp_path)
    cold = extract(cache)
    cache.save()
    later = time.time() + 10
    os.utime(project / "app" / "models.py", (later, later))
    forbid(monkeypatch, reading, "extract_file")
    assert records(extract(fresh(tmp_path))) == records(cold)


def test_another_fingerprint_starts_afresh(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = fresh(tmp_path, "one")
    extract(cache)
    cache.save()
    extracted = stored(monkeypatch)
    extract(fresh(tmp_path, "two"))
    assert "app/models.py" in extracted and "app/plain.py" in extracted


def test_the_key_follows_the_tables_the_version_and_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = load_tables()
    options = CheckOptions(content_cache=True)
    key = content_cache(options, tables).fingerprint
    changed = dataclasses.replace(tables, transformers_version=tables.transformers_version + ".dev0")
    assert content_cache(options, changed).fingerprint != key
    smaller = dataclasses.replace(options, limits=dataclasses.replace(options.limits, max_file_size=10))
    assert content_cache(smaller, tables).fingerprint != key
    assert content_cache(options, tables).fingerprint == key
    assert content_cache(CheckOptions(), tables) is None
    monkeypatch.setattr(engine, "code_stamp", lambda: "an edited extract/ (same version number)")
    assert content_cache(options, tables).fingerprint != key
    assert fingerprint("a", 1) != fingerprint("a", 2)


@pytest.mark.parametrize("garbage", [b"", b"\xff\xfe", b"[]", b'{"format": 1}', b'{"format": 1, "fingerprint": "k",'
                                     b' "entries": {"app/models.py": {"libraries": "transformers", "report": 3}}}'])
def test_a_corrupt_cache_is_ignored_and_rewritten(project: Path, tmp_path: Path, garbage: bytes) -> None:
    cold = extract(None)
    cache = fresh(tmp_path)
    cache.path.parent.mkdir(parents=True)
    cache.path.write_bytes(garbage)
    cache = fresh(tmp_path)
    assert records(extract(cache)) == records(cold)
    cache.save()
    assert json.loads(cache.path.read_bytes())["fingerprint"] == "k"


def test_a_run_with_the_cache_on_judges_as_without(project: Path, tmp_path: Path) -> None:
    options = CheckOptions(paths=("app", "scripts"), content_cache=True, rules=())
    first = run_check(options)
    second = run_check(options)
    assert (first.files, first.call_sites, first.loads) == (second.files, second.call_sites, second.loads)
    assert any((Path(os.environ["LOADLINT_CACHE_DIR"]) / "files").glob("*.json"))


def test_the_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filecache, "MAX_FOLDERS", 2)
    for index in range(4):
        folder = tmp_path / f"project{index}"
        folder.mkdir()
        cache = FileCache.open(tmp_path / "cache", str(folder), "k")
        source = folder / "a.py"
        source.write_text("x = 1\n")
        empty = filecache.Cached(reading.FileReport("a.py"), keep=False)
        cache.store(str(source), os.stat(source), b"x = 1\n", "transformers", empty)
        cache.save()
        os.utime(cache.path, (index, index + 1_000_000))
    assert len(list((tmp_path / "cache" / "files").glob("*.json"))) == 2
