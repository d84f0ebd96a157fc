"""`loadlint check --runtime meta|full`, for real: tiny random models are built once per session and
really built, loaded and run by the worker processes.

These tests need torch and transformers (CI installs both): without them they fail, never skip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_runner import loadlint
from hub_server import VALID_TOKEN, HubServer
from tiny_models import CANARY, build_all, remote_code_folder

from loadlint.engine import CheckOptions, run_check
from loadlint.extract import extract_file
from loadlint.facts import ModelFacts, ModelRef, Span
from loadlint.findings import CheckResult, Finding
from loadlint.report.text import render_text
from loadlint.resolve import ResolverSettings, resolve_all
from loadlint.rules.runtime_failure import RuntimeFailure
from loadlint.runtime import RuntimeOptions, pool
from loadlint.runtime.controller import observe, plan_site, progress_bar, replayed_keywords
from loadlint.tables import load_tables

MODEL_NAMES = {"gpt2": "tiny-gpt2", "llama": "tiny-llama", "t5": "tiny-t5", "bart": "tiny-bart",
               "whisper": "tiny-whisper", "bert": "tiny-bert", "pickle": "pickle-only", "remote": "remote-code"}


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("tiny-models"))


HEADER_LINES = 1 + len(MODEL_NAMES)


def script(folder: Path, tiny: dict[str, Path], calls: str) -> Path:
    """app.py: binds GPT2, LLAMA, T5, ... to the tiny model folders, then makes `calls`, one per line
    (call 1 on line HEADER_LINES + 1)."""
    header = ["from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer"]
    header += [f"{name.upper()} = {str(tiny[folder_name])!r}" for name, folder_name in MODEL_NAMES.items()]
    path = folder / "app.py"
    path.write_text("\n".join(header) + "\n" + textwrap.dedent(calls))
    return path


def hub_repo(root: Path, repo_id: str, source: Path) -> None:
    """Serve a tiny model folder as a Hub repo (its safetensors file goes through the LFS redirect)."""
    folder = root / repo_id
    folder.mkdir(parents=True)
    for path in source.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    meta = {"sha": hashlib.sha1(repo_id.encode()).hexdigest(), "library_name": "transformers"}
    (folder / "_repo.json").write_text(json.dumps(meta))


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, tiny: dict[str, Path]):
    """Overrides conftest's hub: the tiny models, served under the ids the tests use."""
    root = tmp_path_factory.mktemp("runtime-hub")
    hub_repo(root, "openai-community/gpt2", tiny["tiny-gpt2"])  # the id LL090's examples use
    hub_repo(root, "acme/tiny-bart", tiny["tiny-bart"])
    with HubServer(root) as server:
        yield server


def loadlint_json(*args: str, env: dict[str, str], cwd: Path) -> dict:
    """`loadlint check --output-format json ARGS` in `env` (conftest's, pointed at this module's hub)."""
    run = loadlint("check", "--output-format", "json", *args, env=env, cwd=cwd)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    return json.loads(run.stdout)


def by_call(report: dict) -> dict[int, dict[str, dict]]:
    """call number (see `script`) -> code -> finding."""
    found: dict[int, dict[str, dict]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["line"] - HEADER_LINES, {})[finding["code"]] = finding
    return found


def observe_script(path: Path, options: RuntimeOptions) -> list[dict]:
    """The `runtime` record of each call of a `script`, in order, through the API (no CLI, no rules)."""
    sites = extract_file(str(path), path.read_bytes(), lambda name: True).sites
    settings = ResolverSettings(offline=True, use_facts_cache=False, cwd=path.parent)
    models = resolve_all([site.ref for site in sites if site.ref], settings)
    observations = observe(sites, models, load_tables(), options)
    return [seen.runtime for _, seen in sorted(observations.items(), key=lambda item: item[0].span.line)]


@pytest.fixture
def quiet_hub_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers started from this process inherit it: a fresh HF cache, never the network."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


# -- meta and full, end to end ------------------------------------------------------------------------


