"""Run commands as subprocesses and record each run's wall time, peak RSS and exit code.

Wall time is time.perf_counter around Popen + os.wait4, and peak RSS is the child's ru_maxrss from
wait4 (KiB on Linux).  Output goes to a file, not a pipe, so no reader thread competes with the child.
The commands of one case run interleaved (a, b, c, a, b, c, ...) so that background load falls on
all of them alike.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


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
    out_path, err_path = work / "stdout", work / "stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=command.cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = rc = os.waitstatus_to_exitcode(status)  # reaped already: keep Popen from waiting again
    if rc not in command.ok_codes:
        sys.exit(f"bench_check: {command.name} exited {rc}: {' '.join(command.argv)}\n{err_path.read_text()[-2000:]}")
    return wall, usage.ru_maxrss, rc, out_path.read_text(errors="replace")


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
