"""Reach end to end: a load's id followed beyond a constant at the call, on realistic multi-file
projects (tests/fixtures/projects/), through the CLI as a user runs it, against the loopback Hub.

Each project holds wrong and right loads:

* hf_train: an HF-style training script (ModelArguments / DataTrainingArguments parsed by
  HfArgumentParser together with Seq2SeqTrainingArguments; fields with `field(default=...)`, a plain
  annotated default, and one without a default), and an evaluation script that builds its settings
  dataclass with its defaults and makes ids from fields with an f-string and `+`.
* app_pkg: a package `app/` whose `app/models.py` has a `load(name)` helper, a helper with a
  default, and a `Loader` class (`__init__(self, name)` and methods, one calling another on `self`),
  used from `app/cli.py` (relative import, a wrapper passing its own parameter on) and from
  `scripts/serve.py` (`from app.models import ...` and `import app.models as m`).
* registry_loop: a literal dict of ids (`.items()`, `.keys()`, `.values()`, `MODELS["t5"]`,
  `MODELS[name]` in a loop), a tuple and a set of ids, ids built with an f-string, `+` and `.format`
  from loop variables, and a module constant.
* eval_harness: a registry list run through four calls (`main -> run_suite -> run_task -> score
  -> load_model`), comprehensions over literal lists, `.format` over a parameter, a helper whose
  default is used by a call that omits the argument, and a model object handed to `pipeline`.
* negatives: what must not be followed or judged: a rebound name, `sys.argv`, functions never
  called (one with a default, which is still checked), and placeholder defaults (`"path/to/model"`)
  that no call uses.

One CLI run per project and format (cached for the module); the assertions are exact: the findings
(path, line, code, model_id), the traces of several, the unresolved entries with their
`detail_kind`, the summary counts and the fix/no-fix rule.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from cli_runner import loadlint

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
SARIF_SCHEMA_SHA256 = "6352a05f9d03f181b8d9c71a46bdacc4fcff9d8ade5364858b425ba0c0994ed7"

# What `loadlint check` is given in each project (the project's own top-level folders, as a user types
# them; "." for a project of top-level files).
CHECKED_PATHS = {"app_pkg": ("app", "scripts"), "eval_harness": ("harness",)}

_RUNS: dict[tuple[str, str], subprocess.CompletedProcess[str]] = {}


@pytest.fixture
def check(env: dict[str, str], tmp_path: Path):
    """`check(project, format)`: the CLI run on a copy of the fixture project (once per module)."""

    def run(project: str, output_format: str) -> subprocess.CompletedProcess[str]:
        key = (project, output_format)
        if key not in _RUNS:
            folder = tmp_path / project
            if not folder.exists():  # a test that runs two formats of one project copies it once
                shutil.copytree(PROJECTS / project, folder)
            paths = CHECKED_PATHS.get(project, (".",))
            _RUNS[key] = loadlint("check", "--output-format", output_format, *paths, env=env, cwd=folder)
        return _RUNS[key]

    return run


@pytest.fixture
def report(check):
    """`report(project)`: the JSON report of the project (the run found something: exit code 1)."""

    def run(project: str) -> dict:
        done = check(project, "json")
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stderr == ""
        return json.loads(done.stdout)

    return run


def findings(data: dict) -> list[tuple[str, int, str, str]]:
    """The findings as (path, line, code, model_id), sorted; a duplicate stays."""
    return sorted((f["path"], f["line"], f["code"], f["model_id"]) for f in data["findings"])


def finding(data: dict, path: str, line: int, model_id: str, code: str = "LL001") -> dict:
    matches = [
        f for f in data["findings"]
        if (f["path"], f["line"], f["code"], f["model_id"]) == (path, line, code, model_id)
    ]
    assert len(matches) == 1, (matches, findings(data))
    return matches[0]


def steps(entry: dict) -> list[tuple[str, int, int, str]]:
    return [(step["path"], step["line"], step["column"], step["note"]) for step in entry["trace"]]


def unresolved(data: dict) -> list[tuple[str, int, str | None, str, str | None, str]]:
    """The unresolved entries as (path, line, model_id, reason, detail_kind, detail), in path and line order."""
    entries = [
        (u["path"], u["line"], u["model_id"], u["reason"], u["detail_kind"], u["detail"]) for u in data["unresolved"]
    ]
    return sorted(entries, key=lambda entry: (entry[0], entry[1], repr(entry[2:])))


def no_fix(others: str) -> str:
    return f"; no fix: this call also loads {others}, which a single fix may not suit"


def text_block(stdout: str, location: str, model_id: str) -> list[str]:
    """The indented lines under the text finding at `location` (path:line:col: CODE) for `model_id`."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(location) and f"`{model_id}`" in line]
    assert len(starts) == 1, stdout
    start = starts[0]
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


