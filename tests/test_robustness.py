"""Bad and hostile input, end to end: each costs its own file one line, never the run.

Every case runs `loadlint check` over the bad file and a good one with a known finding, and asserts
the bad file's one line on stderr, the exit code, and that the good file's finding is still reported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_runner import SAFE_PATH, loadlint

from loadlint import cli
from loadlint.rules.partial_load import PartialLoad

IMPORT = "from transformers import AutoModelForCausalLM\n"
LOAD = 'm = AutoModelForCausalLM.from_pretrained("./models/bart")\n'  # LL002: the encoder is dropped
GOOD_FINDING = "good.py:2:5: LL002"
CONFIGS = {
    "bart": {"model_type": "bart", "architectures": ["BartForConditionalGeneration"], "is_encoder_decoder": True},
    "gpt2": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 50257},
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the local models and good.py, whose one finding every run must still report."""
    for name, config in CONFIGS.items():
        (tmp_path / "models" / name).mkdir(parents=True)
        (tmp_path / "models" / name / "config.json").write_text(json.dumps(config))
    (tmp_path / "good.py").write_text(IMPORT + LOAD)
    return tmp_path


def check(project: Path, *paths: str, env: dict[str, str], extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    run = loadlint("check", "--offline", "--output-format", "concise", *extra, *paths, "good.py", env=env, cwd=project)
    assert GOOD_FINDING in run.stdout, run.stdout + run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr, run.stderr
    return run


def concatenation(terms: int) -> str:
    return "s = " + " + ".join(['"s"'] * terms) + "\n"


# name -> (file bytes, the one stderr line, or None when the file checks cleanly and has its own finding)
BAD_FILES: dict[str, tuple[bytes, str | None]] = {
    "concat400.py": ((IMPORT + LOAD + concatenation(400)).encode(), None),
    "unary400.py": ((IMPORT + LOAD + "s = " + "-" * 400 + "1\n").encode(), None),
    "nested_calls.py": ((IMPORT + LOAD + "s = " + "f(" * 180 + "1" + ")" * 180 + "\n").encode(), None),
    "concat5000.py": (
        (IMPORT + LOAD + concatenation(5000)).encode(),
        "concat5000.py:1:1: syntax error: too deeply nested for Python's parser "
        "(maximum recursion depth exceeded during ast construction)",
    ),
    "parens.py": (
        (IMPORT + LOAD + "s = " + "(" * 250 + "1" + ")" * 250 + "\n").encode(),
        "parens.py:3:205: syntax error: too many nested parentheses",
    ),
    "parens_no_finding.py": (
        (IMPORT + "m = AutoModelForCausalLM.from_pretrained(x)\ns = " + "(" * 250 + "1" + ")" * 250 + "\n").encode(),
        "parens_no_finding.py:3:205: syntax error: too many nested parentheses",
    ),
    "module_nonlocal.py": (
        (IMPORT + LOAD + "nonlocal x\n").encode(),
        "module_nonlocal.py:3:1: syntax error: nonlocal declaration not allowed at module level",
    ),
    "nul.py": (
        (IMPORT + LOAD).encode() + b"x = 1\x00\n",
        "nul.py:1:1: syntax error: tokenizer error: '\\0' is not a valid character in this position",
    ),
    "binary.py": (
        (IMPORT + LOAD).encode() + bytes(range(256)),
        "binary.py:5:115: cannot decode the file as utf-8: invalid start byte (b'\\x80')",
    ),
    "latin1.py": (
        (IMPORT + LOAD).encode() + "s = 'caf\xe9'\n".encode("latin-1"),
        "latin1.py:3:9: cannot decode the file as utf-8: invalid continuation byte (b'\\xe9')",
    ),
    "bad_cookie.py": (
        b"# -*- coding: klingon -*-\n" + (IMPORT + LOAD).encode(),
        "bad_cookie.py: cannot decode the file: unknown encoding: klingon",
    ),
    "latin1_declared.py": (
        b"# -*- coding: latin-1 -*-\n" + (IMPORT + LOAD).encode() + "s = '\xe9'\n".encode("latin-1"),
        None,
    ),
    "bom.py": (b"\xef\xbb\xbf" + (IMPORT + LOAD).encode(), None),
    # No line starts with an import (a second BOM is a character): the byte gate skips it, unparsed.
    "two_boms.py": (b"\xef\xbb\xbf\xef\xbb\xbf" + (IMPORT + LOAD).encode(), ""),
    "crlf.py": ((IMPORT + LOAD).replace("\n", "\r\n").encode(), None),
    "lone_cr.py": ((IMPORT + "x = 1\r\r" + LOAD).encode(), None),
    "empty.py": (b"", ""),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_one_line_and_the_good_file_keeps_its_finding(
    project: Path, env: dict[str, str], name: str
) -> None:
    data, line = BAD_FILES[name]
    (project / name).write_bytes(data)
    started = time.monotonic()
    run = check(project, name, env=env)
    assert time.monotonic() - started < 30
    if line is None:  # the file is fine after all: its own call is judged too
        assert run.returncode == 1 and run.stderr == ""
        assert f"{name}:" in run.stdout and "LL002" in run.stdout.split(f"{name}:", 1)[1].splitlines()[0]
    elif line == "":
        assert run.returncode == 1 and run.stderr == "" and name not in run.stdout
    else:
        assert run.returncode == 2
        assert run.stderr.splitlines() == [line]


@pytest.mark.parametrize("name", ["lone_cr.py", "crlf.py", "bom.py", "concat400.py"])
def test_fix_settles_on_odd_but_valid_files(project: Path, env: dict[str, str], name: str) -> None:
    data, _ = BAD_FILES[name]
    (project / name).write_bytes(data)
    run = loadlint("check", "--offline", "--fix", "--unsafe-fixes", name, env=env, cwd=project)
    assert run.returncode == 0 and run.stderr == "", run.stdout + run.stderr
    fixed = (project / name).read_bytes()
    assert b"AutoModelForSeq2SeqLM" in fixed and fixed.startswith(data[:3])
    assert fixed.count(b"\r\n") == data.count(b"\r\n") and fixed.count(b"\r") == data.count(b"\r")
    compile(fixed, name, "exec")
    again = loadlint("check", "--offline", "--fix", "--unsafe-fixes", name, env=env, cwd=project)
    assert again.returncode == 0 and (project / name).read_bytes() == fixed


def test_a_file_over_the_size_limit_is_skipped_without_being_parsed(project: Path, env: dict[str, str]) -> None:
    padding = "x = 1  # a generated line, padded to look like real code...\n" * 55_000  # ~3.3 MB of code
    (project / "huge.py").write_text(IMPORT + LOAD + padding)
    started = time.monotonic()
    run = check(project, "huge.py", env=env)
    assert time.monotonic() - started < 15
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "huge.py: skipped: 3.1 MiB is over the 1 MiB limit for files loadlint parses (max-file-size)"
    ]
    (project / "long_string.py").write_text(IMPORT + LOAD + 'PROMPT = """' + "words " * 250_000 + '"""\n')
    bigger = check(project, "long_string.py", env=env, extra=("--max-file-size", "2MB"))
    assert bigger.returncode == 1 and "long_string.py:2:5: LL002" in bigger.stdout, bigger.stderr


def test_the_size_limit_in_the_configuration(project: Path, env: dict[str, str]) -> None:
    (project / "pyproject.toml").write_text('[tool.loadlint]\nmax-file-size = "1KB"\n')
    (project / "big.py").write_text(IMPORT + LOAD + "x = 1\n" * 200)
    run = check(project, "big.py", env=env)
    assert run.stderr.splitlines() == [
        "big.py: skipped: 1.3 KiB is over the 1 KiB limit for files loadlint parses (max-file-size)"
    ]
    (project / "pyproject.toml").write_text('[tool.loadlint]\nmax-file-size = "huge"\n')
    bad = loadlint("check", "--offline", "good.py", env=env, cwd=project)
    assert bad.returncode == 2
    assert "'max-file-size' 'huge' is not a size such as 4MB, 512KB or 4194304" in bad.stderr


def many_fixable_calls(count: int) -> str:
    return "from transformers import AutoModelForSeq2SeqLM\n" + "".join(
        f'm{index} = AutoModelForSeq2SeqLM.from_pretrained("./models/gpt2")\n' for index in range(count)
    )


def test_a_file_with_many_fixes_stops_at_its_time_budget(project: Path, env: dict[str, str]) -> None:
    (project / "many.py").write_text(many_fixable_calls(1000))  # fixes are fast: 1,000 calls outlast the budget
    started = time.monotonic()
    run = check(project, "many.py", env=env, extra=("--fix", "--file-timeout", "2"))
    elapsed = time.monotonic() - started
    assert elapsed < 20, elapsed
    assert run.returncode == 2
    (line,) = run.stderr.splitlines()[:-1] or run.stderr.splitlines()
    assert line.startswith("many.py: stopped ") and line.endswith("after the 2 s per-file budget (file-timeout)")
    compile((project / "many.py").read_text(), "many.py", "exec")  # whatever was written is whole
    assert run.stdout.count("many.py:") >= 1  # the findings not fixed are still reported


def test_missing_and_looping_paths_are_lines_and_the_rest_is_checked(project: Path, env: dict[str, str]) -> None:
    (project / "loop.py").symlink_to("loop.py")
    run = check(project, "missing.py", "loop.py", env=env)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "missing.py: no such file or directory",
        "loop.py: too many levels of symbolic links",
    ]
    walked = loadlint("check", "--offline", "--output-format", "concise", ".", env=env, cwd=project)
    assert walked.returncode == 2 and GOOD_FINDING in walked.stdout
    assert walked.stderr.splitlines() == ["loop.py: cannot read the file: too many levels of symbolic links"]


