"""Count, in this process, where each file of a tree stopped: byte prefilter, ast gate, libcst, error.

This says why a tree costs what it does: how many files reached libcst, what each gate cost, and
which files were the slowest.  It uses loadlint.extract.extract_file with the engine's own loader
predicate, as the default rules run it.
"""

from __future__ import annotations

import ast
import contextlib
import os
import time
from pathlib import Path


def gate_counts(tree: Path, top: int = 5) -> dict:
    """The counts, the seconds per gate, and the `top` slowest files that reached libcst.

    The ast gate is timed again on its own for the files libcst parsed, so that the libcst share of
    those files is their time less the gate's."""
    from loadlint.discover import checked_files
    from loadlint.engine import loader_predicate
    from loadlint.extract import MODEL_LIBRARIES, extract_file, may_load_models, passes_byte_prefilter
    from loadlint.source import decode
    from loadlint.tables import load_tables

    start = time.perf_counter()
    is_loader = loader_predicate(load_tables())
    tables_s = time.perf_counter() - start
    counts = dict.fromkeys(("files", "byte_skipped", "ast_skipped", "libcst_parsed", "errors"), 0)
    seconds = dict.fromkeys(("read", "extract_total", "byte_skipped", "ast_skipped", "libcst_files"), 0.0)
    ast_gate_s_on_parsed = 0.0
    parsed: list[tuple[float, int, str, int]] = []
    sites = 0
    for path in checked_files([str(tree)]):
        counts["files"] += 1
        t0 = time.perf_counter()
        data = Path(path).read_bytes()
        t1 = time.perf_counter()
        report = extract_file(path, data, is_loader, MODEL_LIBRARIES)
        t2 = time.perf_counter()
        seconds["read"] += t1 - t0
        seconds["extract_total"] += t2 - t1
        sites += len(report.sites)
        if report.parsed:
            stop = "libcst_files"
            counts["libcst_parsed"] += 1
            gate_start = time.perf_counter()
            with contextlib.suppress(SyntaxError, ValueError, UnicodeDecodeError, LookupError):
                may_load_models(ast.parse(decode(data).text), MODEL_LIBRARIES)
            ast_gate_s_on_parsed += time.perf_counter() - gate_start
            parsed.append((t2 - t1, len(data), os.path.relpath(path, tree), len(report.sites)))
        elif report.error:
            counts["errors"] += 1
            continue
        else:
            stop = "ast_skipped" if passes_byte_prefilter(data, MODEL_LIBRARIES) else "byte_skipped"
            counts[stop] += 1
        seconds[stop] += t2 - t1
    parsed.sort(reverse=True)
    seconds |= {"load_tables": tables_s, "libcst_only_est": seconds["libcst_files"] - ast_gate_s_on_parsed}
    return {
        "counts": counts,
        "call_sites": sites,
        "seconds": {key: round(value, 3) for key, value in seconds.items()},
        "slowest_libcst_files": [
            {"path": path, "seconds": round(s, 3), "kib": size // 1024, "call_sites": n}
            for s, size, path, n in parsed[:top]
        ],
    }


def print_gate_counts(gates: dict) -> None:
    counts, seconds = gates["counts"], gates["seconds"]
    print(
        f"  files {counts['files']}: byte prefilter skipped {counts['byte_skipped']}, ast gate skipped "
        f"{counts['ast_skipped']}, libcst parsed {counts['libcst_parsed']}, errors {counts['errors']}; "
        f"call sites {gates['call_sites']}"
    )
    print(
        f"  seconds: tables {seconds['load_tables']}, read {seconds['read']}, extract {seconds['extract_total']} = "
        f"byte-skipped files {seconds['byte_skipped']} + ast-skipped files {seconds['ast_skipped']} + "
        f"libcst files {seconds['libcst_files']} (of which libcst itself ~{seconds['libcst_only_est']})"
    )
    for slow in gates["slowest_libcst_files"]:
        print(f"    {slow['seconds']:7.2f} s  {slow['kib']:5d} KiB  {slow['call_sites']} site(s)  {slow['path']}")
