"""Derived tables are cached on disk, one entry per installation: read back while nothing they were read
from has changed, derived again when something has, and a broken or unwritable cache costs only speed."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from test_tables import DERIVED, MINIMAL_PACKAGE, _write, requires_transformers

import loadlint
import loadlint.tables.derive as derive_module
from loadlint import tables as tables_module
from loadlint.tables import Tables, TablesError, load_tables
from loadlint.tables.model import SCHEMA_VERSION


@pytest.fixture(autouse=True)
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own cache folder, and nothing memoised in this process before or after the test."""
    root = tmp_path / "cache"
    monkeypatch.setenv("LOADLINT_CACHE_DIR", str(root))
    tables_module._tables_at.cache_clear()
    yield root
    tables_module._tables_at.cache_clear()


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The package folders derived from, one per derivation (the real derivation still runs)."""
    calls: list[Path] = []
    derive = derive_module.derive_with_inputs

    def counted(package_dir: Path, origin: str):
        calls.append(package_dir)
        return derive(package_dir, origin)

    monkeypatch.setattr(derive_module, "derive_with_inputs", counted)
    return calls


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return _write(tmp_path / "site-packages" / "transformers", MINIMAL_PACKAGE)


def new_run(transformers_dir: Path | None = None) -> Tables:
    """`load_tables` as a new process calls it: nothing memoised in memory, only the cache on disk."""
    tables_module._tables_at.cache_clear()
    return load_tables(transformers_dir)


def entries(root: Path) -> list[Path]:
    return sorted((root / "tables").glob("*.json"))


def edit(path: Path, old: str, new: str, mtime_shift_ns: int) -> None:
    """Replace `old` with `new` in `path`, then set its mtime to the old one plus `mtime_shift_ns`:
    a shift of 0 leaves only the size to tell the edit, the same size only the mtime."""
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + mtime_shift_ns))


# --------------------------------------------------------------------------------------------------
# (a) a second run reads the cache


def test_second_run_reads_the_cache_instead_of_deriving(
    package: Path, cache_root: Path, derivations: list[Path]
) -> None:
    first = new_run(package)
    assert len(entries(cache_root)) == 1
    assert (cache_root / "CACHEDIR.TAG").is_file()
    second = new_run(package)
    assert len(derivations) == 1
    assert second.to_json() == first.to_json()
    assert second.origin == str(package)


def test_one_entry_per_installation_however_it_is_named(
    package: Path, tmp_path: Path, cache_root: Path, derivations: list[Path]
) -> None:
    link = tmp_path / "link"
    link.symlink_to(package, target_is_directory=True)
    from_site_packages = new_run(package.parent)
    assert new_run(link).origin == str(link)
    assert new_run(package).to_json() == from_site_packages.to_json()
    assert len(derivations) == 1
    assert len(entries(cache_root)) == 1


@requires_transformers
def test_installed_transformers_is_derived_once(derivations: list[Path]) -> None:
    assert new_run().origin == "installed"
    second = new_run()
    assert len(derivations) == 1
    assert second.origin == "installed"
    assert second.to_json() == DERIVED.to_json()


# --------------------------------------------------------------------------------------------------
# (b) a changed installation is derived again


@pytest.mark.parametrize(
    ("new_alias", "mtime_shift_ns"),
    [("nerd", 0), ("nel", 1_000_000_000)],
    ids=["size-changed-mtime-kept", "mtime-changed-size-kept"],
)
def test_edited_source_file_is_derived_again(
    package: Path, derivations: list[Path], new_alias: str, mtime_shift_ns: int
) -> None:
    assert new_run(package).task_aliases == {"ner": "token-classification"}
    edit(package / "pipelines" / "__init__.py", '"ner"', f'"{new_alias}"', mtime_shift_ns)
    assert new_run(package).task_aliases == {new_alias: "token-classification"}
    assert len(derivations) == 2
    new_run(package)
    assert len(derivations) == 2  # the new tables were cached in turn


def test_other_transformers_version_is_derived_again(package: Path, derivations: list[Path]) -> None:
    assert new_run(package).transformers_version == "9.9.9"
    edit(package / "__init__.py", "9.9.9", "9.9.8", mtime_shift_ns=1_000_000_000)
    assert new_run(package).transformers_version == "9.9.8"
    assert len(derivations) == 2


def test_module_added_to_the_auto_folder_is_derived_again(package: Path, derivations: list[Path]) -> None:
    """No file that was read changes: only the folder's list of modules tells."""
    assert "AutoModelForExtra" not in new_run(package).auto_models
    (package / "models" / "auto" / "modeling_extra.py").write_text(
        "from .auto_factory import _BaseAutoModelClass, _LazyAutoMapping\n"
        "from .configuration_auto import CONFIG_MAPPING_NAMES\n"
        "from .modeling_auto import MODEL_MAPPING_NAMES\n"
        "EXTRA_MAPPING = _LazyAutoMapping(CONFIG_MAPPING_NAMES, MODEL_MAPPING_NAMES)\n"
        "class AutoModelForExtra(_BaseAutoModelClass):\n"
        "    _model_mapping = EXTRA_MAPPING\n",
        encoding="utf-8",
    )
    assert new_run(package).auto_models["AutoModelForExtra"] == {"bert": ("BertModel", "BertBase")}
    assert len(derivations) == 2


