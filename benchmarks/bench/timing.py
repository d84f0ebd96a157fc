"""Run commands as subprocesses and record each run's wall time, peak RSS and exit code.

Each command runs under a small launcher process that forks it, times it (time.perf_counter around
fork + os.wait4) and reports its ru_maxrss (KiB on Linux).  Linux starts a child's ru_maxrss at the
RSS of the process it was forked from, so a benchmark process that has grown (it copies the tree,
reads the reports) would otherwise lift every figure to its own size; the launcher stays ~10 MiB, and
a figure below that is the launcher's floor.  Output goes to a file, not a pipe, so no reader thread
competes with the child.
The commands of one case run interleaved (a, b, c, a, b, c, ...) so that background load falls on
all of them alike.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_LAUNCHER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvpe(argv[0], argv, os.environ)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as out:
    out.write(f"{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    ok_codes: tuple[int, ...] = (0,)
    fresh_cache: bool = False  # a new, empty LOADLINT_CACHE_DIR for every run (loadlint cold)
    primed: bool = False  # one untimed run before the timed ones (a warm cache)
    walls: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    first_output: str = ""  # stdout of the first timed run

    def median_wall(self) -> float:
        return statistics.median(self.walls)

    def median_rss_mib(self) -> float:
        return statistics.median(self.rss_kib) / 1024


def run_once(command: Command, work: Path) -> tuple[float, int, int, str]:
    """Run the command once; exit with its stderr when its exit code is not ok.  -> (wall s, KiB, rc, stdout)."""
    env = command.env
    cache = work / "loadlint-cache"
    if command.fresh_cache:
        shutil.rmtree(cache, ignore_errors=True)
        env = env | {"LOADLINT_CACHE_DIR": str(cache)}
    out_path, err_path, report = work / "stdout", work / "stderr", work / "launcher-report"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        launcher = [sys.executable, "-c", _LAUNCHER, str(report), *command.argv]
        subprocess.run(launcher, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=command.cwd, check=True)
    wall_text, rss_text, rc_text = report.read_text().split()
    wall, rss, rc = float(wall_text), int(rss_text), int(rc_text)
    if rc not in command.ok_codes:
        sys.exit(f"bench_check: {command.name} exited {rc}: {' '.join(command.argv)}\n{err_path.read_text()[-2000:]}")
    return wall, rss, rc, out_path.read_text(errors="replace")


def run_interleaved(commands: list[Command], runs: int, work: Path, log: Callable[[str], None]) -> None:
    """Prime the commands that want a warm cache, then time `runs` rounds of all of them."""
    for command in commands:
        if command.primed:
            run_once(command, work)
    for round_number in range(1, runs + 1):
        for command in commands:
            wall, rss, rc, stdout = run_once(command, work)
            if not command.walls:
                command.first_output = stdout
            command.walls.append(wall)
            command.rss_kib.append(rss)
            command.codes.append(rc)
            log(f"  run {round_number}/{runs} {command.name}: {wall:.3f} s, {rss / 1024:.0f} MiB, exit {rc}")
