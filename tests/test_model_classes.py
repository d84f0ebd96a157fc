"""Model classes transformers exports that no Auto class builds (`CLIPTextModelWithProjection`): they are
model loads (resolved, counted, judged by every rule that reads the id), and LL006 judges the class only
where transformers' outcome is certain, which is checked against transformers itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import loadlint, write

from loadlint import semantics
from loadlint.engine import loader_predicate
from loadlint.extract import extract_file
from loadlint.tables import load_tables

TABLES = load_tables()
CHECKPOINT_TYPES = ("bert", "clip", "llama", "t5", "blip", "gpt2")


def test_the_exported_model_classes_and_their_config_classes() -> None:
    classes = TABLES.model_classes
    assert classes["CLIPTextModelWithProjection"] == "CLIPTextConfig"
    assert classes["CLIPPreTrainedModel"] == "CLIPConfig"
    assert classes["GPT2LMHeadModel"] == "GPT2Config"  # Auto-table classes are there too
    assert "CLIPTextConfig" in TABLES.sub_config_classes and "CLIPConfig" in TABLES.composite_config_classes
    assert "LlamaConfig" not in TABLES.composite_config_classes | TABLES.sub_config_classes
    assert TABLES.config_model_types["CLIPTextConfig"] == "clip_text_model"
    in_tables = {name for table in TABLES.auto_models.values() for value in table.values()
                 for name in ((value,) if isinstance(value, str) else value)}
    assert len(set(classes) - in_tables) > 100
    assert "CLIPTextConfig" not in classes and "CLIPProcessor" not in classes  # model classes only


def test_a_class_in_no_auto_table_is_a_model_load() -> None:
    source = (
        b"from transformers import CLIPTextModelWithProjection\n"
        b"CLIPTextModelWithProjection.from_pretrained('openai/clip-vit-base-patch32')\n"
    )
    [site] = extract_file("a.py", source, loader_predicate(TABLES)).sites
    assert (site.kind, site.loads_model, site.model_id) == ("from_pretrained", True, "openai/clip-vit-base-patch32")
    assert semantics.builds_model(TABLES, site.kind, site.loader)


@pytest.mark.parametrize(
    ("loader", "model_type", "certain"),
    [
        ("CLIPTextModelWithProjection", "clip", False),  # base_config_key: reads text_config out of CLIP's
        ("CLIPTextModelWithProjection", "bert", False),  # still a sub-config class: never judged
        ("BridgeTowerForMaskedLM", "bert", True),
        ("BridgeTowerForMaskedLM", "clip", False),  # a composite checkpoint: a nested config may match
        ("CLIPPreTrainedModel", "bert", False),  # a base class
    ],
)
def test_a_verdict_only_where_it_is_certain(loader: str, model_type: str, certain: bool) -> None:
    assert bool(semantics.class_model_types(TABLES, loader, model_type)) is certain


def _lint_verdicts() -> dict[tuple[str, str], bool]:
    """loadlint's verdict on each (class, checkpoint type): True a mismatch, False none, absent no verdict."""
    verdicts = {}
    in_tables = {name for name in TABLES.model_classes if TABLES.model_types_for_class(name)}
    for loader in sorted(set(TABLES.model_classes) - in_tables):
        for model_type in CHECKPOINT_TYPES:
            types = semantics.class_model_types(TABLES, loader, model_type)
            if types:
                verdicts[(loader, model_type)] = model_type not in types and TABLES.lookup_type(model_type) not in types
    return verdicts


ORACLE = r"""
import json, logging, sys, tempfile, warnings
warnings.filterwarnings("ignore")
import transformers
from transformers import AutoConfig
from transformers.utils import logging as hf_logging

pairs = json.loads(sys.argv[1])
folders = {}
root = tempfile.mkdtemp()
for model_type in sorted({t for _, t in pairs}):
    AutoConfig.for_model(model_type).save_pretrained(f"{root}/{model_type}")
    folders[model_type] = f"{root}/{model_type}"

class Catch(logging.Handler):
    def __init__(self):
        super().__init__()
        self.seen = []
    def emit(self, record):
        self.seen.append(record.getMessage())

catch = Catch()
hf_logging.get_logger("transformers").addHandler(catch)  # each config module logs on its own logger
out = {}
for loader, model_type in pairs:
    config_class = getattr(transformers, loader).config_class
    catch.seen.clear()
    try:
        config_class.from_pretrained(folders[model_type])
        mismatch = any("You are using a model of type" in m for m in catch.seen)
    except Exception as error:  # a config that cannot even be built from the other one
        mismatch = True
    out[f"{loader} {model_type}"] = [config_class.__name__, mismatch]
print(json.dumps(out))
"""


def test_the_verdicts_agree_with_transformers() -> None:
    """For every exported class no Auto class builds and a few checkpoint types, each verdict loadlint
    gives equals what `config_class.from_pretrained` does (it warns of the mismatch, or it does not), and
    the config class loadlint read is the class transformers uses."""
    pytest.importorskip("transformers")
    verdicts = _lint_verdicts()
    assert any(verdicts.values()) and not all(verdicts.values())
    done = subprocess.run(
        [sys.executable, "-c", ORACLE, json.dumps(sorted(verdicts))],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.splitlines()[-1])
    disagree = []
    for (loader, model_type), flagged in verdicts.items():
        config_class, mismatch = answers[f"{loader} {model_type}"]
        if config_class != TABLES.model_classes[loader] or mismatch != flagged:
            disagree.append((loader, model_type, config_class, mismatch, flagged))
    assert disagree == []


def test_cli_resolves_and_judges_them(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", (
        "from transformers import BridgeTowerForMaskedLM, CLIPTextModelWithProjection\n"
        'text = CLIPTextModelWithProjection.from_pretrained("openai/clip-vit-base-patch32")\n'
        'masked = BridgeTowerForMaskedLM.from_pretrained("google-bert/bert-base-uncased")\n'
    ))
    done = loadlint("check", "--output-format", "json", "--extend-select", "LL031", "app.py", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(done.stdout)
    found = sorted((f["line"], f["code"]) for f in data["findings"])
    assert found == [(2, "LL031"), (3, "LL006"), (3, "LL031")]  # both resolved: LL031 names their commits
    assert (data["summary"]["loads"], data["summary"]["checked"]) == (2, 2) and data["unresolved"] == []
    [mismatch] = [f for f in data["findings"] if f["code"] == "LL006"]
    assert "`BridgeTowerForMaskedLM` is a class for model_type `bridgetower`" in mismatch["message"]
