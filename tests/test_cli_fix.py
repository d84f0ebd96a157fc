"""`loadlint check --fix / --diff / --show-fixes` and the exit contract, end to end."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from cli_runner import loadlint, write

WRONG_CLASS = (
    "from transformers import AutoModelForSeq2SeqLM\n"
    'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
)
FIXED_CLASS = WRONG_CLASS.replace("AutoModelForSeq2SeqLM", "AutoModelForCausalLM")
PARTIAL = 'from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\n'


def test_fix_writes_the_file_keeping_bom_line_endings_and_mode(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "app.py"
    path.write_bytes(b"\xef\xbb\xbf" + WRONG_CLASS.replace("\n", "\r\n").encode())
    path.chmod(0o750)
    run = loadlint("check", "--fix", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert path.read_bytes() == b"\xef\xbb\xbf" + FIXED_CLASS.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert "Fixed 1 finding (0 remaining)." in run.stdout
    again = loadlint("check", "--fix", "app.py", env=env, cwd=tmp_path)
    assert again.returncode == 0 and "Fixed 0 findings (0 remaining)." in again.stdout
    assert path.read_bytes() == b"\xef\xbb\xbf" + FIXED_CLASS.replace("\n", "\r\n").encode()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".py", ".tmp")) == ["app.py"]


def test_exit_non_zero_on_fix_and_show_fixes(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG_CLASS)
    run = loadlint("check", "--fix", "--show-fixes", "--exit-non-zero-on-fix", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 1
    assert "  fixed app.py:2:9: LL001 Use `AutoModelForCausalLM`" in run.stdout


def test_diff_prints_and_writes_nothing(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG_CLASS)
    run = loadlint("check", "--diff", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stdout.splitlines()[:2] == ["--- a/app.py", "+++ b/app.py"]
    assert "-from transformers import AutoModelForSeq2SeqLM" in run.stdout
    assert "+from transformers import AutoModelForCausalLM" in run.stdout
    assert run.stderr.strip() == "Would fix 1 file."
    assert (tmp_path / "app.py").read_text() == WRONG_CLASS
    clean = write(tmp_path, "clean.py", FIXED_CLASS)
    assert loadlint("check", "--diff", str(clean), env=env, cwd=tmp_path).returncode == 0


def test_unsafe_fix_needs_unsafe_fixes(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path, "app.py", PARTIAL)
    run = loadlint("check", "--fix", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 1 and path.read_text() == PARTIAL
    assert "Fixed 0 findings (1 remaining)." in run.stdout
    run = loadlint("check", "--fix", "--unsafe-fixes", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert path.read_text() == PARTIAL.replace("AutoModelForCausalLM", "AutoModelForSeq2SeqLM")


def test_json_fix_object_and_fixed_count(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", PARTIAL)
    data = json.loads(loadlint("check", "--output-format", "json", "app.py", env=env, cwd=tmp_path).stdout)
    (finding,) = data["findings"]
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["title"] == "Use `AutoModelForSeq2SeqLM`"
    run = loadlint("check", "--fix", "--unsafe-fixes", "--output-format", "json", "app.py", env=env, cwd=tmp_path)
    data = json.loads(run.stdout)
    assert data["summary"]["fixed"] == 1 and data["findings"] == []


def test_exit_zero_and_strict(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG_CLASS)
    assert loadlint("check", "--exit-zero", "app.py", env=env, cwd=tmp_path).returncode == 0
    missing = write(tmp_path, "missing.py", FIXED_CLASS.replace("openai-community/gpt2", "acme/does-not-exist"))
    assert loadlint("check", str(missing), env=env, cwd=tmp_path).returncode == 0
    assert loadlint("check", "--strict", str(missing), env=env, cwd=tmp_path).returncode == 1
    broken = write(tmp_path, "broken.py", "from transformers import pipeline\npipeline(\"x\", model=\n")
    assert loadlint("check", "--exit-zero", str(broken), env=env, cwd=tmp_path).returncode == 2


def test_output_file_holds_the_report(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", WRONG_CLASS)
    run = loadlint("check", "--output-format", "json", "--output-file", "report.json", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 1 and run.stdout == ""
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["findings"] == 1


def test_runtime_options_without_runtime_are_a_usage_error(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, "app.py", FIXED_CLASS)
    run = loadlint("check", "--download", "--device", "cpu", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == "loadlint: error: --device, --download only applies with --runtime meta|full"


def test_an_import_every_fix_moved_away_from_is_dropped(tmp_path: Path, env: dict[str, str]) -> None:
    """Each fix is made against the file before its pass, so it sees the other calls still using the
    old class and keeps its import; once no call uses it, the fixer drops it (nothing else would)."""
    calls = "".join(f'm{i} = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n' for i in range(3))
    write(tmp_path, "app.py", "from transformers import AutoModelForSeq2SeqLM\n\n" + calls)
    kept = 'seq2seq = AutoModelForSeq2SeqLM.from_pretrained("google-t5/t5-small")\n'
    write(tmp_path, "keeps.py", "from transformers import AutoModelForSeq2SeqLM\n\n" + calls + kept)
    run = loadlint("check", "--fix", "app.py", "keeps.py", env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    switched = calls.replace("AutoModelForSeq2SeqLM", "AutoModelForCausalLM")
    assert (tmp_path / "app.py").read_text() == "from transformers import AutoModelForCausalLM\n\n" + switched
    assert (tmp_path / "keeps.py").read_text() == (
        "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM\n\n" + switched + kept
    )
