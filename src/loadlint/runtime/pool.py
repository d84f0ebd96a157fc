"""Worker processes: start them, feed them jobs, hold them to the time limit, survive their death.

A job is one model and every check the code makes of it (see `worker` for the protocol).  Each pool
thread owns at most one worker process at a time and hands it jobs one by one, so torch and
transformers are imported once per worker, not once per model.  The time limit applies to the
worker's start and to each job; a worker that exceeds it is killed, and one that dies (out of
memory, a crash in native code) is replaced for the next job.  Either way the job's remaining
checks get a verdict that says what happened, and nothing else is lost.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The worker imports torch and transformers, so nothing of the linted project may be importable in
# it: `-I` (isolated mode) keeps the working directory, PYTHONPATH, PYTHON* variables and the user's
# site-packages off `sys.path`, so a `torch.py`, `sitecustomize.py` or `.pth` file in the project is
# never run.  loadlint's own folder is appended (last, so it can shadow nothing) for a loadlint that
# runs from a source tree rather than an installation.
_LOADLINT_PARENT = str(Path(__file__).resolve().parents[2])
WORKER_COMMAND: tuple[str, ...] = (
    sys.executable, "-I", "-c",
    f"import sys; sys.path.append({_LOADLINT_PARENT!r}); from loadlint.runtime.worker import main; main()",
)
TOKEN_ENVIRONMENT = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
TOKEN_LIKE = re.compile(r"\bhf_[A-Za-z0-9]{8,}")


@dataclass
class JobOutcome:
    """What came back for one job: a result per finished check, and why the others have none."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    failure: str | None = None
    failure_kind: str = ""  # "timeout" or "worker-died"
    seconds: float = 0.0


class WorkerGone(Exception):
    """The worker exceeded the time limit (`kind` "timeout") or died ("worker-died"); the message
    says what happened, for the user."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def redact(text: str) -> str:
    """Remove tokens from what a worker says: the environment's token and anything shaped like one."""
    for name in TOKEN_ENVIRONMENT:
        token = os.environ.get(name)
        if token:
            text = text.replace(token, "***")
    return TOKEN_LIKE.sub("***", text)


class Worker:
    """One worker process, the thread reading its protocol lines, and its stderr (kept in a file)."""

    def __init__(self, command: Sequence[str], env: dict[str, str], timeout: float, cwd: str) -> None:
        self.timeout = timeout
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker; close() closes it
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._process = subprocess.Popen(
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env, cwd=cwd,
            text=True, encoding="utf-8", bufsize=1,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.receive(time.monotonic() + timeout, expect="ready", doing="start")

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                self._messages.put(json.loads(redact(line)))
            except ValueError:  # not a protocol line; the worker keeps library output off this stream
                continue
        self._messages.put(None)

    def run(self, job: dict[str, Any], outcome: JobOutcome) -> None:
        """Send the job and collect its check results until it is done or the time is up."""
        assert self._process.stdin is not None
        deadline = time.monotonic() + self.timeout
        try:
            self._process.stdin.write(json.dumps(job) + "\n")
            self._process.stdin.flush()
        except OSError:
            raise WorkerGone("worker-died", self._death()) from None
        while True:
            message = self.receive(deadline, expect=None, doing="finish")
            if message["event"] == "done":
                return
            outcome.results[message["key"]] = message["result"]

    def receive(self, deadline: float, *, expect: str | None, doing: str) -> dict[str, Any]:
        """The worker's next message, if it comes before `deadline` (else the worker is killed)."""
        try:
            message = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.kill()
            raise WorkerGone(
                "timeout",
                f"the runtime worker did not {doing} within {self.timeout:g} s (--runtime-timeout) and was stopped",
            ) from None
        if message is None:
            raise WorkerGone("worker-died", self._death())
        if expect is not None and message.get("event") != expect:
            self.kill()
            raise WorkerGone("worker-died", f"the runtime worker said {message.get('event')!r} instead of {expect!r}")
        return message

    def _death(self) -> str:
        try:
            code = self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # it closed its output but lives on
            self.kill()
            code = self._process.returncode
        cause = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        if code == -signal.SIGKILL:
            cause += ", e.g. out of memory"
        last = self._last_stderr_line()
        return f"the runtime worker died ({cause})" + (f": {last}" if last else "")

    def _last_stderr_line(self) -> str:
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return redact(lines[-1].strip()) if lines else ""

    def close(self) -> None:
        """Let the worker exit after its last job; kill it if it does not."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.close()
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        self._stderr.close()

    def kill(self) -> None:
        self._process.kill()
        self._process.wait()


def run_jobs(
    jobs: Sequence[dict[str, Any]],
    *,
    env: dict[str, str],
    timeout: float,
    workers: int,
    on_done: Callable[[int], None] = lambda index: None,
    command: Sequence[str] = WORKER_COMMAND,
) -> list[JobOutcome]:
    """Run every job on up to `workers` worker processes; one outcome per job, in order.  The workers
    run in an empty temporary folder, so that no relative path reaches into the linted project."""
    outcomes = [JobOutcome() for _ in jobs]
    pending: queue.Queue[int] = queue.Queue()
    for index in range(len(jobs)):
        pending.put(index)
    start_failure: list[WorkerGone] = []  # a worker that cannot start says so for every job left

    def serve() -> None:
        worker: Worker | None = None
        while True:
            try:
                index = pending.get_nowait()
            except queue.Empty:
                break
            started = time.monotonic()
            try:
                if start_failure:
                    raise start_failure[0]
                if worker is None:
                    try:
                        worker = Worker(command, env, timeout, cwd)
                    except WorkerGone as exc:
                        start_failure.append(exc)
                        raise
                worker.run(jobs[index], outcomes[index])
            except WorkerGone as exc:
                outcomes[index].failure, outcomes[index].failure_kind = str(exc), exc.kind
                worker = None
            outcomes[index].seconds = round(time.monotonic() - started, 3)
            on_done(index)
        if worker is not None:
            worker.close()

    with tempfile.TemporaryDirectory(prefix="loadlint-worker-") as cwd:
        threads = [threading.Thread(target=serve, daemon=True) for _ in range(max(1, min(workers, len(jobs))))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return outcomes