def test_meta_mode_confirms_findings_and_reports_what_the_rules_miss(
    tmp_path: Path, tiny: dict[str, Path], env: dict[str, str]
) -> None:
    script(tmp_path, tiny, """\
        wrong = AutoModelForSeq2SeqLM.from_pretrained(GPT2)
        partial = AutoModelForCausalLM.from_pretrained(BART)
        speech = AutoModelForCausalLM.from_pretrained(WHISPER)
        encoder = AutoModelForCausalLM.from_pretrained(BERT)
        clean = AutoModelForCausalLM.from_pretrained(LLAMA)
        fast = AutoModelForCausalLM.from_pretrained(GPT2, attn_implementation="flash_attention_2")
        known = AutoModelForSeq2SeqLM.from_pretrained(GPT2)  # noqa: LL001
        waived = AutoModelForCausalLM.from_pretrained(GPT2, attn_implementation="flash_attention_2")  # noqa: LL090
        untrusted = AutoModelForCausalLM.from_pretrained(REMOTE)
        trusted = AutoModelForCausalLM.from_pretrained(REMOTE, trust_remote_code=True)
    """)
    report = loadlint_json("--runtime", "meta", "app.py", env=env, cwd=tmp_path)
    found = by_call(report)
    calls = {call["line"] - HEADER_LINES: call for call in report["runtime"]}
    assert sorted(calls) == list(range(1, 11)), "every model-loading call is reported, finding or not"
    assert calls[5]["outcome"] == "clean" and calls[5]["concrete_class"] == "LlamaForCausalLM"
    assert calls[1]["outcome"] == "failed" and calls[1]["model_id"] == str(tiny["tiny-gpt2"])

    wrong = found[1]["LL001"]["runtime"]
    assert wrong["mode"] == "meta" and wrong["confirmed"] is True and wrong["outcome"] == "failed"
    assert wrong["observed"].startswith("ValueError: Unrecognized configuration class <class 'transformers.")
    assert "for this kind of AutoModel: AutoModelForSeq2SeqLM." in wrong["error"]["message"]
    assert wrong["suggested"]["concrete_class"] == "GPT2LMHeadModel" and wrong["suggested"]["outcome"] == "clean"

    partial = found[2]["LL002"]["runtime"]
    assert partial["confirmed"] is True and partial["concrete_class"] == "BartForCausalLM"
    assert partial["own_class"] == "BartForConditionalGeneration" and "model.encoder" in partial["lacks"]
    assert partial["suggested"] == {**partial["suggested"], "outcome": "clean",
                                    "concrete_class": "BartForConditionalGeneration"}
    assert list(found[3]["LL002"]["runtime"]["lacks"]) == ["model.encoder"]
    assert found[3]["LL002"]["runtime"]["suggested"]["concrete_class"] == "WhisperForConditionalGeneration"

    encoder = found[4]["LL003"]["runtime"]
    assert encoder["confirmed"] is True and encoder["outcome"] == "warned" and "is_decoder=True" in encoder["observed"]

    assert {5, 7, 8}.isdisjoint(found), "clean and suppressed calls report nothing"
    failure = found[6]["LL090"]
    assert failure["message"].startswith(f"`AutoModelForCausalLM` fails at run time for `{tiny['tiny-gpt2']}`: ")
    assert "ImportError: FlashAttention2 has been toggled on" in failure["message"]
    assert failure["runtime"]["confirmed"] is True

    assert "contains custom code which must be executed" in found[9]["LL005"]["runtime"]["observed"]
    assert found[9]["LL005"]["runtime"]["confirmed"] is True
    assert not (tiny["remote-code"].parent / CANARY).exists(), "repository code never runs, trusted or not"


def test_meta_mode_confirms_a_partial_load_of_a_config_without_architectures(
    tmp_path: Path, tiny: dict[str, Path], env: dict[str, str]
) -> None:
    """A config saved alone has no `architectures`: the class the finding suggests is what the used
    one is compared with, so the dropped encoder is still seen."""
    folder = tmp_path / "bart-config-only"
    folder.mkdir()
    config = json.loads((tiny["tiny-bart"] / "config.json").read_text())
    config.pop("architectures", None)
    (folder / "config.json").write_text(json.dumps(config))
    (tmp_path / "app.py").write_text(
        f"from transformers import AutoModelForCausalLM\nAutoModelForCausalLM.from_pretrained({str(folder)!r})\n"
    )
    report = loadlint_json("--runtime", "meta", "app.py", env=env, cwd=tmp_path)
    [finding] = [f for f in report["findings"] if f["code"] == "LL002"]
    runtime = finding["runtime"]
    assert runtime["confirmed"] is True and runtime["concrete_class"] == "BartForCausalLM"
    assert runtime["own_class"] == "BartForConditionalGeneration" and "model.encoder" in runtime["lacks"]


