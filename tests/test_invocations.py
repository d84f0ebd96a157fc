"""Invocations supply command-line values: the shell scripts, Makefile, GitHub workflow and README of
tests/fixtures/projects/launch_scripts/ run `train.py` (an HfArgumentParser field without a default)
and `serving/server.py` (an argparse option without one), through the CLI against the loopback Hub.

Each command line that gives the option is one more value of the load, and its line is the origin
of the value's path: `python`, `python -m`, `accelerate launch`, `torchrun`, a recipe file given as
the sole argument, `--opt=value`, the last of two occurrences, a shell variable set in the script, a
Makefile variable.  Not followed: a shell variable the script does not set, a script outside the
project, a ```python block of the README, and a folder the configuration excludes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_runner import loadlint

from loadlint.discover import DiscoveryOptions
from loadlint.extract.invocations import project_invocations

PROJECT = Path(__file__).parent / "fixtures" / "projects" / "launch_scripts"
CHECKED = ("train.py", "serving")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "launch_scripts"
    shutil.copytree(PROJECT, folder)
    return folder


def report(folder: Path, env: dict[str, str]) -> dict:
    done = loadlint("check", "--output-format", "json", *CHECKED, env=env, cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def steps(entry: dict) -> list[tuple[str, int, int, str]]:
    return [(step["path"], step["line"], step["column"], step["note"]) for step in entry["trace"]]


def by_model(data: dict, model_id: str) -> dict:
    (found,) = [f for f in data["findings"] if f["model_id"] == model_id]
    return found


def test_each_invocation_is_one_more_value(project: Path, env: dict[str, str]) -> None:
    data = report(project, env)
    assert sorted((f["path"], f["line"], f["code"], f["model_id"]) for f in data["findings"]) == [
        ("serving/server.py", 12, "LL001", "distilbert/distilbert-base-uncased"),  # README ```console
        ("serving/server.py", 12, "LL001", "openai-community/gpt2"),  # scripts/serve.sh, `python -m`, $MODEL
        ("train.py", 15, "LL001", "google-t5/t5-small"),  # Makefile: the last of two occurrences
        ("train.py", 15, "LL001", "google/flan-t5-base"),  # scripts/train.sh
        ("train.py", 15, "LL002", "facebook/bart-large-cnn"),  # the workflow's torchrun
        ("train.py", 15, "LL002", "google/pegasus-xsum"),  # README ```bash: a sole recipe file
    ]
    text = json.dumps(data)
    for never in ("EleutherAI/pythia-70m", "Qwen/Qwen2.5-0.5B-Instruct"):  # excluded folder, ```python block
        assert never not in text
    assert '"openai-community/gpt2"' not in json.dumps([f for f in data["findings"] if f["path"] == "train.py"])


def test_the_invocation_is_the_origin_of_the_trace(project: Path, env: dict[str, str]) -> None:
    data = report(project, env)
    assert steps(by_model(data, "google/flan-t5-base")) == [
        ("scripts/train.sh", 8, 5, "--model_name_or_path google/flan-t5-base"),
        ("train.py", 15, 50, "parsed by HfArgumentParser into `model_args`"),
        ("train.py", 15, 13, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(by_model(data, "google-t5/t5-small"))[0] == (
        "Makefile", 7, 3, "--model_name_or_path google-t5/t5-small"
    )
    assert steps(by_model(data, "facebook/bart-large-cnn"))[0] == (
        ".github/workflows/smoke.yml", 12, 13, "--model_name_or_path facebook/bart-large-cnn"
    )
    assert steps(by_model(data, "google/pegasus-xsum"))[:2] == [
        ("README.md", 6, 1, "train.py recipes/pegasus.yaml"),
        ("recipes/pegasus.yaml", 2, 21, 'model_name_or_path = "google/pegasus-xsum"'),
    ]
    assert steps(by_model(data, "openai-community/gpt2")) == [
        ("scripts/serve.sh", 3, 1, "--model openai-community/gpt2"),
        ("serving/server.py", 12, 50, "`args` parsed from the command line"),
        ("serving/server.py", 12, 12, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]


def test_what_the_invocations_do_not_say_stays_dynamic(project: Path, env: dict[str, str]) -> None:
    data = report(project, env)
    assert [(u["path"], u["line"], u["detail_kind"], u["detail"]) for u in data["unresolved"]] == [
        ("train.py", 15, "cli-required",
         "scripts/train.sh:11: `--model_name_or_path $MODEL_FROM_THE_USER` is a shell variable"),
    ]
    assert all(f["fix"] is None for f in data["findings"] if f["path"] == "train.py")  # several values reach it


def test_text_output_names_the_invocation(project: Path, env: dict[str, str]) -> None:
    done = loadlint("check", *CHECKED, env=env, cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "  via: scripts/train.sh:8:5: --model_name_or_path google/flan-t5-base" in done.stdout.splitlines()


def test_without_invocations_the_option_is_required(project: Path, env: dict[str, str]) -> None:
    for name in ("Makefile", "README.md", "scripts", ".github"):
        path = project / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    done = loadlint("check", "--output-format", "json", *CHECKED, env=env, cwd=project)
    data = json.loads(done.stdout)
    assert data["findings"] == []
    assert sorted((u["path"], u["detail_kind"], u["detail"]) for u in data["unresolved"]) == [
        ("serving/server.py", "cli-required", "the option --model has no default"),
        ("train.py", "cli-required", "ModelArguments.model_name_or_path has no default"),
    ]


def test_the_invocations_found_in_the_project(project: Path) -> None:
    found = project_invocations(str(project), DiscoveryOptions(root=project, exclude=("ignored/",)))
    runs = {Path(script).relative_to(project.resolve()).as_posix(): runs for script, runs in found.items()}
    assert sorted(runs) == ["serving/server.py", "train.py"]
    assert sorted({run.path.rpartition("launch_scripts/")[2] for run in runs["train.py"]}) == [
        ".github/workflows/smoke.yml", "Makefile", "README.md", "scripts/train.sh",
    ]
    (make,) = [run for run in runs["train.py"] if run.path.endswith("Makefile")]
    assert make.given(("--model_name_or_path",))[1:] == ("--model_name_or_path", "google-t5/t5-small")
    assert make.program.text == "accelerate"
