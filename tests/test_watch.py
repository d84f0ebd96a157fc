"""`loadlint check --watch` as a user runs it: a real process that reports once, reports again after
a checked file changes (and not after a file it would not check), and exits 0 on Ctrl-C."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_runner import SAFE_PATH, loadlint, write

GOOD = 'from transformers import AutoModelForCausalLM\nAutoModelForCausalLM.from_pretrained("openai-community/gpt2")\n'
WRONG = GOOD.replace("openai-community/gpt2", "facebook/bart-large-cnn")
WATCHING = "Watching for file changes."


class Lines:
    """The process's output, line by line, read in a thread so that waiting for a line can time out."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in process.stdout], daemon=True).start()

    def until(self, wanted: str, timeout: float = 60) -> list[str]:
        """The lines up to the first that ends with `wanted`."""
        seen, deadline = [], time.monotonic() + timeout
        while not seen or not seen[-1].rstrip("\n").endswith(wanted):
            seen.append(self.lines.get(timeout=max(0.1, deadline - time.monotonic())))
        return [line.rstrip("\n") for line in seen]

    def quiet_for(self, seconds: float) -> bool:
        try:
            self.lines.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def test_watch_reports_again_after_a_change_and_exits_0_on_ctrl_c(tmp_path: Path, env: dict[str, str]) -> None:
    pytest.importorskip("watchfiles", reason="--watch needs the watch extra (watchfiles)")
    app = write(tmp_path, "app.py", GOOD)
    process = subprocess.Popen(
        [sys.executable, *SAFE_PATH, "-m", "loadlint", "check", "--watch", "."],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
    )
    try:
        output = Lines(process)
        first = output.until(WATCHING)
        assert first[0] == "Starting loadlint in watch mode..."
        assert "Checked 1 file, 1 call site: 0 findings (0 errors, 0 warnings)" in first
        (tmp_path / "notes.txt").write_text("not checked")  # no re-check for a file the run would not read
        assert output.quiet_for(3)
        app.write_text(WRONG)
        second = output.until(WATCHING)
        assert second[0] == "File change detected..."
        assert any(line.startswith("app.py:2:1: LL002 [partial-load]") for line in second)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_watch_cannot_add_noqa(tmp_path: Path, env: dict[str, str]) -> None:
    run = loadlint("check", "--watch", "--add-noqa", ".", env=env, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == "loadlint: error: --watch cannot be combined with --add-noqa or --diff"


def test_without_watchfiles_watch_is_one_error_line(tmp_path: Path, env: dict[str, str]) -> None:
    hide = "import sys; sys.modules['watchfiles'] = None; from loadlint.cli import main; main()"
    run = subprocess.run(
        [sys.executable, *SAFE_PATH, "-c", hide, "check", "--watch", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2
    assert run.stderr == 'loadlint: error: --watch needs watchfiles: pip install "loadlint[watch]"\n'
