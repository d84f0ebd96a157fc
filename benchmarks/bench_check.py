"""Time loadlint against `ruff check` on the cases that state loadlint's speed targets.

Each case lints one input (a file or tree written in a temporary folder, or a copy of the installed
transformers package) with loadlint and with `ruff check --no-cache`, `--runs` times each,
interleaved, and reports the median wall time, min-max and peak RSS:

    version, rules, rule   `loadlint --version`, `loadlint rules`, `loadlint rule LL001` (≤ 0.15 s)
    single-file            one training script (the pre-commit case)
    many-findings          one file, 50 model types under 5 Auto classes, and the same calls made right
    many-calls             300 files with 2,000 loads, a quarter of them wrong
    notebooks              40 notebooks, against the same code as .py files (what notebooks add)
    configs                40 scripts whose ids come from YAML configs and a launch script, against constants
    tree-cold, tree-warm   the transformers tree: no cache, then loadlint's and ruff's caches primed

Stdlib only; generating the inputs and the gate count import loadlint.  Usage:

    python benchmarks/bench_check.py --runs 5 --json /tmp/bench.json
    python benchmarks/bench_check.py --case single-file --case many-calls --runs 1
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

from bench.cases import CASES, Workspace
from bench.gates import gate_counts, print_gate_counts
from bench.report import notes, print_summaries, record, table
from bench.timing import run_interleaved


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--case",
        action="append",
        choices=CASES,
        help="run only this case (repeat for more; default: all)",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--tree", type=Path, help="the tree cases lint this folder instead of a copy of transformers")
    parser.add_argument(
        "--ruff-select",
        action="store_true",
        help="run ruff with --select E4,E7,E9,F (its classic default rules) instead of its defaults",
    )
    parser.add_argument("--no-gates", action="store_true", help="skip the in-process gate count of the tree")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the raw numbers here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.tree and not args.tree.is_dir():
        parser.error(f"{args.tree}: not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.case or list(CASES)
    # As an installed package has them: an editable install under PYTHONDONTWRITEBYTECODE=1 would
    # otherwise compile every module on every run.
    compileall.compile_dir(Path(importlib.util.find_spec("loadlint").origin).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench_check_") as temporary:
        root = Path(temporary)
        workspace = Workspace(root, args.tree and args.tree.resolve(), args.ruff_select)
        versions = workspace.versions()
        print(", ".join(versions.values()) + ("" if workspace.ruff else " (ruff not found: loadlint alone)"))
        cases = []
        for name in names:
            case = CASES[name](workspace)
            print(f"{case.label}:")
            run_interleaved(case.commands, args.runs, root, print)
            print_summaries(case)
            cases.append(case)
        gates = None
        if not args.no_gates and {"tree-cold", "tree-warm"} & set(names):
            print(f"\ngate count of {workspace.tree} (in-process, one pass):")
            gates = gate_counts(workspace.tree)
            print_gate_counts(gates)
        print(f"\n{table(cases)}\n")
        for line in notes(cases):
            print(line)
        if args.json:
            args.json.write_text(json.dumps(record(cases, args.runs, versions, gates), indent=2) + "\n")
            print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
