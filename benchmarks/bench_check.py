"""Time `loadlint check` against `ruff check` on the same tree of Python files.

By default the tree is a plain copy of the installed transformers package (about 2,800 .py files),
made once in a temporary folder so that both tools see an ordinary folder (no site-packages path
effects, no __pycache__).  Each tool runs `--runs` times as a subprocess, interleaved (loadlint, ruff,
loadlint, ruff, ...) so that background load hits both alike.  For every run the script records the
wall time (time.perf_counter around Popen + wait4) and the child's peak RSS (ru_maxrss from wait4).

loadlint runs offline with a throwaway LOADLINT_CACHE_DIR and HF_HOME, so it never touches the
network or a real cache.  Its exit codes 0 (clean), 1 (findings) and 2 (some file could not be
parsed) all count as a completed run; anything else fails the benchmark.

Then, unless --no-gates, the script runs loadlint's extraction once in this process to count how
many files each gate stopped (byte prefilter, stdlib ast gate) and how many reached libcst, with
the time spent per gate and the slowest files.

Stdlib only (the gate count imports loadlint, which must be importable).  Usage:

    python benchmarks/bench_check.py --runs 5
    python benchmarks/bench_check.py --tree path/to/project --runs 3 --json out.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

LOADLINT_OK_CODES = (0, 1, 2)  # clean, findings, some file could not be parsed


@dataclass
class Tool:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0,)
    walls: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)


def find_transformers() -> Path:
    """The installed transformers package folder, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("transformers")
    if spec is None or spec.origin is None:
        sys.exit("bench_check: transformers is not installed; pass --tree PATH")
    return Path(spec.origin).parent


def copy_tree(source: Path, dest_root: Path) -> Path:
    dest = dest_root / source.name
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def count_py(tree: Path) -> int:
    return sum(1 for _ in tree.rglob("*.py"))


def loadlint_argv() -> list[str]:
    exe = shutil.which("loadlint")
    return [exe] if exe else [sys.executable, "-m", "loadlint"]


def run_once(tool: Tool, out_path: Path) -> tuple[float, int, int]:
    """Run the tool once; stdout goes to a file (no pipe to drain), stderr too.  -> (wall s, KiB, rc)."""
    with open(out_path, "wb") as out, open(out_path.with_suffix(".err"), "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            tool.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=tool.env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(
        status
    )  # already reaped; keep Popen from waiting again
    rc = proc.returncode
    if rc not in tool.ok_codes:
        err_text = out_path.with_suffix(".err").read_text(errors="replace")[-2000:]
        sys.exit(
            f"bench_check: {tool.name} exited {rc}: {' '.join(tool.argv)}\n{err_text}"
        )
    return wall, usage.ru_maxrss, rc  # ru_maxrss is KiB on Linux


def print_loadlint_summary(out_path: Path) -> None:
    try:
        data = json.loads(out_path.read_text())
    except (OSError, ValueError) as exc:
        sys.exit(f"bench_check: loadlint's JSON output could not be read: {exc}")
    summary = data.get("summary", {})
    print(
        "loadlint summary: files={files} call_sites={call_sites} findings={findings} "
        "unresolved={unresolved} errors={errors} (transformers tables {tv})".format(
            files=summary.get("files"),
            call_sites=summary.get("call_sites"),
            findings=summary.get("findings"),
            unresolved=summary.get("unresolved"),
            errors=len(data.get("errors", [])),
            tv=data.get("transformers_version"),
        )
    )
    for line in data.get("errors", [])[:5]:
        print(f"  error: {line}")


