"""Extracting many files in worker processes gives the same records, in the same order, as one
process, and the content cache is filled from the workers' results."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from pathlib import Path

import pytest

import loadlint.engine.reading as reading
from loadlint.discover import DiscoveryOptions
from loadlint.engine import extract_paths
from loadlint.filecache import FileCache
from loadlint.tables import load_tables

PROJECTS = Path(__file__).parent / "fixtures" / "projects"

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")


def test_the_pool_gives_what_one_process_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("app_pkg", "eval_harness", "hf_train", "negatives", "registry_loop"):
        shutil.copytree(PROJECTS / name, tmp_path / name)
    (tmp_path / "broken.py").write_text("from transformers import AutoModel\nAutoModel.from_pretrained(\n")
    past = time.time() - 3600
    for path in tmp_path.rglob("*.py"):
        os.utime(path, (past, past))
    monkeypatch.chdir(tmp_path)

    def extract(cache=None):
        extraction = extract_paths(["."], load_tables(), DiscoveryOptions(root=tmp_path), cache=cache)
        return [(f.path, f.report.sites, f.report.uses, f.report.error) for f in extraction.files], extraction.errors

    serial = extract()
    monkeypatch.setattr(reading, "POOL_MIN_FILES", 2)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    pooled: list[int] = []
    original = reading.ProcessPoolExecutor
    monkeypatch.setattr(reading, "ProcessPoolExecutor", lambda *a, **k: pooled.append(1) or original(*a, **k))
    cache = FileCache.open(tmp_path / "cache", str(tmp_path), "k")
    assert extract(cache) == serial
    assert pooled, "the files were extracted in one process"
    cache.save()
    original_extract = reading.extract_file

    def only_the_broken_file(path, *args, **kwargs):
        assert path == "broken.py", "a cached file was extracted again"  # a file with an error is not cached
        return original_extract(path, *args, **kwargs)

    monkeypatch.setattr(reading, "extract_file", only_the_broken_file)
    assert extract(FileCache.open(tmp_path / "cache", str(tmp_path), "k")) == serial
