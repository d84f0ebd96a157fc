"""The pre-commit hooks for real: `pre-commit try-repo` installs this project into a hook
environment and runs `loadlint` and `loadlint-fix` on a throwaway git repository.

Slow (pre-commit builds a virtual environment and installs the project into it, from the package
index), so both runs share one PRE_COMMIT_HOME."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRONG = 'from transformers import AutoModelForSeq2SeqLM\n\nmodel = AutoModelForSeq2SeqLM.from_pretrained("./models/gpt2")\n'
GPT2_CONFIG = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": 12, "vocab_size": 50257}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one staged file that loads gpt2 (a local folder) with a seq2seq class."""
    (tmp_path / "models" / "gpt2").mkdir(parents=True)
    (tmp_path / "models" / "gpt2" / "config.json").write_text(json.dumps(GPT2_CONFIG))
    (tmp_path / "app.py").write_text(WRONG)
    for command in (["init", "-q"], ["add", "app.py", "models"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True, env=_git_env())
    return tmp_path


def _git_env() -> dict[str, str]:
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def try_repo(hook: str, repo: Path, home: Path, files: tuple[str, ...] = ("app.py",)) -> subprocess.CompletedProcess[str]:
    env = {**_git_env(), "PRE_COMMIT_HOME": str(home), "HF_HUB_OFFLINE": "1", "LOADLINT_CACHE_DIR": str(home / "ll")}
    return subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), hook, "--files", *files, "--verbose"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )


def test_loadlint_hook_fails_with_ll001(repo: Path, pre_commit_home: Path) -> None:
    run = try_repo("loadlint", repo, pre_commit_home)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "app.py:3:9: LL001 [*] [wrong-auto-class]" in run.stdout
    assert (repo / "app.py").read_text() == WRONG


def test_loadlint_fix_hook_rewrites_the_file(repo: Path, pre_commit_home: Path) -> None:
    run = try_repo("loadlint-fix", repo, pre_commit_home)
    assert run.returncode == 1, run.stdout + run.stderr  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in run.stdout
    assert (repo / "app.py").read_text() == WRONG.replace("AutoModelForSeq2SeqLM", "AutoModelForCausalLM")


def test_the_hook_checks_a_staged_notebook(repo: Path, pre_commit_home: Path) -> None:
    """`types_or` includes `jupyter`: pre-commit hands the hook the notebook, which is checked by cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    notebook = new_notebook()
    notebook.cells = [new_markdown_cell("# Demo"), new_code_cell("%pip install transformers"), new_code_cell(WRONG)]
    nbformat.write(notebook, repo / "demo.ipynb")
    subprocess.run(["git", "add", "demo.ipynb"], cwd=repo, check=True, env=_git_env())
    run = try_repo("loadlint", repo, pre_commit_home, files=("demo.ipynb",))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "demo.ipynb:cell 3:3:9: LL001 [*] [wrong-auto-class]" in run.stdout
