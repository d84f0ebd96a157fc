"""LL031 reports every call Bandit's B615 reports on the same files, and the ones B615 misses.

The fixtures cover transformers loads (chat_service.py, embed_worker.py) and the downloads that load
no model (data_prep.py): `from_pretrained` on config, tokenizer and processor classes,
huggingface_hub's `hf_hub_download` / `snapshot_download` and datasets' `load_dataset`, aliased too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadlint.engine import CheckOptions, CheckResult, run_check
from loadlint.resolve import ResolverSettings
from loadlint.rules import RULES_BY_CODE

FIXTURES = Path(__file__).parent / "fixtures" / "revisions"
FILES = sorted(FIXTURES.glob("*.py"))


def bandit_lines() -> set[tuple[str, int]]:
    completed = subprocess.run(
        [sys.executable, "-m", "bandit", "-t", "B615", "-f", "json", "-q", *map(str, FILES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return {(Path(r["filename"]).name, r["line_number"]) for r in json.loads(completed.stdout)["results"]}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CheckResult:
    cache = tmp_path_factory.mktemp("cache")
    options = CheckOptions(
        paths=[str(path) for path in FILES],
        resolver=ResolverSettings(offline=True, use_facts_cache=False, cache_dir=cache),
        rules=(RULES_BY_CODE["LL031"],),  # the registered instance: the engine resolves ids for it
    )
    checked = run_check(options)
    assert not checked.errors
    return checked


@pytest.fixture(scope="module")
def ll031_lines(result: CheckResult) -> set[tuple[str, int]]:
    return {(Path(f.path).name, f.span.line) for f in result.findings if f.code == "LL031"}


def test_bandit_reports_the_fixture_calls() -> None:
    reported = bandit_lines()
    assert len(reported) >= 5, "the fixtures must exercise B615"
    assert {
        ("data_prep.py", 13),  # GenerationConfig.from_pretrained
        ("data_prep.py", 19),  # hf_hub_download
        ("data_prep.py", 21),  # snapshot_download
        ("data_prep.py", 27),  # load_dataset imported as ld
    } <= reported, "the fixtures must exercise B615 beyond transformers model loads"


def test_ll031_reports_every_call_b615_reports(ll031_lines: set[tuple[str, int]]) -> None:
    missed = bandit_lines() - ll031_lines
    assert not missed, f"B615 reports calls LL031 does not: {sorted(missed)}"


def test_ll031_also_reports_what_b615_misses(ll031_lines: set[tuple[str, int]]) -> None:
    extra = ll031_lines - bandit_lines()
    assert {
        ("chat_service.py", 26),  # revision=BRANCH, a constant bound to "main"
        ("chat_service.py", 32),  # revision="deadbeef": hex, but not a commit
        ("chat_service.py", 50),  # pipeline(...) with an id
        ("chat_service.py", 54),  # pipeline(task) downloads the task's default model
        ("chat_service.py", 62),  # argparse default "main" read back through args.revision
        ("embed_worker.py", 17),  # revision=Settings.REVISION, a class constant "v1.0"
        ("data_prep.py", 16),  # AutoTokenizer at revision=DATA_BRANCH, a constant bound to "main"
        ("data_prep.py", 22),  # hh.snapshot_download at revision=DATA_BRANCH
        ("data_prep.py", 28),  # ld(...) at revision=DATA_BRANCH
    } <= extra


def test_ll031_leaves_pinned_and_local_loads_alone(ll031_lines: set[tuple[str, int]]) -> None:
    assert not {
        ("chat_service.py", 20),  # pinned through a constant
        ("chat_service.py", 37),  # ./ folder
        ("chat_service.py", 41),  # pinned through a constant
        ("embed_worker.py", 25),  # 40-hex literal
        ("embed_worker.py", 29),  # absolute folder
        ("data_prep.py", 17),  # GenerationConfig pinned through a constant
        ("data_prep.py", 23),  # hh.snapshot_download pinned through a constant
        ("data_prep.py", 24),  # snapshot_download of a ./ folder
        ("data_prep.py", 30),  # load_dataset at a 40-hex revision
        ("data_prep.py", 31),  # load_dataset of a ./ folder
        ("data_prep.py", 35),  # load_dataset with a revision that is not a constant
    } & ll031_lines


def test_downloads_that_load_no_model_are_never_resolved(result: CheckResult) -> None:
    """Dataset ids are not model ids: no resolution is tried, so none is reported unresolved (not
    even the revision at line 35 that is not a constant); only the AutoTokenizer load may be."""
    unresolved = {(Path(use.path).name, use.line) for use in result.unresolved}
    assert {line for name, line in unresolved if name == "data_prep.py"} <= {16}
