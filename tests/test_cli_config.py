"""`[tool.loadlint]`, .gitignore and rule selection, end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cli_runner import loadlint, write

WRONG_CLASS = (
    "from transformers import AutoModelForSeq2SeqLM\n"
    'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
)


def test_configuration_selects_rules_and_the_command_line_wins(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "pyproject.toml", '[tool.loadlint]\nignore = ["wrong-auto-class"]\noutput-format = "json"\n')
    write(tmp_path, "app.py", WRONG_CLASS)
    run = loadlint("check", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["findings"] == []  # json: the configured output format
    run = loadlint("check", "--select", "LL001", "--output-format", "concise", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 1 and run.stdout.startswith("app.py:2:9: LL001 [*] ")


def test_per_file_ignores_apply_to_matching_files_only(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "pyproject.toml", '[tool.loadlint.per-file-ignores]\n"legacy/" = ["LL001"]\n')
    (tmp_path / "legacy").mkdir()
    write(tmp_path / "legacy", "old.py", WRONG_CLASS)
    write(tmp_path, "new.py", WRONG_CLASS)
    run = loadlint("check", "--output-format", "json", ".", env=env, cwd=tmp_path)
    assert [finding["path"] for finding in json.loads(run.stdout)["findings"]] == ["new.py"]


def test_a_bad_configuration_is_one_line_naming_file_and_key(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "pyproject.toml", '[tool.loadlint]\nselct = ["LL001"]\n')
    write(tmp_path, "app.py", WRONG_CLASS)
    run = loadlint("check", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == (
        "loadlint: error: pyproject.toml: [tool.loadlint] unknown key 'selct' (did you mean 'select'?)\n"
    )


def test_gitignored_files_are_skipped_unless_named_and_force_exclude_skips_them_too(
    tmp_path: Path, env: dict[str, str]
) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    write(tmp_path, ".gitignore", "generated/\n")
    (tmp_path / "generated").mkdir()
    write(tmp_path / "generated", "app.py", WRONG_CLASS)
    assert loadlint("check", ".", env=env, cwd=tmp_path).returncode == 0
    assert loadlint("check", "generated/app.py", env=env, cwd=tmp_path).returncode == 1
    assert loadlint("check", "--force-exclude", "generated/app.py", env=env, cwd=tmp_path).returncode == 0
    assert loadlint("check", "--no-respect-gitignore", ".", env=env, cwd=tmp_path).returncode == 1