def test_full_mode_loads_the_weights_and_generates(tmp_path: Path, tiny: dict[str, Path], env: dict[str, str]) -> None:
    script(tmp_path, tiny, """\
        wrong = AutoModelForSeq2SeqLM.from_pretrained(GPT2)
        partial = AutoModelForCausalLM.from_pretrained(BART)
        speech = AutoModelForCausalLM.from_pretrained(WHISPER)
    """)
    found = by_call(loadlint_json(
        "--runtime", "full", "--max-new-tokens", "4", "--device", "cpu", "app.py", env=env, cwd=tmp_path
    ))

    wrong = found[1]["LL001"]["runtime"]
    assert wrong["confirmed"] is True and wrong["error"]["type"] == "ValueError"
    instead = wrong["suggested"]
    assert instead["outcome"] == "clean" and instead["generated"]["tokens"] == 4
    assert instead["generated"]["input"] == "The capital of France is"

    partial = found[2]["LL002"]["runtime"]
    assert partial["mode"] == "full" and partial["device"] == "cpu" and partial["confirmed"] is True
    assert partial["load_report"]["unexpected_keys"] > 0, "the encoder's keys have no place in BartForCausalLM"
    assert partial["generated"]["tokens"] == 4 and partial["peak_memory_mb"] > 0
    assert partial["load_seconds"] >= 0 and partial["generate_seconds"] > 0
    whole = partial["suggested"]
    assert whole["outcome"] == "clean" and whole["concrete_class"] == "BartForConditionalGeneration"
    assert whole["load_report"] == {"missing_keys": 0, "unexpected_keys": 0, "mismatched_keys": 0}
    assert whole["generated"]["input"] == "The house is wonderful."

    speech = found[3]["LL002"]["runtime"]
    assert speech["load_report"]["unexpected_keys"] > 0
    assert speech["suggested"]["outcome"] == "clean" and "silence" in speech["suggested"]["generated"]["input"]


def test_full_mode_clean_calls_generate_and_unsafe_loads_are_refused(
    tmp_path: Path, tiny: dict[str, Path], quiet_hub_env: None
) -> None:
    path = script(tmp_path, tiny, """\
        decoder = AutoModelForCausalLM.from_pretrained(LLAMA)
        translator = AutoModelForSeq2SeqLM.from_pretrained(T5)
        pickled = AutoModelForCausalLM.from_pretrained(PICKLE)
        trusted = AutoModelForCausalLM.from_pretrained(REMOTE, trust_remote_code=True)
        encoder = AutoModel.from_pretrained(BERT)
        tokenizer = AutoTokenizer.from_pretrained(GPT2)
    """)
    decoder, translator, pickled, trusted, encoder, tokenizer = observe_script(path, RuntimeOptions(mode="full"))

    assert decoder["outcome"] == "clean" and decoder["confirmed"] is False
    assert decoder["concrete_class"] == "LlamaForCausalLM" and decoder["generated"]["tokens"] == 8
    assert decoder["load_report"] == {"missing_keys": 0, "unexpected_keys": 0, "mismatched_keys": 0}
    assert translator["outcome"] == "clean" and translator["generated"]["input"] == "The house is wonderful."
    assert pickled["outcome"] == "not-confirmable" and pickled["observed"].endswith("without --allow-pickle")
    assert "load_report" not in pickled, "a pickle file is never opened"
    assert trusted["outcome"] == "not-confirmable" and "without --allow-remote-code" in trusted["observed"]
    assert encoder["not_generated"] == "BertModel is not a generative class"
    assert tokenizer["observed"] == "`AutoTokenizer` does not load a model"
    assert not (tiny["remote-code"].parent / CANARY).exists()


def test_allowing_pickle_and_remote_code_and_capping_the_size(
    tmp_path: Path, tiny: dict[str, Path], quiet_hub_env: None
) -> None:
    remote = remote_code_folder(tmp_path / "own-remote-code", canary=tmp_path / CANARY)
    path = script(tmp_path, {**tiny, "remote-code": remote}, """\
        pickled = AutoModelForCausalLM.from_pretrained(PICKLE)
        translator = AutoModelForSeq2SeqLM.from_pretrained(T5)
        trusted = AutoModelForCausalLM.from_pretrained(REMOTE, trust_remote_code=True)
    """)
    options = RuntimeOptions(mode="full", allow_pickle=True, allow_remote_code=True, max_params=20_000)
    pickled, translator, trusted = observe_script(path, options)

    assert pickled["outcome"] == "clean" and pickled["generated"]["tokens"] == 8
    assert translator["outcome"] == "not-confirmable"
    assert translator["observed"] == "the model has 29,024 parameters, more than --max-params 20,000"
    assert (tmp_path / CANARY).exists(), "--allow-remote-code runs the repository's code (the canary works)"
    assert trusted["outcome"] == "failed"


