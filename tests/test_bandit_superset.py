"""LL031 reports every call Bandit's B615 reports on the same files, and the ones B615 misses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadlint.engine import CheckOptions, run_check
from loadlint.resolve import ResolverSettings
from loadlint.rules.unpinned_revision import UnpinnedRevision

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
def ll031_lines(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, int]]:
    cache = tmp_path_factory.mktemp("cache")
    options = CheckOptions(
        paths=[str(path) for path in FILES],
        resolver=ResolverSettings(offline=True, use_facts_cache=False, cache_dir=cache),
        rules=(UnpinnedRevision(),),
    )
    result = run_check(options)
    assert not result.errors
    return {(Path(f.path).name, f.span.line) for f in result.findings if f.code == "LL031"}


def test_bandit_reports_the_fixture_calls() -> None:
    assert len(bandit_lines()) >= 5, "the fixtures must exercise B615"


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
    } <= extra


def test_ll031_leaves_pinned_and_local_loads_alone(ll031_lines: set[tuple[str, int]]) -> None:
    assert not {
        ("chat_service.py", 20),  # pinned through a constant
        ("chat_service.py", 37),  # ./ folder
        ("chat_service.py", 41),  # pinned through a constant
        ("embed_worker.py", 25),  # 40-hex literal
        ("embed_worker.py", 29),  # absolute folder
    } & ll031_lines