def gate_counts(tree: Path, top: int = 5) -> dict:
    """Count, in-process, where each file stopped: byte prefilter, ast gate, libcst (or an error).

    Uses loadlint.extract.extract_file with the engine's own loader predicate, and
    times each file.  The ast gate is timed again separately (decode + ast.parse + may_load_models)
    for the files that pass the byte prefilter, so the libcst share is the remainder.
    """
    import ast

    from loadlint.discover import python_files
    from loadlint.engine import loader_predicate
    from loadlint.extract import MODEL_LIBRARIES, extract_file, may_load_models, passes_byte_prefilter
    from loadlint.source import decode
    from loadlint.tables import load_tables

    t0 = time.perf_counter()
    tables = load_tables()
    tables_s = time.perf_counter() - t0

    is_loader = loader_predicate(tables)  # the engine's own

    counts = {
        "files": 0,
        "byte_skipped": 0,
        "ast_skipped": 0,
        "libcst_parsed": 0,
        "errors": 0,
    }
    seconds = {
        "read": 0.0,
        "extract_total": 0.0,
        "byte_skipped": 0.0,
        "ast_skipped": 0.0,
        "libcst_files": 0.0,
    }
    ast_gate_s_on_parsed = 0.0
    parsed_files: list[tuple[float, int, str, int]] = []
    sites = 0
    for path in python_files([str(tree)]):
        counts["files"] += 1
        t0 = time.perf_counter()
        with open(path, "rb") as handle:
            data = handle.read()
        t1 = time.perf_counter()
        report = extract_file(path, data, is_loader, MODEL_LIBRARIES)  # as the default rules run
        t2 = time.perf_counter()
        seconds["read"] += t1 - t0
        seconds["extract_total"] += t2 - t1
        sites += len(report.sites)
        if report.parsed:
            counts["libcst_parsed"] += 1
            seconds["libcst_files"] += t2 - t1
            ta = time.perf_counter()
            try:
                may_load_models(ast.parse(decode(data).text), MODEL_LIBRARIES)
            except (SyntaxError, ValueError, UnicodeDecodeError, LookupError):
                pass
            ast_gate_s_on_parsed += time.perf_counter() - ta
            parsed_files.append(
                (t2 - t1, len(data), os.path.relpath(path, tree), len(report.sites))
            )
        elif report.error:
            counts["errors"] += 1
        elif not passes_byte_prefilter(data, MODEL_LIBRARIES):
            counts["byte_skipped"] += 1
            seconds["byte_skipped"] += t2 - t1
        else:
            counts["ast_skipped"] += 1
            seconds["ast_skipped"] += t2 - t1
    parsed_files.sort(reverse=True)
    return {
        "counts": counts,
        "call_sites": sites,
        "seconds": {k: round(v, 3) for k, v in seconds.items()}
        | {
            "load_tables": round(tables_s, 3),
            "libcst_only_est": round(seconds["libcst_files"] - ast_gate_s_on_parsed, 3),
        },
        "slowest_libcst_files": [
            {"path": p, "seconds": round(s, 3), "kib": n // 1024, "call_sites": c}
            for s, n, p, c in parsed_files[:top]
        ],
    }


def fmt_row(cols: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cols, widths))
    )