def partial_load(report: dict) -> dict:
    (finding,) = (finding for finding in report["findings"] if finding["code"] == "LL002")
    return finding["runtime"]


def test_hub_weights_load_with_download_and_not_without(
    tmp_path: Path, tiny: dict[str, Path], env: dict[str, str], hub: HubServer
) -> None:
    (tmp_path / "app.py").write_text(
        'from transformers import AutoModelForCausalLM\nAutoModelForCausalLM.from_pretrained("acme/tiny-bart")\n'
    )
    env = {**env, "HF_TOKEN": VALID_TOKEN}
    hub.clear_log()
    cached_only = partial_load(loadlint_json("--runtime", "full", "app.py", env=env, cwd=tmp_path))
    assert cached_only["confirmed"] is None and cached_only["outcome"] == "not-confirmable"
    assert cached_only["observed"].endswith("not confirmable without --download")
    assert not any("safetensors" in path or path.startswith("/cdn/") for _, path, _ in hub.requests)

    run = loadlint(
        "check", "--output-format", "json", "--runtime", "full", "--download", "app.py", env=env, cwd=tmp_path
    )
    downloaded = partial_load(json.loads(run.stdout))
    assert downloaded["confirmed"] is True and downloaded["load_report"]["unexpected_keys"] > 0
    assert downloaded["suggested"]["outcome"] == "clean"
    assert any(method == "GET" and path.startswith("/cdn/") for method, path, _ in hub.requests), "the LFS redirect"
    assert VALID_TOKEN not in run.stdout + run.stderr


def test_runtime_failure_examples_run_for_real(tmp_path: Path, env: dict[str, str]) -> None:
    """LL090 is runtime-only, so tests/test_rules.py skips its examples: here they run, against a
    tiny model served as the id they name."""
    rule = RuntimeFailure()
    for kind in ("valid", "invalid"):
        for index, source in enumerate(getattr(rule, kind)):
            (tmp_path / f"{kind}_{index}.py").write_text(source)
    report = loadlint_json("--runtime", "meta", ".", env=env, cwd=tmp_path)
    failures = sorted(f["path"] for f in report["findings"] if f["code"] == rule.code)
    assert failures == [f"invalid_{index}.py" for index in range(len(rule.invalid))]
    assert all(not f["message"].endswith(".") for f in report["findings"])


# -- isolation: time limits, dead workers, the static result ------------------------------------------


def run_fake_worker(program: str, timeout: float = 10) -> pool.JobOutcome:
    job = {"checks": [{"key": "0"}, {"key": "1"}]}
    (outcome,) = pool.run_jobs([job], env=dict(os.environ), timeout=timeout, workers=1,
                               command=(sys.executable, "-c", program))
    return outcome


READY = 'import json, sys, time\nprint(json.dumps({"event": "ready"}), flush=True)\n'


def test_a_worker_that_dies_is_reported_with_its_last_words() -> None:
    outcome = run_fake_worker(READY + "sys.stdin.readline()\nsys.stderr.write('Segmentation fault\\n')\nsys.exit(3)\n")
    assert outcome.failure_kind == "worker-died"
    assert outcome.failure == "the runtime worker died (exit code 3): Segmentation fault"


def test_a_worker_that_dies_midway_keeps_the_checks_it_finished() -> None:
    finished = 'print(json.dumps({"event": "check", "key": "0", "result": {"seen": 1}}), flush=True)\n'
    outcome = run_fake_worker(READY + "sys.stdin.readline()\n" + finished + "import os\nos.kill(os.getpid(), 9)\n")
    assert outcome.results == {"0": {"seen": 1}}
    assert outcome.failure == "the runtime worker died (signal SIGKILL, e.g. out of memory)"