def test_a_fifo_is_refused_instead_of_blocking_the_run(project: Path, env: dict[str, str]) -> None:
    os.mkfifo(project / "pipe.py")
    run = check(project, "pipe.py", env=env)
    assert run.returncode == 2
    assert run.stderr.splitlines() == ["pipe.py: cannot read the file: not a regular file"]


def without_root_privileges() -> tuple[str, ...]:
    """Root reads any file: run as root without the capabilities that let it (setpriv, util-linux)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "util-linux's setpriv is needed to test unreadable files as root"
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search")


def test_unreadable_files_and_folders_are_lines(project: Path, env: dict[str, str]) -> None:
    (project / "secret.py").write_text(IMPORT + LOAD)
    (project / "locked").mkdir()
    (project / "locked" / "inside.py").write_text(IMPORT + LOAD)
    (project / "secret.py").chmod(0)
    (project / "locked").chmod(0)
    try:
        run = subprocess.run(
            [*without_root_privileges(), sys.executable, *SAFE_PATH, "-m", "loadlint", "check", "--offline",
             "--output-format", "concise", "secret.py", "locked", "good.py"],
            capture_output=True, text=True, env=env, cwd=project, timeout=60,
        )
    finally:
        (project / "locked").chmod(0o755)
    assert run.returncode == 2 and GOOD_FINDING in run.stdout, run.stderr
    assert run.stderr.splitlines() == [
        "secret.py: cannot read the file: permission denied",
        "locked: cannot read the folder: permission denied",
    ]


def crash_on(path_part: str) -> Callable:
    """A PartialLoad.check that fails on one file: a stand-in for any bug in a rule."""
    original = PartialLoad.check

    def check(self, site, model, tables):
        if path_part in site.path:
            raise KeyError("boom")
        return original(self, site, model, tables)

    return check


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "github", "gitlab", "junit"])
def test_an_internal_error_costs_one_file_in_every_format(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], output_format: str
) -> None:
    (project / "cursed.py").write_text(IMPORT + LOAD)
    monkeypatch.chdir(project)
    monkeypatch.setattr(PartialLoad, "check", crash_on("cursed"))
    monkeypatch.setattr(sys, "argv", ["loadlint", "check", "--offline", "--no-cache", "--output-format", output_format,
                                      "cursed.py", "good.py"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    line = (
        "cursed.py: internal error in check: KeyError: 'boom' "
        "(this is a bug in loadlint: please report it with the file)"
    )
    assert err.splitlines() == [line]
    assert "good.py" in out and "LL002" in out
    if output_format == "json":
        report = json.loads(out)
        assert report["errors"] == [line] and [f["path"] for f in report["findings"]] == ["good.py"]