def test_other_loadlint_version_is_derived_again(
    package: Path, cache_root: Path, derivations: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    new_run(package)
    monkeypatch.setattr(loadlint, "__version__", "0.0.0+other")
    new_run(package)
    new_run(package)
    assert len(derivations) == 2
    assert len(entries(cache_root)) == 1  # rewritten in place, not one more entry


def test_other_loadlint_table_code_is_derived_again(
    package: Path, cache_root: Path, derivations: list[Path]
) -> None:
    """An edited checkout keeps its version: its table code is one of the inputs."""
    new_run(package)
    [entry] = entries(cache_root)
    document = json.loads(entry.read_bytes())
    derive_source = str(Path(derive_module.__file__))
    assert derive_source in document["inputs"]["files"]
    document["inputs"]["files"][derive_source] = [0, 0]
    entry.write_text(json.dumps(document), encoding="utf-8")
    new_run(package)
    assert len(derivations) == 2


def test_failed_derivation_is_not_cached(tmp_path: Path, cache_root: Path, derivations: list[Path]) -> None:
    broken = _write(tmp_path / "transformers", {**MINIMAL_PACKAGE, "pipelines/__init__.py": "def (:\n"})
    for _ in range(2):
        with pytest.raises(TablesError, match="not valid Python"):
            new_run(broken)
    assert len(derivations) == 2
    assert entries(cache_root) == []


# --------------------------------------------------------------------------------------------------
# (c) a broken entry is ignored and rewritten


def _replaced(part: str, value: object) -> Callable[[bytes], bytes]:
    def corrupt(good: bytes) -> bytes:
        return json.dumps({**json.loads(good), part: value}).encode()

    return corrupt


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda good: b"",
        lambda good: b"\x00\xff\xfe garbage",
        lambda good: good[: len(good) // 2],
        lambda good: b"[1, 2, 3]",
        lambda good: b'"an entry"',
        _replaced("tables", {"schema": SCHEMA_VERSION}),
        _replaced("tables", {"schema": SCHEMA_VERSION + 1}),
        _replaced("tables", None),
        _replaced("inputs", {"files": {"/x.py": "big"}, "folders": {}}),
        _replaced("inputs", {"files": [], "folders": []}),
        _replaced("inputs", None),
        _replaced("key", {"format": 0}),
    ],
    ids=[
        "empty", "garbage", "truncated", "json-list", "json-string", "tables-missing-fields",
        "tables-other-schema", "tables-null", "inputs-bad-signature", "inputs-lists", "inputs-null", "other-key",
    ],
)
def test_broken_entry_is_ignored_and_rewritten(
    package: Path, cache_root: Path, derivations: list[Path], corrupt: Callable[[bytes], bytes]
) -> None:
    expected = new_run(package).to_json()
    [entry] = entries(cache_root)
    good = entry.read_bytes()
    entry.write_bytes(corrupt(good))
    assert new_run(package).to_json() == expected
    assert len(derivations) == 2
    assert entry.read_bytes() == good
    new_run(package)
    assert len(derivations) == 2


# --------------------------------------------------------------------------------------------------
# (d) a cache that cannot be written costs only speed


def _root_is_a_file(root: Path) -> None:
    root.write_text("not a folder\n", encoding="utf-8")


def _tables_folder_is_a_file(root: Path) -> None:
    root.mkdir()
    (root / "tables").write_text("not a folder\n", encoding="utf-8")


@pytest.mark.parametrize("block", [_root_is_a_file, _tables_folder_is_a_file])
def test_unwritable_cache_still_gives_the_tables(
    package: Path,
    cache_root: Path,
    derivations: list[Path],
    caplog: pytest.LogCaptureFixture,
    block: Callable[[Path], None],
) -> None:
    block(cache_root)
    caplog.set_level(logging.DEBUG, logger="loadlint")
    assert new_run(package).to_json() == new_run(package).to_json()
    assert len(derivations) == 2
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_read_only_entry_is_left_alone(
    package: Path, cache_root: Path, derivations: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    new_run(package)
    [entry] = entries(cache_root)
    good = entry.read_bytes()
    entry.chmod(0o444)
    monkeypatch.setattr(loadlint, "__version__", "0.0.0+other")  # the entry is stale now
    assert new_run(package).transformers_version == "9.9.9"
    assert len(derivations) == 2
    assert entry.read_bytes() == good


def test_a_suggestion_does_not_depend_on_the_tables_order() -> None:
    """A cached copy of the tables keeps no order of its own: the class suggested for an architecture
    two Auto classes build (RobertaForMaskedLM: AutoModelForMaskedLM and AutoModelForPreTraining) is
    the one named for it, whatever the order."""
    import dataclasses

    from loadlint import semantics
    from loadlint.facts import ModelFacts, ModelRef
    from loadlint.tables import load_tables

    tables = load_tables(None)
    reordered = dataclasses.replace(tables, auto_models=dict(reversed(list(tables.auto_models.items()))))
    roberta = ModelFacts(ModelRef("FacebookAI/roberta-base"), "hub", "roberta", ("RobertaForMaskedLM",))
    assert semantics.suggest_auto_class(tables, roberta) == "AutoModelForMaskedLM"
    assert semantics.suggest_auto_class(reordered, roberta) == "AutoModelForMaskedLM"