def test_time_limits_apply_to_the_start_and_to_each_job() -> None:
    slow_start = run_fake_worker("import time\ntime.sleep(30)\n", timeout=1)
    assert slow_start.failure_kind == "timeout"
    assert slow_start.failure == "the runtime worker did not start within 1 s (--runtime-timeout) and was stopped"
    slow_job = run_fake_worker(READY + "sys.stdin.readline()\ntime.sleep(60)\n", timeout=3)
    assert slow_job.failure == "the runtime worker did not finish within 3 s (--runtime-timeout) and was stopped"
    assert slow_job.seconds < 30


def test_the_static_result_survives_a_runtime_that_cannot_finish(
    tmp_path: Path, tiny: dict[str, Path], quiet_hub_env: None
) -> None:
    path = script(tmp_path, tiny, "wrong = AutoModelForSeq2SeqLM.from_pretrained(GPT2)\n")
    options = CheckOptions(paths=(str(path),), resolver=ResolverSettings(offline=True, use_facts_cache=False))
    static = run_check(options).findings
    checked = run_check(dataclasses.replace(options, runtime=RuntimeOptions(timeout=0.2))).findings
    assert [f.code for f in static] == ["LL001"]
    assert [json_without_runtime(f) for f in checked] == [json_without_runtime(f) for f in static]
    (runtime,) = [f.runtime for f in checked]
    assert runtime["confirmed"] is None and runtime["outcome"] == "timeout"
    assert runtime["observed"] == "the runtime worker did not start within 0.2 s (--runtime-timeout) and was stopped"


def json_without_runtime(finding: Finding) -> dict:
    return {**finding.to_json(), "runtime": None}


