"""Axolotl-style training recipes judged on their own: `base_model:` with `model_type:` (and
`tokenizer_type:`) are the loads the trainer makes, reported at the YAML values, never rewritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import loadlint, write

WRONG = "# fine-tune t5\nbase_model: google-t5/t5-small\nmodel_type: AutoModelForCausalLM\ntokenizer_type: AutoTokenizer\n"
RIGHT = "base_model: google-t5/t5-small\nmodel_type: AutoModelForSeq2SeqLM\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, "pyproject.toml", '[tool.loadlint]\nrecipes = ["recipes/*.yml"]\n')
    (tmp_path / "recipes").mkdir()
    write(tmp_path / "recipes", "t5.yml", WRONG)
    write(tmp_path / "recipes", "right.yml", RIGHT)
    write(tmp_path, "ci.yml", WRONG)  # not a recipe the configuration names
    return tmp_path


def test_a_recipe_with_the_wrong_class_is_reported_at_its_values(project: Path, env: dict[str, str]) -> None:
    run = loadlint("check", ".", env=env, cwd=project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "recipes/t5.yml:2:13: LL001 [wrong-auto-class] `AutoModelForCausalLM` cannot load `google-t5/t5-small`" in run.stdout
    assert "right.yml" not in run.stdout and "ci.yml" not in run.stdout
    assert "Checked 2 files, 3 call sites: 1 finding" in run.stdout


def test_a_recipe_is_never_rewritten(project: Path, env: dict[str, str]) -> None:
    data = json.loads(loadlint("check", ".", "--output-format", "json", env=env, cwd=project).stdout)
    assert [finding["fix"] for finding in data["findings"]] == [None]
    assert loadlint("check", ".", "--fix", env=env, cwd=project).returncode == 1
    assert (project / "recipes" / "t5.yml").read_text() == WRONG


def test_recipes_are_opt_in_but_a_named_yaml_file_is_read(project: Path, env: dict[str, str]) -> None:
    write(project, "pyproject.toml", "[tool.loadlint]\n")
    assert "Checked 0 files" in loadlint("check", ".", env=env, cwd=project).stdout
    assert "ci.yml:2:13: LL001" in loadlint("check", "ci.yml", env=env, cwd=project).stdout


def test_yaml_that_is_no_recipe_or_no_yaml(project: Path, env: dict[str, str]) -> None:
    write(project / "recipes", "workflow.yml", "on: push\njobs: {}\n")
    write(project / "recipes", "broken.yml", "base_model: [unclosed\n")
    run = loadlint("check", ".", env=env, cwd=project)
    assert run.returncode == 2
    assert "recipes/broken.yml: cannot read the recipe: " in run.stdout
    assert "workflow.yml" not in run.stdout.replace("broken.yml", "")
    assert "recipes/t5.yml:2:13: LL001" in run.stdout


def test_a_multi_document_yaml_file_is_read_document_by_document(project: Path, env: dict[str, str]) -> None:
    write(project / "recipes", "multi.yml", "kind: Deployment\n---\n" + WRONG)
    write(project / "recipes", "k8s.yml", "kind: Service\n---\nkind: Deployment\n")
    run = loadlint("check", "recipes/multi.yml", "recipes/k8s.yml", env=env, cwd=project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "recipes/multi.yml:4:13: LL001" in run.stdout and "k8s.yml" not in run.stdout
