"""Config files read by the code: YAML (PyYAML, OmegaConf, Hydra with a defaults list), JSON and TOML
configs and `HfArgumentParser.parse_yaml_file` recipes, on the fixture project
tests/fixtures/projects/config_recipes/ through the CLI against the loopback Hub, with their negative
twins (a key the code overrides, a computed path, a missing file, a broken YAML); the content cache
across an edit of a config; and the reader's positions and errors on their own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_runner import loadlint

from loadlint.extract.configs import ConfigFileError, read_document

PROJECT = Path(__file__).parent / "fixtures" / "projects" / "config_recipes"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "config_recipes"
    shutil.copytree(PROJECT, folder)
    return folder


def run(folder: Path, env: dict[str, str], *args: str) -> dict:
    done = loadlint("check", "--output-format", "json", *args, ".", env=env, cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def findings(data: dict) -> list[tuple[str, int, str, str]]:
    return sorted((f["path"], f["line"], f["code"], f["model_id"]) for f in data["findings"])


def steps(entry: dict) -> list[tuple[str, int, int, str]]:
    return [(step["path"], step["line"], step["column"], step["note"]) for step in entry["trace"]]


def by_place(data: dict, path: str, line: int) -> dict:
    (found,) = [f for f in data["findings"] if (f["path"], f["line"]) == (path, line)]
    return found


def test_each_config_form_gives_its_value(project: Path, env: dict[str, str]) -> None:
    data = run(project, env)
    assert findings(data) == [
        ("hydra_app.py", 9, "LL001", "google-t5/t5-small"),  # conf/model/t5.yaml, through the defaults list
        ("load_json_toml.py", 12, "LL001", "google/flan-t5-base"),  # configs/serve.json, next to the script
        ("load_json_toml.py", 16, "LL001", "openai-community/gpt2"),  # configs/eval.toml
        ("load_yaml.py", 11, "LL001", "google-t5/t5-small"),  # with open(...) as f: yaml.safe_load(f)
        ("recipe_train.py", 16, "LL002", "facebook/bart-large-cnn"),  # parse_yaml_file("recipe.yaml")
    ]  # right: the draft (gpt2), OmegaConf's t5 under Seq2SeqLM, the teacher's default (not in the recipe)


def test_the_config_line_is_the_first_step(project: Path, env: dict[str, str]) -> None:
    data = run(project, env)
    assert steps(by_place(data, "hydra_app.py", 9)) == [
        ("conf/model/t5.yaml", 3, 7, 'model.name = "google-t5/t5-small"'),
        ("hydra_app.py", 9, 50, "`cfg.model.name` read from the config file"),
        ("hydra_app.py", 9, 13, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(by_place(data, "load_yaml.py", 11)) == [
        ("configs/model.yaml", 3, 9, 'model.name = "google-t5/t5-small"'),
        ("load_yaml.py", 11, 46, '`cfg["model"]["name"]` read from the config file'),
        ("load_yaml.py", 11, 9, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(by_place(data, "load_json_toml.py", 12))[0] == (
        "configs/serve.json", 4, 14, 'generator.model = "google/flan-t5-base"'
    )
    assert steps(by_place(data, "load_json_toml.py", 16))[0] == (
        "configs/eval.toml", 2, 1, 'judge.model = "openai-community/gpt2"'
    )
    assert steps(by_place(data, "recipe_train.py", 16)) == [
        ("recipe.yaml", 3, 21, 'model_name_or_path = "facebook/bart-large-cnn"'),
        ("recipe_train.py", 16, 50, "parsed by HfArgumentParser into `args`"),
        ("recipe_train.py", 16, 13, "AutoModelForCausalLM.from_pretrained"),
    ]


def test_the_fix_changes_the_class_in_python_only(project: Path, env: dict[str, str]) -> None:
    data = run(project, env)
    hydra = by_place(data, "hydra_app.py", 9)
    assert hydra["fix"]["title"] == "Use `AutoModelForSeq2SeqLM`"
    before = (project / "conf" / "model" / "t5.yaml").read_bytes()
    done = loadlint("check", "--fix", "hydra_app.py", env=env, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "AutoModelForSeq2SeqLM.from_pretrained(cfg.model.name)" in (project / "hydra_app.py").read_text()
    assert (project / "conf" / "model" / "t5.yaml").read_bytes() == before


def test_negative_twins_stay_dynamic_and_say_why(project: Path, env: dict[str, str]) -> None:
    data = run(project, env)
    unresolved = sorted((u["path"], u["line"], u["detail_kind"], u["detail"]) for u in data["unresolved"])
    assert unresolved == [
        ("load_yaml.py", 16, "computed", "`patched` is changed by the code after it is read from its config file"),
        ("load_yaml.py", 19, "computed", "the config file's path `sys.argv[2]` is computed at run time"),
        ("load_yaml.py", 21, "computed",
         "configs/missing.yaml: no such file next to the script or at the project root"),
        ("load_yaml.py", 22, "computed",
         "configs/broken.yaml: does not parse as YAML: expected ',' or ']', but got ':' (line 2, column 6)"),
    ]
    assert "sys.argv" not in json.dumps(data["findings"])
    assert data["summary"]["loads"] == 12 and data["summary"]["checked"] == 8


def test_an_edited_config_changes_the_verdict_through_the_cache(project: Path, env: dict[str, str]) -> None:
    """The cached records of the Python files hold the config reads, not their values: a run after the
    YAML changes reads the new value, though no Python file changed."""
    first = run(project, env)
    assert ("hydra_app.py", 9, "LL001", "google-t5/t5-small") in findings(first)
    cached = list((Path(env["LOADLINT_CACHE_DIR"]) / "files").glob("*.json"))
    assert len(cached) == 1 and '"FromConfig"' in cached[0].read_text()
    config = project / "conf" / "config.yaml"
    config.write_text(config.read_text().replace("model: t5", "model: gpt2"))
    second = run(project, env)
    assert not [f for f in second["findings"] if f["path"] == "hydra_app.py"]  # gpt2 under CausalLM is right
    (project / "configs" / "model.yaml").write_text("model:\n  name: facebook/bart-large-cnn\ndraft: x\n")
    third = run(project, env)
    assert ("load_yaml.py", 11, "LL002", "facebook/bart-large-cnn") in findings(third)
    assert steps(by_place(third, "load_yaml.py", 11))[0][:3] == ("configs/model.yaml", 2, 9)


def test_the_reader_keeps_positions_and_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("base: &base\n  name: x/a\nmodel:\n  <<: *base\nmodel:\n  other: 1\n  <<: *base\n")
    found = read_document(str(tmp_path / "a.yaml"), "yaml").find(("model", "name"))
    assert (found.value, found.line, found.column) == ("x/a", 2, 9)  # the last `model`, through its merge key
    (tmp_path / "a.json").write_text('{"m": [1, {"k": "v"}],\n "s": "\\"quoted\\""}')
    document = read_document(str(tmp_path / "a.json"), "json")
    assert [(f.value, f.line, f.column) for f in (document.find(("m", 1, "k")), document.find(("s",)))] == [
        ("v", 1, 17), ('"quoted"', 2, 7),
    ]
    assert document.find(("m", 5)) is None and document.find(("s", "x")) is None
    (tmp_path / "a.toml").write_text('title = "t"\n[model]\nlayers = [\n  1,\n]\nname = "x/t"\n')
    toml = read_document(str(tmp_path / "a.toml"), "toml")
    assert (toml.find(("model", "name")).line, toml.find(("model", "layers")).line) == (6, 5)
    for name, text, problem in [
        ("b.json", "{", "does not parse as JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ("b.toml", "a = ", "does not parse as TOML"),
        ("b.yaml", "a: b: c", "does not parse as YAML: mapping values are not allowed here (line 1, column 5)"),
    ]:
        (tmp_path / name).write_text(text)
        with pytest.raises(ConfigFileError, match=problem.replace("(", r"\(").replace(")", r"\)")):
            read_document(str(tmp_path / name), name.rpartition(".")[2])
    (tmp_path / "c.yaml").write_bytes(b"a: \xff\n")
    with pytest.raises(ConfigFileError, match="cannot decode the file as utf-8"):
        read_document(str(tmp_path / "c.yaml"), "yaml")


def test_a_get_default_is_the_value_when_the_key_is_absent(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "nokey.yaml").write_text("other: 1\n")
    (tmp_path / "has.yaml").write_text("model: google-t5/t5-small\n")
    (tmp_path / "app.py").write_text(
        "import yaml\nfrom transformers import AutoModelForSeq2SeqLM\n\n"
        'absent = yaml.safe_load(open("nokey.yaml"))\n'
        'a = AutoModelForSeq2SeqLM.from_pretrained(absent.get("model", "openai-community/gpt2"))\n'
        'present = yaml.safe_load(open("has.yaml"))\n'
        'b = AutoModelForSeq2SeqLM.from_pretrained(present.get("model", "openai-community/gpt2"))\n'
    )
    data = json.loads(loadlint("check", "app.py", "--output-format", "json", env=env, cwd=tmp_path).stdout)
    assert [(f["line"], f["model_id"]) for f in data["findings"]] == [(5, "openai-community/gpt2")]  # t5 fits
    assert data["unresolved"] == []