def test_runtime_without_the_extra_exits_two(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    probe = (
        "import sys\nsys.modules['torch'] = None\nfrom loadlint.cli import main\n"
        "sys.argv = ['loadlint', 'check', '--runtime', 'meta', 'app.py']\nmain()\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip() == 'loadlint: error: --runtime needs the runtime extra: pip install "loadlint[runtime]"'


# -- planning and reporting, without workers -----------------------------------------------------------


def test_what_a_check_passes_on_and_what_it_never_does() -> None:
    source = (
        "from huggingface_hub import hf_hub_download\n"
        "from transformers import AutoModel, AutoTokenizer, pipeline\n"
        'AutoModel.from_pretrained("m", token="hf_abcdefghijkl", device_map="auto", attn_implementation="sdpa",\n'
        '                          use_auth_token="hf_abcdefghijkl", num_labels=3, trust_remote_code=True, **extra)\n'
        'AutoModel.from_pretrained("m", trust_remote_code=True)\n'
        'AutoModel.from_pretrained("m")\n'
        'AutoTokenizer.from_pretrained("m")\n'
        'pipeline(model="m")\n'
        'hf_hub_download("m", "config.json")\n'
    )
    sites = extract_file("app.py", source.encode(), lambda name: True).sites
    assert replayed_keywords(sites[0]) == {"attn_implementation": "sdpa", "num_labels": 3}
    tables = load_tables()
    plain = ModelFacts(ModelRef("m"), "local", "gpt2", ("GPT2LMHeadModel",))
    remote = ModelFacts(ModelRef("m"), "local", "gpt2", auto_map=(("AutoModel", "modeling.Model"),))
    options = RuntimeOptions()

    def plan(site_index: int, model: ModelFacts | None, allow: RuntimeOptions = options) -> object:
        return plan_site(sites[site_index], model, tables, (), allow)

    assert plan(0, remote) == (
        "whether the call trusts the repository's own code (`trust_remote_code`) is not known statically"
    )
    assert plan(1, remote) == "the call runs the repository's own code: not confirmable without --allow-remote-code"
    assert plan(1, remote, RuntimeOptions(allow_remote_code=True)).trust_remote_code is True
    assert plan(1, plain).trust_remote_code is False, "passed as False unless --allow-remote-code"
    assert plan(2, None) == "the model id was not resolved"
    assert plan(3, plain) == "`AutoTokenizer` does not load a model"
    assert plan(4, plain) == "the pipeline task is not known statically"
    assert plan(5, plain) == "`hf_hub_download` does not load a model"


def test_text_report_line_under_a_finding() -> None:
    runtime = {"mode": "meta", "confirmed": True, "device": "cpu", "seconds": 0.42, "outcome": "failed",
               "observed": "ValueError: Unrecognized configuration class"}
    finding = Finding("LL001", "wrong-auto-class", "error", "message", "app.py", Span(2, 9, 2, 71), runtime=runtime)
    refused = Finding("LL002", "partial-load", "error", "message", "app.py", Span(3, 9, 3, 71), runtime={
        "mode": "full", "confirmed": None, "device": None, "seconds": 0.0, "outcome": "not-confirmable",
        "observed": "the weights are not in the Hugging Face cache: not confirmable without --download"})
    text = render_text(CheckResult("0", "5.23.0", "installed", findings=[finding, refused])).splitlines()
    assert text[1] == "  runtime (meta, cpu, 0.4 s): confirmed — ValueError: Unrecognized configuration class"
    assert text[3] == (
        "  runtime (full, 0.0 s): not confirmable — the weights are not in the Hugging Face cache: "
        "not confirmable without --download"
    )


def test_progress_bar_on_a_terminal_and_quiet_otherwise(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with progress_bar(2, RuntimeOptions()) as advance:
        advance(0)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich draws as on a terminal
    with progress_bar(2, RuntimeOptions(mode="full", progress=True)) as advance:
        advance(0)
        advance(1)
    drawn = capsys.readouterr().err
    assert "runtime full" in drawn and "2/2" in drawn


# -- the worker never runs the linted project's code ---------------------------------------------------

LIBRARY_SHADOWS = ("torch", "transformers", "safetensors", "tokenizers")
STARTUP_HOOKS = ("sitecustomize", "usercustomize")


def plant_canaries(folder: Path, canaries: Path, modules: tuple[str, ...]) -> None:
    """Modules (and a .pth file) that write a canary file when anything imports or processes them."""
    folder.mkdir(exist_ok=True)
    for name in modules:
        (folder / f"{name}.py").write_text(f"open({str(canaries / (folder.name + '-' + name))!r}, 'w').close()\n")
    pth = canaries / f"{folder.name}-pth"
    (folder / "zz-canary.pth").write_text(f"import os; open({str(pth)!r}, 'w').close()\n")


@pytest.mark.parametrize("mode", ["meta", "full"])
def test_the_worker_imports_nothing_from_the_linted_project(
    tmp_path: Path, tiny: dict[str, Path], env: dict[str, str], mode: str
) -> None:
    project, elsewhere, on_path, canaries = (tmp_path / name for name in ("project", "cwd", "on-path", "canaries"))
    canaries.mkdir()
    project.mkdir()
    script(project, tiny, "wrong = AutoModelForSeq2SeqLM.from_pretrained(GPT2)\n")
    local = project / "tiny-bart"  # a relative local folder: the worker gets it as an absolute path
    local.mkdir()
    for path in tiny["tiny-bart"].iterdir():
        (local / path.name).write_bytes(path.read_bytes())
    with (project / "app.py").open("a") as app:
        app.write('partial = AutoModelForCausalLM.from_pretrained("./tiny-bart")\n')
    plant_canaries(project, canaries, LIBRARY_SHADOWS + STARTUP_HOOKS)
    plant_canaries(elsewhere, canaries, LIBRARY_SHADOWS + STARTUP_HOOKS)
    plant_canaries(on_path, canaries, LIBRARY_SHADOWS)  # e.g. a CI job's PYTHONPATH=.
    hostile = {**env, "PYTHONPATH": str(on_path)}

    reports = [
        loadlint_json("--runtime", mode, "--device", "cpu", "app.py", env=hostile, cwd=project),
        loadlint_json("--runtime", mode, "--device", "cpu", str(project / "app.py"), env=hostile, cwd=elsewhere),
    ]

    assert sorted(path.name for path in canaries.iterdir()) == []
    confirmed = [{f["code"] for f in report["findings"] if f["runtime"]["confirmed"]} for report in reports]
    assert confirmed == [{"LL001", "LL002"}, {"LL001"}]  # "./tiny-bart" means the working directory's


def test_a_model_class_in_no_auto_table_is_a_model_load() -> None:
    """`CLIPTextModelWithProjection` is in no Auto table but is exported: the runtime plans it as the
    engine judges it (`semantics.is_model_class`), not as a class that loads no model."""
    source = 'from transformers import CLIPTextModelWithProjection\nCLIPTextModelWithProjection.from_pretrained("m")\n'
    site = extract_file("app.py", source.encode(), lambda name: True).sites[0]
    clip = ModelFacts(ModelRef("m"), "local", "clip", ("CLIPModel",))
    plan = plan_site(site, clip, load_tables(), (), RuntimeOptions())
    assert not isinstance(plan, str), plan
