"""The CLI end to end, as a user runs it: a subprocess, the loopback Hub, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from cli_runner import loadlint, write
from hub_server import VALID_TOKEN, HubServer

from loadlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


WRONG = (
    "from transformers import AutoModelForSeq2SeqLM, AutoModelForCausalLM\n"
    'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    'good = AutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
)


def test_text_output_and_exit_code_one_for_findings(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG)
    run = loadlint("check", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == (
        "app.py:2:9: LL001 [*] [wrong-auto-class] `AutoModelForSeq2SeqLM` cannot load `openai-community/gpt2`: "
        "its model_type `gpt2` is not in the class's table, so transformers raises `Unrecognized configuration class`"
    )
    assert lines[1] == "  help: use `AutoModelForCausalLM`"
    assert "Checked 1 file, 2 call sites: 1 finding (1 error, 0 warnings)" in run.stdout
    assert "transformers 5.23.0" in lines[-1]


def test_json_contract(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG + 'AutoModelForCausalLM.from_pretrained("acme/does-not-exist")\n')
    run = loadlint("check", "app.py", "--output-format", "json", env=env, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert set(data) >= {"loadlint_version", "transformers_version", "findings", "unresolved", "summary"}
    assert data["transformers_version"] == "5.23.0"
    (finding,) = data["findings"]
    assert finding == {
        "code": "LL001", "name": "wrong-auto-class", "severity": "error", "message": finding["message"],
        "path": "app.py", "line": 2, "column": 9, "end_line": 2, "end_column": 71,
        "model_id": "openai-community/gpt2", "revision": None, "model_type": "gpt2",
        "auto_class": "AutoModelForSeq2SeqLM", "suggestion": "use `AutoModelForCausalLM`", "runtime": None,
        "trace": [],  # a constant at the call: no path to show
        "cell": None,  # a notebook's findings give their cell
        "fix": {
            "title": "Use `AutoModelForCausalLM`",
            "applicability": "safe",
            "edits": [  # the import loses the now-unused name, the call gets the new one
                {"line": 1, "column": 26, "end_line": 1, "end_column": 69, "content": "AutoModelForCausalLM", "cell": None},
                {"line": 2, "column": 9, "end_line": 2, "end_column": 30, "content": "AutoModelForCausalLM", "cell": None},
            ],
        },
    }
    (unresolved,) = data["unresolved"]
    assert {k: unresolved[k] for k in ("model_id", "path", "line", "reason")} == {
        "model_id": "acme/does-not-exist", "path": "app.py", "line": 4, "reason": "not-found",
    }
    assert data["summary"] == {
        "files": 1, "call_sites": 3, "loads": 3, "checked": 2, "findings": 1, "unresolved": 1, "fixed": 0
    }


def test_clean_file_exits_zero(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "ok.py", 'from transformers import AutoModelForCausalLM\nAutoModelForCausalLM.from_pretrained("gpt2")\n')
    run = loadlint("check", ".", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


def test_unresolved_reasons_once_per_id(tmp_path: Path, env: dict[str, str], hub: HubServer) -> None:
    write(tmp_path, "ids.py", """\
        import sys
        from transformers import AutoModel
        AutoModel.from_pretrained("acme/does-not-exist")
        AutoModel.from_pretrained("acme/does-not-exist")
        AutoModel.from_pretrained("meta-llama/Llama-3.2-1B")
        AutoModel.from_pretrained("acme/broken-config")
        AutoModel.from_pretrained(sys.argv[1])
        AutoModel.from_pretrained("./no-such-folder")
    """)
    hub.clear_log()
    run = loadlint("check", "ids.py", "--output-format", "json", env=env, cwd=tmp_path)
    reasons = [(u["model_id"], u["reason"]) for u in json.loads(run.stdout)["unresolved"]]
    assert reasons == [
        ("acme/does-not-exist", "not-found"),
        ("meta-llama/Llama-3.2-1B", "gated-needs-token"),
        ("acme/broken-config", "invalid-config"),
        (None, "dynamic"),
        ("./no-such-folder", "not-found"),
    ]
    model_info_calls = [path for method, path, _ in hub.requests if path.startswith("/api/models/acme/does-not-exist")]
    assert len(model_info_calls) == 1, "each id is resolved once per run"


def test_token_reaches_the_hub_and_is_never_printed(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "gated.py", 'from transformers import AutoModel\nAutoModel.from_pretrained("meta-llama/Llama-3.2-1B")\n')
    run = loadlint("check", "gated.py", "--output-format", "json", env={**env, "HF_TOKEN": VALID_TOKEN}, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["unresolved"] == []
    assert VALID_TOKEN not in run.stdout + run.stderr


def test_offline_and_network_failures(tmp_path: Path, env: dict[str, str], hub: HubServer) -> None:
    write(tmp_path, "app.py", WRONG)
    offline = loadlint("check", "app.py", "--offline", "--output-format", "json", env=env, cwd=tmp_path)
    assert json.loads(offline.stdout)["unresolved"][0]["reason"] == "offline-not-cached"
    hub.fail_with = 500
    try:
        broken = loadlint("check", "app.py", "--output-format", "json", "--no-cache", env=env, cwd=tmp_path)
    finally:
        hub.fail_with = None
    assert json.loads(broken.stdout)["unresolved"][0]["reason"] == "network"
    assert broken.returncode == 0


def test_facts_cache_makes_the_second_run_offline_capable(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG)
    assert loadlint("check", "app.py", env=env, cwd=tmp_path).returncode == 1
    again = loadlint("check", "app.py", env={**env, "HF_HUB_OFFLINE": "1"}, cwd=tmp_path)
    assert again.returncode == 1 and "LL001" in again.stdout


def test_lock_then_locked_check_offline(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG)
    lock = loadlint("lock", ".", env=env, cwd=tmp_path)
    assert lock.returncode == 0, lock.stdout + lock.stderr
    assert (tmp_path / "loadlint.lock").is_file()
    offline_env = {**env, "HF_HUB_OFFLINE": "1", "LOADLINT_CACHE_DIR": str(tmp_path / "empty-cache")}
    locked = loadlint("check", ".", "--locked", env=offline_env, cwd=tmp_path)
    assert locked.returncode == 1 and "LL001" in locked.stdout
    write(tmp_path, "more.py", 'from transformers import AutoModel\nAutoModel.from_pretrained("google-t5/t5-small")\n')
    missing = loadlint("check", ".", "--locked", env=offline_env, cwd=tmp_path)
    assert missing.returncode == 2
    assert "google-t5/t5-small" in missing.stderr and "loadlint lock" in missing.stderr


def online_then_locked(env: dict[str, str], folder: Path) -> Iterator[dict[str, str]]:
    """The environment of a run against the loopback Hub, then (after `loadlint lock` in `folder`) of a
    run offline from the lockfile alone, with an empty cache."""
    yield env
    assert loadlint("lock", ".", env=env, cwd=folder).returncode == 0
    yield {**env, "HF_HUB_OFFLINE": "1", "LOADLINT_CACHE_DIR": str(folder / "empty")}


def test_a_remote_code_tokenizer_is_judged_from_its_tokenizer_config(tmp_path: Path, env: dict[str, str]) -> None:
    """chatglm's config.json maps no AutoTokenizer; its tokenizer_config.json does, and transformers reads
    that first: trusted, the load works (no LL005); untrusted, transformers refuses.  The same verdicts
    come from a lockfile written by `loadlint lock`, offline."""
    write(tmp_path, "tok.py", (
        "from transformers import AutoTokenizer\n"
        'trusted = AutoTokenizer.from_pretrained("THUDM/chatglm2-6b", trust_remote_code=True)\n'
        'untrusted = AutoTokenizer.from_pretrained("THUDM/chatglm2-6b")\n'
    ))
    for run_env in online_then_locked(env, tmp_path):
        done = loadlint("check", "--output-format", "json", "--select", "LL005", "tok.py", env=run_env, cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        found = [(f["line"], f["code"]) for f in json.loads(done.stdout)["findings"]]
        assert found == [(3, "LL005")]
        assert "`trust_remote_code=True` is missing" in json.loads(done.stdout)["findings"][0]["message"]
    assert 'tokenizer_class = "ChatGLMTokenizer"' in (tmp_path / "loadlint.lock").read_text()


def test_a_repo_that_is_no_checkpoint_is_an_error_not_an_unresolved_id(tmp_path: Path, env: dict[str, str]) -> None:
    """The Hub lists the repo's files and there is no config.json: the load fails, and loadlint says so
    (what the repo holds, what to do), online and from the lockfile; a `gguf_file=` load is not judged."""
    write(tmp_path, "app.py", (
        "from transformers import AutoModelForCausalLM, pipeline\n"
        'original = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b")\n'
        'quantized = pipeline("text-generation", model="bartowski/Llama-3.2-1B-Instruct-GGUF")\n'
        'gguf = AutoModelForCausalLM.from_pretrained("bartowski/Llama-3.2-1B-Instruct-GGUF",\n'
        '                                            gguf_file="Llama-3.2-1B-Instruct-Q4_K_M.gguf")\n'
    ))
    for run_env in online_then_locked(env, tmp_path):
        done = loadlint("check", "--output-format", "json", "app.py", env=run_env, cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        data = json.loads(done.stdout)
        assert [(f["line"], f["code"]) for f in data["findings"]] == [(2, "LL008"), (3, "LL008")]
        original, quantized = data["findings"]
        assert "no config.json (it holds the original-format weights: `consolidated.00.pth`" in original["message"]
        assert "`meta-llama/Llama-2-7b-hf`" in original["suggestion"]
        assert 'gguf_file="Llama-3.2-1B-Instruct-Q4_K_M.gguf"' in quantized["suggestion"]
        assert data["unresolved"] == []


def test_a_class_on_an_adapter_is_judged_against_its_base(tmp_path: Path, env: dict[str, str]) -> None:
    """`AutoModelForSeq2SeqLM` on a LoRA adapter of a Llama base fails as it would on the base; the
    finding names the adapter and its base; the same from the lockfile, offline."""
    write(tmp_path, "app.py", (
        "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM\n"
        'right = AutoModelForCausalLM.from_pretrained("timdettmers/guanaco-7b")\n'
        'wrong = AutoModelForSeq2SeqLM.from_pretrained("timdettmers/guanaco-7b")\n'
    ))
    for run_env in online_then_locked(env, tmp_path):
        done = loadlint("check", "--output-format", "json", "app.py", env=run_env, cwd=tmp_path)
        assert done.returncode == 1, done.stdout + done.stderr
        data = json.loads(done.stdout)
        [finding] = data["findings"]
        assert (finding["line"], finding["code"], finding["model_type"]) == (3, "LL001", "llama")
        assert "(`timdettmers/guanaco-7b` is a LORA adapter of `huggyllama/llama-7b`" in finding["message"]
        assert data["unresolved"] == []
    assert 'adapter_base = "huggyllama/llama-7b"' in (tmp_path / "loadlint.lock").read_text()


def test_a_processor_for_a_model_that_has_none(tmp_path: Path, env: dict[str, str]) -> None:
    """AutoFeatureExtractor on a text model: no processor config in its file list, none in transformers'
    table for its type, so transformers raises; a speech model's is fine (it ships preprocessor_config.json)."""
    write(tmp_path, "app.py", (
        "from transformers import AutoFeatureExtractor, AutoImageProcessor\n"
        'speech = AutoFeatureExtractor.from_pretrained("openai/whisper-tiny")\n'
        'text = AutoFeatureExtractor.from_pretrained("google-bert/bert-base-uncased")\n'
        'image = AutoImageProcessor.from_pretrained("openai-community/gpt2")\n'
    ))
    done = loadlint("check", "--output-format", "json", "app.py", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert [(f["line"], f["code"]) for f in data["findings"]] == [(3, "LL009"), (4, "LL009")]
    text, image = data["findings"]
    assert "the repo has no preprocessor_config.json (nor processor_config.json)" in text["message"]
    assert text["suggestion"] == "load its tokenizer with `AutoTokenizer`"
    assert "raises `OSError: Can't load image processor`" in image["message"]


def test_peft_auto_classes_are_checked_against_the_adapter_task(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", (
        "from peft import AutoPeftModelForCausalLM, AutoPeftModelForSeq2SeqLM\n"
        'right = AutoPeftModelForCausalLM.from_pretrained("timdettmers/guanaco-7b")\n'
        'wrong = AutoPeftModelForSeq2SeqLM.from_pretrained("timdettmers/guanaco-7b")\n'
    ))
    done = loadlint("check", "--output-format", "json", "app.py", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    [finding] = json.loads(done.stdout)["findings"]
    assert (finding["line"], finding["code"], finding["suggestion"]) == (3, "LL016", "use `AutoPeftModelForCausalLM`")
    assert "is a `CAUSAL_LM` one: peft raises `ValueError: Expected target PEFT class`" in finding["message"]
    assert "a LORA adapter of `huggyllama/llama-7b`" in finding["message"]


def test_bad_files_are_one_line_errors_and_the_run_goes_on(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "a_broken.py", "import transformers\ndef f(:\n    transformers.AutoModel.from_pretrained('gpt2')\n")
    (tmp_path / "b_latin.py").write_bytes(b"import transformers\nx = '\xff'\ntransformers.AutoModel.from_pretrained('gpt2')\n")
    write(tmp_path, "c_app.py", WRONG)
    run = loadlint("check", ".", env=env, cwd=tmp_path)
    assert run.returncode == 2
    assert "c_app.py:2:9: LL001" in run.stdout
    errors = run.stderr.strip().splitlines()
    assert errors == [
        "a_broken.py:2:7: syntax error: invalid syntax",
        "b_latin.py:2:6: cannot decode the file as utf-8: invalid start byte (b'\\xff')",
    ]


def test_usage_errors_exit_two(tmp_path: Path, env: dict[str, str]) -> None:
    run = loadlint("check", "missing_dir", env=env, cwd=tmp_path)
    assert run.returncode == 2 and run.stderr.strip() == "missing_dir: no such file or directory"  # as Ruff: a line
    bad = loadlint("check", ".", "--transformers", str(tmp_path), env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "not a transformers package folder" in bad.stderr


def test_transformers_option_reads_another_installation(tmp_path: Path, env: dict[str, str]) -> None:
    import importlib.util

    package = Path(importlib.util.find_spec("transformers").origin).parent
    write(tmp_path, "app.py", WRONG)
    run = loadlint("check", "app.py", "--transformers", str(package), env=env, cwd=tmp_path)
    assert run.returncode == 1 and f"transformers 5.23.0 ({package})" in run.stdout


def test_rule_and_rules_commands(tmp_path: Path, env: dict[str, str]) -> None:
    listing = loadlint("rules", env=env, cwd=tmp_path)
    assert [line.split()[0] for line in listing.stdout.splitlines()] == [rule.code for rule in ALL_RULES]
    docs = loadlint("rule", "ll002", env=env, cwd=tmp_path)
    assert docs.returncode == 0
    for part in ("# LL002 partial-load (error)", "## Why is this bad?", "## Invalid (reported)", "facebook/bart-large-cnn"):
        assert part in docs.stdout
    unknown = loadlint("rule", "LL999", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_examples_offline_as_the_readme_runs_them(env: dict[str, str]) -> None:
    offline_env = {**env, "HF_HUB_OFFLINE": "1"}
    run = loadlint("check", "--offline", "examples/", env=offline_env, cwd=ROOT)
    assert run.returncode == 1, run.stderr
    found = sorted(line.split(": ")[1].split()[0] + " " + line.split(":")[0] for line in run.stdout.splitlines() if ": LL" in line)
    assert found == sorted([
        "LL001 examples/speech.py", "LL001 examples/translate.py", "LL001 examples/vision.py",
        "LL002 examples/summarize_news.py", "LL002 examples/vision.py", "LL003 examples/encoders.py",
        "LL005 examples/remote_code.py", "LL005 examples/remote_code.py", "LL006 examples/encoders.py",
        "LL007 examples/summarize_news.py",
        "LL001 examples/train_args.py", "LL001 examples/train_args.py", "LL001 examples/train_args.py",
        "LL001 examples/tests/test_generation.py", "LL001 examples/tests/test_generation.py",
        "LL007 examples/tests/test_generation.py", "LL008 examples/original_weights.py",
        "LL001 examples/train_from_recipe.py", "LL002 examples/train_from_recipe.py",
        "LL001 examples/notebooks/quickstart.ipynb", "LL001 examples/axolotl/t5-finetune.yml",
        "LL001 examples/adapters_and_gguf.py", "LL017 examples/adapters_and_gguf.py",
        "LL018 examples/caption.py",
    ])
    assert "examples/notebooks/quickstart.ipynb:cell 4:2:9: LL001" in run.stdout
    assert "  via: examples/scripts/finetune.sh:6:5: --model_name_or_path facebook/bart-large-cnn" in run.stdout
    assert '  via: examples/recipes/summarize.yaml:3:21: model_name_or_path = "google-t5/t5-small"' in run.stdout
    assert "Unresolved (2)" in run.stdout and "[dynamic] (env-required)" in run.stdout
    assert "[dynamic] (parameter): load_t5() is not called in the project" in run.stdout
    assert "  via: examples/train_args.py:11:45: default of ModelArguments.model_name_or_path" in run.stdout
    assert "  via: examples/tests/conftest.py:6:24: `checkpoint` from the params of its fixture" in run.stdout


def test_examples_lockfile_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "loadlint.lock"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "lock_examples.py"), "--output", str(fresh)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "HF_HOME": str(tmp_path / "hf")},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert fresh.read_text() == (EXAMPLES / "loadlint.lock").read_text(), "run scripts/lock_examples.py"


def test_lint_path_never_imports_transformers_or_torch(tmp_path: Path, env: dict[str, str]) -> None:
    """With every id in the lockfile, not even huggingface_hub is imported."""
    probe = (
        "import sys\nfrom loadlint.cli import app\n"
        "try:\n    app(['check', '--offline', 'examples/'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('transformers', 'torch', 'huggingface_hub') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout + run.stderr