def print_table(tools: list[Tool]) -> None:
    header = ["tool", "runs", "median wall s", "min-max s", "median peak RSS MiB"]
    rows = []
    for t in tools:
        rows.append(
            [
                t.name,
                str(len(t.walls)),
                f"{statistics.median(t.walls):.2f}",
                f"{min(t.walls):.2f}-{max(t.walls):.2f}",
                f"{statistics.median(t.rss_kib) / 1024:.0f}",
            ]
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(fmt_row(header, widths))
    print(fmt_row(["-" * w for w in widths], widths))
    for r in rows:
        print(fmt_row(r, widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tree",
        type=Path,
        help="benchmark this folder instead of a copy of transformers",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per tool (default 5)")
    parser.add_argument(
        "--ruff-select",
        action="store_true",
        help="also time `ruff check --select E4,E7,E9,F` (ruff's classic default rule set)",
    )
    parser.add_argument(
        "--no-gates", action="store_true", help="skip the in-process gate count"
    )
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write the raw numbers here"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="bench_check_") as tmp_name:
        tmp = Path(tmp_name)
        if args.tree:
            tree = args.tree.resolve()
            if not tree.is_dir():
                parser.error(f"{tree}: not a folder")
            source = str(tree)
        else:
            src = find_transformers()
            t0 = time.perf_counter()
            tree = copy_tree(src, tmp / "tree")
            source = f"copy of {src}"
            print(f"copied {src} -> {tree} in {time.perf_counter() - t0:.1f} s")
        n_py = count_py(tree)
        print(f"tree: {tree} ({n_py} .py files)")

        env = dict(os.environ)
        env.update(
            HF_HUB_OFFLINE="1",
            LOADLINT_CACHE_DIR=str(tmp / "loadlint-cache"),
            HF_HOME=str(tmp / "hf-home"),
        )
        tools = [
            Tool(
                "loadlint",
                [
                    *loadlint_argv(),
                    "check",
                    str(tree),
                    "--offline",
                    "--no-cache",
                    "--output-format",
                    "json",
                ],
                env=env,
                ok_codes=LOADLINT_OK_CODES,
            )
        ]
        ruff = shutil.which("ruff")
        if ruff:
            tools.append(
                Tool(
                    "ruff (defaults)",
                    [ruff, "check", "--no-cache", "--exit-zero", "--quiet", str(tree)],
                )
            )
            if args.ruff_select:
                tools.append(
                    Tool(
                        "ruff E4,E7,E9,F",
                        [
                            ruff,
                            "check",
                            "--no-cache",
                            "--exit-zero",
                            "--quiet",
                            "--select",
                            "E4,E7,E9,F",
                            str(tree),
                        ],
                    )
                )
        else:
            print("ruff not found on PATH: timing loadlint alone")

        for i in range(args.runs):
            for tool in tools:
                out = tmp / f"{tool.name.split()[0]}-{len(tool.codes)}.out"
                wall, rss, rc = run_once(tool, out)
                tool.walls.append(wall)
                tool.rss_kib.append(rss)
                tool.codes.append(rc)
                if tool.name == "loadlint" and i == 0:
                    print_loadlint_summary(out)
                print(
                    f"  run {i + 1}/{args.runs} {tool.name}: {wall:.2f} s, {rss / 1024:.0f} MiB, exit {rc}"
                )
                out.unlink()

        print()
        print_table(tools)
        ratios = {}
        lw = statistics.median(tools[0].walls)
        lr = statistics.median(tools[0].rss_kib)
        for other in tools[1:]:
            ratios[other.name] = {
                "wall": lw / statistics.median(other.walls),
                "rss": lr / statistics.median(other.rss_kib),
            }
            print(
                f"loadlint/{other.name}: wall x{ratios[other.name]['wall']:.1f}, "
                f"peak RSS x{ratios[other.name]['rss']:.1f}"
            )

        gates = None
        if not args.no_gates:
            print("\ngate count (in-process, one pass):")
            gates = gate_counts(tree)
            c, s = gates["counts"], gates["seconds"]
            print(
                f"  files {c['files']}: byte prefilter skipped {c['byte_skipped']}, ast gate skipped "
                f"{c['ast_skipped']}, libcst parsed {c['libcst_parsed']}, errors {c['errors']}; "
                f"call sites {gates['call_sites']}"
            )
            print(
                f"  seconds: tables {s['load_tables']}, read {s['read']}, extract {s['extract_total']} = "
                f"byte-skipped files {s['byte_skipped']} + ast-skipped files {s['ast_skipped']} + "
                f"libcst files {s['libcst_files']} (of which libcst itself ~{s['libcst_only_est']})"
            )
            for f in gates["slowest_libcst_files"]:
                print(
                    f"    {f['seconds']:7.2f} s  {f['kib']:5d} KiB  {f['call_sites']} site(s)  {f['path']}"
                )

        if args.json:
            record = {
                "date": datetime.datetime.now()
                .astimezone()
                .isoformat(timespec="seconds"),
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "tree": source,
                "py_files": n_py,
                "runs": args.runs,
                "tools": [
                    {k: v for k, v in asdict(t).items() if k != "env"} for t in tools
                ],
                "ratios_loadlint_over": ratios,
                "gates": gates,
            }
            args.json.write_text(json.dumps(record, indent=2) + "\n")
            print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