# --- hf_train: dataclass defaults through HfArgumentParser and a plain constructor ---------------------------------


def test_hf_train_findings(report) -> None:
    data = report("hf_train")
    assert findings(data) == [
        ("eval_summaries.py", 20, "LL001", "google/flan-t5-base"),  # f"{args.judge_org}/{args.judge_name}"
        ("run_summarization.py", 58, "LL001", "EleutherAI/pythia-70m"),  # teacher default under Seq2SeqLM
    ]  # the t5 student (Seq2SeqLM), the bert reward model and `"openai-community/" + args.baseline_name` are right


def test_hf_train_traces(report) -> None:
    data = report("hf_train")
    assert steps(finding(data, "run_summarization.py", 58, "EleutherAI/pythia-70m")) == [
        ("run_summarization.py", 34, 17, "default of ModelArguments.teacher_name_or_path"),
        ("run_summarization.py", 58, 53, "parsed by HfArgumentParser into `model_args`"),
        ("run_summarization.py", 58, 15, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    judge = steps(finding(data, "eval_summaries.py", 20, "google/flan-t5-base"))
    assert [step[:3] for step in judge] == [
        ("eval_summaries.py", 11, 22), ("eval_summaries.py", 20, 53),
        ("eval_summaries.py", 12, 37), ("eval_summaries.py", 20, 70), ("eval_summaries.py", 20, 13),
    ]
    notes = [step[3] for step in judge]
    assert notes[0] == "default of EvalArguments.judge_org"
    assert notes[1].startswith("`args` is made by") and "EvalArguments()" in notes[1]
    assert notes[2] == "default of EvalArguments.judge_name"
    assert notes[4] == "AutoModelForCausalLM.from_pretrained"


def test_hf_train_unresolved_and_summary(report) -> None:
    """Seq2SeqTrainingArguments (not the project's) in the parser's tuple does not hide the project's
    dataclasses: every field is read; the one without a default must be given on the command line."""
    data = report("hf_train")
    assert unresolved(data) == [
        ("run_summarization.py", 60, None, "dynamic", "cli-required",
         "ModelArguments.draft_model_name_or_path has no default"),
    ]
    assert steps(data["unresolved"][0]) == [
        ("run_summarization.py", 60, 50, "parsed by HfArgumentParser into `model_args`"),
        ("run_summarization.py", 60, 13, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert data["summary"] == {
        "files": 2, "call_sites": 9, "loads": 9, "checked": 8, "findings": 2, "unresolved": 1, "fixed": 0
    }


def test_hf_train_fixes(report) -> None:
    data = report("hf_train")
    teacher = finding(data, "run_summarization.py", 58, "EleutherAI/pythia-70m")
    assert teacher["suggestion"] == "use `AutoModelForCausalLM`"
    assert teacher["fix"]["title"] == "Use `AutoModelForCausalLM`"
    judge = finding(data, "eval_summaries.py", 20, "google/flan-t5-base")
    assert judge["suggestion"] == "use `AutoModelForSeq2SeqLM`"
    assert judge["fix"]["title"] == "Use `AutoModelForSeq2SeqLM`"


def test_hf_train_text(check) -> None:
    done = check("hf_train", "text")
    assert done.returncode == 1, done.stdout + done.stderr
    assert text_block(done.stdout, "run_summarization.py:58:15: LL001 [*]", "EleutherAI/pythia-70m") == [
        "  help: use `AutoModelForCausalLM`",
        "  fix (safe): Use `AutoModelForCausalLM`",
        "  via: run_summarization.py:34:17: default of ModelArguments.teacher_name_or_path",
        "  via: run_summarization.py:58:53: parsed by HfArgumentParser into `model_args`",
        "  via: run_summarization.py:58:15: AutoModelForSeq2SeqLM.from_pretrained",
    ]
    lines = done.stdout.splitlines()
    assert "Model loads: 9, checked 8 (88%), unresolved 1" in lines
    assert (
        "  run_summarization.py:60: <dynamic> [dynamic] (cli-required): "
        "ModelArguments.draft_model_name_or_path has no default"
    ) in lines


# --- app_pkg: parameters across a package's modules ----------------------------------------------------------------

APP_FINDINGS = [
    ("app/models.py", 8, "LL001", "google-t5/t5-small"),  # m.load(...) in scripts/serve.py
    ("app/models.py", 8, "LL001", "google/flan-t5-base"),  # chat(model_id=...) in app/cli.py, passed on to load()
    ("app/models.py", 13, "LL001", "Qwen/Qwen2.5-0.5B-Instruct"),  # load_summarizer(checkpoint=...)
    ("app/models.py", 21, "LL001", "openai-community/gpt2"),  # Loader(name=...) in scripts/serve.py
    ("app/models.py", 24, "LL001", "distilbert/distilbert-base-uncased"),  # loader.generator(...) in serve.py
]


def test_app_findings(report) -> None:
    assert findings(report("app_pkg")) == APP_FINDINGS


def test_app_traces(report) -> None:
    data = report("app_pkg")
    assert steps(finding(data, "app/models.py", 8, "google-t5/t5-small")) == [
        ("scripts/serve.py", 9, 21, "passed to load()"),
        ("app/models.py", 6, 10, "parameter `name` of load()"),
        ("app/models.py", 8, 12, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "app/models.py", 8, "google/flan-t5-base")) == [  # two calls deep: each step once
        ("app/cli.py", 12, 19, "passed to chat()"),
        ("app/cli.py", 6, 10, "parameter `model_id` of chat()"),
        ("app/cli.py", 7, 17, "passed to load()"),
        ("app/models.py", 6, 10, "parameter `name` of load()"),
        ("app/models.py", 8, 12, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "app/models.py", 13, "Qwen/Qwen2.5-0.5B-Instruct")) == [
        ("app/cli.py", 14, 32, "passed to load_summarizer()"),
        ("app/models.py", 11, 21, "parameter `checkpoint` of load_summarizer()"),
        ("app/models.py", 13, 12, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert steps(finding(data, "app/models.py", 21, "openai-community/gpt2")) == [
        ("scripts/serve.py", 10, 30, "passed to Loader()"),
        ("app/models.py", 19, 24, "parameter `name` of Loader.__init__()"),
        ("app/models.py", 21, 22, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert steps(finding(data, "app/models.py", 24, "distilbert/distilbert-base-uncased")) == [
        ("scripts/serve.py", 12, 35, "passed to Loader.generator()"),
        ("app/models.py", 23, 25, "parameter `checkpoint` of Loader.generator()"),
        ("app/models.py", 24, 16, "AutoModelForCausalLM.from_pretrained"),
    ]


def test_app_no_fix_names_every_other_value(report) -> None:
    """Every value reaching each call, from both entry points: the list of the others proves the callers
    found (relative import, `from app.models import`, `import app.models as m`, `self.generator(...)` in
    `warmup`, the default of a call that omits the argument)."""
    data = report("app_pkg")
    expected = {
        ("app/models.py", 8, "google-t5/t5-small"): "use `AutoModelForSeq2SeqLM`" + no_fix(
            "`Qwen/Qwen2.5-0.5B-Instruct`, `google/flan-t5-base`, `openai-community/gpt2`"
        ),
        ("app/models.py", 8, "google/flan-t5-base"): "use `AutoModelForSeq2SeqLM`" + no_fix(
            "`Qwen/Qwen2.5-0.5B-Instruct`, `google-t5/t5-small`, `openai-community/gpt2`"
        ),
        ("app/models.py", 13, "Qwen/Qwen2.5-0.5B-Instruct"): "use `AutoModelForCausalLM`" + no_fix(
            "`facebook/bart-large-cnn`"
        ),
        ("app/models.py", 21, "openai-community/gpt2"): "use `AutoModelForCausalLM`" + no_fix(
            "`facebook/bart-large-cnn`, `google-t5/t5-small`"
        ),
        ("app/models.py", 24, "distilbert/distilbert-base-uncased"): "use `AutoModelForMaskedLM`" + no_fix(
            "`EleutherAI/pythia-70m`, `openai-community/gpt2`"
        ),
    }
    assert {(f["path"], f["line"], f["model_id"]): f["suggestion"] for f in data["findings"]} == expected
    assert [f["fix"] for f in data["findings"]] == [None] * len(expected)


def test_app_summary(report) -> None:
    data = report("app_pkg")
    assert data["unresolved"] == []
    assert data["summary"] == {
        "files": 4, "call_sites": 4, "loads": 4, "checked": 4, "findings": 5, "unresolved": 0, "fixed": 0
    }


def test_app_text(check) -> None:
    done = check("app_pkg", "text")
    assert done.returncode == 1, done.stdout + done.stderr
    header = [line for line in done.stdout.splitlines() if line.startswith("app/models.py:8:12: LL001")]
    assert len(header) == 2 and all("[*]" not in line for line in header)  # no fix: no fixable mark
    assert text_block(done.stdout, "app/models.py:8:12: LL001", "google-t5/t5-small") == [
        "  help: use `AutoModelForSeq2SeqLM`"
        + no_fix("`Qwen/Qwen2.5-0.5B-Instruct`, `google/flan-t5-base`, `openai-community/gpt2`"),
        "  via: scripts/serve.py:9:21: passed to load()",
        "  via: app/models.py:6:10: parameter `name` of load()",
        "  via: app/models.py:8:12: AutoModelForCausalLM.from_pretrained",
    ]
    assert "Model loads: 4, checked 4 (100%), unresolved 0" in done.stdout.splitlines()


def test_app_a_single_file_run_reads_the_helpers_it_calls(env: dict[str, str], tmp_path: Path) -> None:
    """A pre-commit run names only `scripts/serve.py`: the loads of `app/models.py` that it feeds are
    judged (with their paths from serve.py), and nothing that only `app/cli.py` passes."""
    folder = tmp_path / "app_pkg"
    shutil.copytree(PROJECTS / "app_pkg", folder)
    done = loadlint("check", "--output-format", "json", "scripts/serve.py", env=env, cwd=folder)
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert findings(data) == [
        ("app/models.py", 8, "LL001", "google-t5/t5-small"),
        ("app/models.py", 21, "LL001", "openai-community/gpt2"),
        ("app/models.py", 24, "LL001", "distilbert/distilbert-base-uncased"),
    ]
    assert all(f["trace"][0]["path"] == "scripts/serve.py" for f in data["findings"])
    assert data["unresolved"] == []


def test_app_sarif(check, report) -> None:
    done = check("app_pkg", "sarif")
    assert done.returncode == 1, done.stdout + done.stderr
    log = json.loads(done.stdout)
    schema_bytes = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(schema_bytes).hexdigest() == SARIF_SCHEMA_SHA256
    schema = json.loads(schema_bytes)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    results = log["runs"][0]["results"]

    def key(result: dict) -> tuple[str, int, str, str]:
        where = result["locations"][0]["physicalLocation"]
        return where["artifactLocation"]["uri"], where["region"]["startLine"], result["ruleId"], result["properties"][
            "model_id"
        ]

    def flow(result: dict) -> list[tuple[str, int, int, str]]:
        (code_flow,) = result["codeFlows"]
        (thread,) = code_flow["threadFlows"]
        return [
            (
                step["location"]["physicalLocation"]["artifactLocation"]["uri"],
                step["location"]["physicalLocation"]["region"]["startLine"],
                step["location"]["physicalLocation"]["region"]["startColumn"],
                step["location"]["message"]["text"],
            )
            for step in thread["locations"]
        ]

    assert sorted(key(r) for r in results) == APP_FINDINGS
    by_key = {key(r): r for r in results}
    assert flow(by_key[("app/models.py", 8, "LL001", "google-t5/t5-small")]) == [
        ("scripts/serve.py", 9, 21, "passed to load()"),
        ("app/models.py", 6, 10, "parameter `name` of load()"),
        ("app/models.py", 8, 12, "AutoModelForCausalLM.from_pretrained"),
    ]
    data = report("app_pkg")
    for f in data["findings"]:  # the same steps as the JSON trace, for every finding
        assert flow(by_key[(f["path"], f["line"], f["code"], f["model_id"])]) == steps(f)


# --- registry_loop: literal collections, subscripts, templates, a module constant ------------------------------------


def test_registry_findings(report) -> None:
    assert findings(report("registry_loop")) == [
        ("compare.py", 16, "LL001", "EleutherAI/pythia-70m"),  # for mid in {set of decoders}: Seq2SeqLM
        ("compare.py", 16, "LL001", "openai-community/gpt2"),
        ("compare.py", 21, "LL001", "google-t5/t5-small"),  # f"google-t5/t5-{size}" under CausalLM
        ("compare.py", 26, "LL001", "google/flan-t5-base"),  # ORG + "/" + name under CausalLM
        ("compare.py", 31, "LL002", "facebook/bart-large-cnn"),  # "{}/{}".format(org, name) under CausalLM
        ("registry.py", 15, "LL001", "openai-community/gpt2"),  # MODELS.items() under Seq2SeqLM
        ("registry.py", 20, "LL001", "google-t5/t5-small"),  # MODELS["t5"] under CausalLM
        ("registry.py", 33, "LL001", "google-t5/t5-small"),  # MODELS[short] over MODELS.keys() under CausalLM
        ("registry.py", 33, "LL002", "facebook/bart-large-cnn"),
        ("registry.py", 40, "LL001", "openai-community/gpt2"),  # FALLBACK, a module constant
    ]  # CHECKPOINTS (a tuple), MODELS[name] over ("t5", "bart") and the tokenizers over .values() are right


def test_registry_traces(report) -> None:
    data = report("registry_loop")
    assert steps(finding(data, "registry.py", 15, "openai-community/gpt2")) == [
        ("registry.py", 14, 5, "`mid` is 'openai-community/gpt2' in the loop over `MODELS.items()`"),
        ("registry.py", 15, 23, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert steps(finding(data, "registry.py", 20, "google-t5/t5-small")) == [
        ("registry.py", 20, 49, "`MODELS['t5']` is 'google-t5/t5-small'"),
        ("registry.py", 20, 12, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "registry.py", 33, "facebook/bart-large-cnn", code="LL002")) == [
        ("registry.py", 32, 5, "`short` is 'bart' in the loop over `MODELS.keys()`"),
        ("registry.py", 33, 52, "`MODELS['bart']` is 'facebook/bart-large-cnn'"),
        ("registry.py", 33, 15, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "compare.py", 16, "openai-community/gpt2")) == [
        ("compare.py", 15, 5,
         "`mid` is 'openai-community/gpt2' in the loop over `{\"openai-community/gpt2\", \"EleutherAI/pythia-70m\"}`"),
        ("compare.py", 16, 9, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert steps(finding(data, "compare.py", 21, "google-t5/t5-small")) == [
        ("compare.py", 20, 5, "`size` is 'small' in the loop over `[\"small\"]`"),
        ("compare.py", 21, 9, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "registry.py", 40, "openai-community/gpt2")) == []  # a module constant


def test_registry_loop_targets_unpack_together(report) -> None:
    """`for org, name in [("facebook", "bart-large-cnn"), ("openai-community", "gpt2")]` loads two ids,
    not the four pairings of its columns."""
    data = report("registry_loop")
    assert data["unresolved"] == []
    assert "facebook/gpt2" not in json.dumps(data) and "openai-community/bart-large-cnn" not in json.dumps(data)
    assert data["summary"] == {
        "files": 2, "call_sites": 11, "loads": 11, "checked": 11, "findings": 10, "unresolved": 0, "fixed": 0
    }


def test_registry_fixes(report) -> None:
    data = report("registry_loop")
    fixed = {(f["path"], f["line"], f["code"], f["model_id"]): f["fix"] and f["fix"]["title"] for f in data["findings"]}
    assert fixed == {
        # every value of the set loop is a decoder: one fix serves both
        ("compare.py", 16, "LL001", "EleutherAI/pythia-70m"): "Use `AutoModelForCausalLM`",
        ("compare.py", 16, "LL001", "openai-community/gpt2"): "Use `AutoModelForCausalLM`",
        ("compare.py", 21, "LL001", "google-t5/t5-small"): "Use `AutoModelForSeq2SeqLM`",
        ("compare.py", 26, "LL001", "google/flan-t5-base"): "Use `AutoModelForSeq2SeqLM`",
        ("compare.py", 31, "LL002", "facebook/bart-large-cnn"): None,
        ("registry.py", 15, "LL001", "openai-community/gpt2"): None,
        ("registry.py", 20, "LL001", "google-t5/t5-small"): "Use `AutoModelForSeq2SeqLM`",
        ("registry.py", 33, "LL001", "google-t5/t5-small"): None,
        ("registry.py", 33, "LL002", "facebook/bart-large-cnn"): None,
        ("registry.py", 40, "LL001", "openai-community/gpt2"): "Use `AutoModelForCausalLM`",
    }
    suggestion = {(f["path"], f["line"], f["model_id"]): f["suggestion"] for f in data["findings"]}
    assert suggestion[("registry.py", 15, "openai-community/gpt2")] == "use `AutoModelForCausalLM`" + no_fix(
        "`facebook/bart-large-cnn`, `google-t5/t5-small`"
    )
    assert suggestion[("registry.py", 33, "google-t5/t5-small")].endswith(
        no_fix("`facebook/bart-large-cnn`, `openai-community/gpt2`")
    )
    assert suggestion[("compare.py", 31, "facebook/bart-large-cnn")].endswith(no_fix("`openai-community/gpt2`"))
    assert suggestion[("compare.py", 16, "openai-community/gpt2")] == "use `AutoModelForCausalLM`"


# --- eval_harness: a registry through four calls, comprehensions, templates over parameters ---------------------


def test_harness_findings(report) -> None:
    assert findings(report("eval_harness")) == [
        ("harness/models.py", 8, "LL001", "google/flan-t5-base"),  # REGISTRY through four calls
        ("harness/models.py", 17, "LL001", "google/flan-t5-base"),  # load_judge() omits `name`: its default
        ("harness/run.py", 36, "LL001", "EleutherAI/pythia-70m"),  # [Seq2SeqLM(name) for name in DECODERS]
        ("harness/run.py", 36, "LL001", "openai-community/gpt2"),
    ]  # the tokenizers, the judges over JUDGES, "EleutherAI/pythia-{}".format(size) and load_judge(gpt2) are right


def test_harness_traces(report) -> None:
    data = report("eval_harness")
    assert steps(finding(data, "harness/models.py", 8, "google/flan-t5-base")) == [  # four calls deep, each step once
        ("harness/run.py", 33, 5, "`model_id` is 'google/flan-t5-base' in the loop over `REGISTRY`"),
        ("harness/run.py", 34, 39, "passed to run_suite()"),
        ("harness/run.py", 27, 15, "parameter `model_id` of run_suite()"),
        ("harness/run.py", 28, 28, "passed to run_task()"),
        ("harness/run.py", 23, 14, "parameter `model_id` of run_task()"),
        ("harness/run.py", 24, 18, "passed to score()"),
        ("harness/run.py", 18, 11, "parameter `model_id` of score()"),
        ("harness/run.py", 19, 27, "passed to load_model()"),
        ("harness/models.py", 6, 16, "parameter `model_id` of load_model()"),
        ("harness/models.py", 8, 13, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "harness/models.py", 17, "google/flan-t5-base")) == [
        ("harness/run.py", 38, 21, "load_judge() called without `name`"),
        ("harness/models.py", 16, 16, "parameter `name` of load_judge()"),
        ("harness/models.py", 17, 12, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(finding(data, "harness/run.py", 36, "openai-community/gpt2")) == [
        ("harness/run.py", 36, 64, "`name` is 'openai-community/gpt2' in the loop over `DECODERS`"),
        ("harness/run.py", 36, 21, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]


def test_harness_fixes(report) -> None:
    data = report("eval_harness")
    registry = finding(data, "harness/models.py", 8, "google/flan-t5-base")
    assert registry["fix"] is None
    assert registry["suggestion"] == "use `AutoModelForSeq2SeqLM`" + no_fix(
        "`EleutherAI/pythia-70m`, `Qwen/Qwen2.5-0.5B-Instruct`, `openai-community/gpt2`"
    )
    judge = finding(data, "harness/models.py", 17, "google/flan-t5-base")
    assert judge["fix"] is None and judge["suggestion"].endswith(no_fix("`openai-community/gpt2`"))
    for model_id in ("EleutherAI/pythia-70m", "openai-community/gpt2"):  # both values want the same fix
        wrong_judge = finding(data, "harness/run.py", 36, model_id)
        assert wrong_judge["suggestion"] == "use `AutoModelForCausalLM`"
        assert wrong_judge["fix"]["title"] == "Use `AutoModelForCausalLM`"


def test_harness_every_load_resolved(report) -> None:
    data = report("eval_harness")
    # no entry for `pipeline(..., model=model)` (a model object), nor for `.format(size)` over a parameter
    assert unresolved(data) == []
    assert data["summary"] == {
        "files": 3, "call_sites": 7, "loads": 7, "checked": 7, "findings": 4, "unresolved": 0, "fixed": 0
    }


# --- negatives: what is not followed, and defaults that never load ---------------------------------------------------

NEGATIVE_UNRESOLVED = [
    ("argv_entry.py", 9, None, "dynamic", "computed", "`sys.argv[1]` is computed at run time"),
    ("rebind.py", 15, None, "dynamic", "computed", "`mid` is bound more than once"),
    ("serve_default.py", 9, None, "dynamic", "computed", "`sys.argv[1]` is computed at run time"),
    ("unused.py", 7, None, "dynamic", "parameter", "export() is not called in the project"),
    ("unused.py", 11, None, "dynamic", "parameter", "export_plain() is not called in the project"),
]


def test_negatives_findings(report) -> None:
    # the id smoke_test() passes, and the default of export() (never called); not the rebound
    # "openai-community/gpt2" of rebind.py, nor wrapper.py's placeholder default
    assert findings(report("negatives")) == [
        ("argv_entry.py", 9, "LL001", "openai-community/gpt2"),
        ("unused.py", 7, "LL001", "openai-community/gpt2"),
    ]


def test_negatives_a_dynamic_value_withholds_the_fix(report) -> None:
    """load() also gets `sys.argv[1]`: no single fix can be shown to serve it, and the advice names no
    `None` id."""
    data = report("negatives")
    smoke = finding(data, "argv_entry.py", 9, "openai-community/gpt2")
    assert steps(smoke) == [
        ("argv_entry.py", 13, 17, "passed to load()"),
        ("argv_entry.py", 8, 10, "parameter `name` of load()"),
        ("argv_entry.py", 9, 12, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert smoke["fix"] is None
    assert smoke["suggestion"] == (
        "use `AutoModelForCausalLM`; no fix: values loadlint cannot follow reach it (see the unresolved ids), "
        "which a single fix may not suit"
    )
    for f in data["findings"]:
        assert "`None`" not in f["suggestion"], f


def test_negatives_unresolved(report) -> None:
    data = report("negatives")
    assert unresolved(data) == NEGATIVE_UNRESOLVED
    by_place = {(u["path"], u["line"]): u for u in data["unresolved"]}
    assert steps(by_place[("argv_entry.py", 9)]) == [
        ("argv_entry.py", 17, 10, "passed to load()"),
        ("argv_entry.py", 8, 10, "parameter `name` of load()"),
        ("argv_entry.py", 9, 12, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert steps(by_place[("serve_default.py", 9)]) == [
        ("serve_default.py", 13, 22, "passed to load_for_serving()"),
        ("serve_default.py", 8, 22, "parameter `name` of load_for_serving()"),
        ("serve_default.py", 9, 12, "AutoModelForCausalLM.from_pretrained"),
    ]
    assert steps(by_place[("unused.py", 11)]) == [
        ("unused.py", 10, 18, "parameter `name` of export_plain()"),
        ("unused.py", 11, 12, "AutoModelForSeq2SeqLM.from_pretrained"),
    ]
    assert steps(by_place[("rebind.py", 15)]) == []


def test_negatives_default_of_a_function_never_called_is_checked(report) -> None:
    data = report("negatives")
    export = finding(data, "unused.py", 7, "openai-community/gpt2")
    assert steps(export)[0] == ("unused.py", 6, 12, "parameter `name` of export()")
    assert steps(export)[-1] == ("unused.py", 7, 12, "AutoModelForSeq2SeqLM.from_pretrained")
    assert export["suggestion"].startswith("use `AutoModelForCausalLM`")
    assert "`None`" not in export["suggestion"]


def test_negatives_unused_defaults_are_never_judged(check, report) -> None:
    """wrapper.load() and load_for_serving() have the placeholder default "path/to/model"; every call
    passes the id (constants in wrapper.py, `sys.argv[1]` in serve_default.py), so it never loads."""
    data = report("negatives")
    assert "path/to/model" not in check("negatives", "json").stdout
    assert not [f for f in data["findings"] if f["path"] in ("wrapper.py", "serve_default.py")]
    assert data["summary"] == {  # checked: wrapper.py's load only
        "files": 5, "call_sites": 6, "loads": 6, "checked": 1, "findings": 2, "unresolved": 5, "fixed": 0
    }


def test_negatives_text(check) -> None:
    done = check("negatives", "text")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "path/to/model" not in done.stdout
    assert "Model loads: 6, checked 1 (16%), unresolved 5" in lines
    assert "  rebind.py:15: <dynamic> [dynamic] (computed): `mid` is bound more than once" in lines
    assert "  unused.py:7: <dynamic> [dynamic] (parameter): export() is not called in the project" in lines
    assert "Unresolved (5), not checked:" in lines
