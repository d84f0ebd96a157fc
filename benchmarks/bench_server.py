"""Time `loadlint server`: from a `textDocument/didChange` to the `publishDiagnostics` it causes, on a
1,000-line module of training code (the single-file case's script, repeated: a tokenizer, a right
load and a wrong one per block) whose facts are pinned in a lockfile, so
no request leaves the machine.  A real server process over stdio, driven by pygls' client; each
change edits one line (as a keystroke does), and the median of `--changes` round trips is reported
with the min-max, next to `ruff check` on the same file for scale (pygls' client cannot read `ruff
server`'s initialize answer, so the two servers are not raced).  The target is a median of 50 ms.  Usage:

    python benchmarks/bench_server.py --changes 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.inputs import TRAINING_SCRIPT
from bench.models import model_set

LINES = 1000
LOADS = 40


def write_module(folder: Path) -> Path:
    """The module: the benchmark's training script (a tokenizer, a right load and a wrong one) made
    into one block of functions per model and repeated until the file is LINES long."""
    models = model_set(LOADS)
    (folder / "loadlint.lock").write_text(models.lockfile_text)
    (folder / "pyproject.toml").write_text("[tool.loadlint]\n")
    trained = [model for model in models.generated if model.right_class == "AutoModelForCausalLM"]
    references = [model for model in models.generated if model.right_class == "AutoModelForSeq2SeqLM"]
    body = TRAINING_SCRIPT.split("\n\n\ndef ", 1)[1].rsplit("\n\n\nif __name__", 1)[0]
    classes = {"AutoTokenizer", "get_linear_schedule_with_warmup"}
    lines = [
        '"""Many training runs in one long module."""',
        "",
        "import argparse",
        "",
        "import torch",
        "from torch.utils.data import DataLoader",
    ]
    blocks: list[str] = []
    index = 0
    while sum(block.count("\n") + 3 for block in blocks) + len(lines) + 2 < LINES:
        model, reference = trained[index % len(trained)], references[index % len(references)]
        classes |= {model.right_class, reference.wrong_classes[0]}
        block = "def " + body.format(
            model_id=model.model_id,
            right_class=model.right_class,
            reference_id=reference.model_id,
            reference_class=reference.wrong_classes[0],
        )
        block = block.replace("MODEL_ID", repr(model.model_id)).replace("REFERENCE_ID", repr(reference.model_id))
        for name in ("batches", "train", "main", "encode"):
            block = block.replace(f"{name}(", f"{name}_{index}(")
        blocks.append(block)
        index += 1
    lines.append(f"from transformers import {', '.join(sorted(classes))}")
    text = "\n".join(lines) + "\n\n\n" + "\n\n\n".join(blocks) + "\n"
    path = folder / "long_module.py"
    path.write_text(text)
    return path


async def round_trips(command: list[str], path: Path, changes: int, kind: str) -> list[float]:
    client = LanguageClient("bench", "1")
    published: asyncio.Queue[float] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(time.perf_counter())

    await client.start_io(*command, cwd=str(path.parent))
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=path.parent.as_uri())
    )
    client.initialized(types.InitializedParams())
    uri, text = path.as_uri(), path.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
    )
    await asyncio.wait_for(published.get(), 60)
    # A keystroke in a function body, on the lines that end an optimizer step, one after another: in a
    # trailing comment that grows by a character ("comment"), or in the code, a learning rate's digit
    # ("code"); the code stays valid, so every change is checked.
    lines = text.splitlines()
    marker = "optimizer.step()" if kind == "comment" else "default=5e-5"
    targets = [number for number, line in enumerate(lines) if marker in line]
    times = []
    for version in range(2, changes + 2):
        line = targets[version % len(targets)]
        if kind == "comment":
            end = len(lines[line])
            lines[line] += "  #" if "  #" not in lines[line] else "x"
            start, new = end, lines[line][end:]
        else:
            start = re.search(r"\de-5", lines[line]).start()  # type: ignore[union-attr]
            digit = str((int(lines[line][start]) % 9) + 1)
            lines[line] = lines[line][:start] + digit + lines[line][start + 1 :]
            end, new = start + 1, digit
        edit = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, start), types.Position(line, end)), text=new
        )
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(version=version, uri=uri), [edit])
        )
        times.append(await asyncio.wait_for(published.get(), 60) - started)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def summary(name: str, times: list[float]) -> dict:
    milliseconds = sorted(time * 1000 for time in times)
    return {
        "server": name,
        "median_ms": round(statistics.median(milliseconds), 1),
        "min_ms": round(milliseconds[0], 1),
        "max_ms": round(milliseconds[-1], 1),
        "changes": len(times),
    }


def _timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=50, help="didChange round trips per server [default: 50]")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_module(Path(folder))
        command = [sys.executable, "-m", "loadlint", "server"]
        results = [
            summary(f"loadlint server, {kind} edit", asyncio.run(round_trips(command, path, args.changes, kind)))
            for kind in ("code", "comment")
        ]
        ruff = shutil.which("ruff")
        if ruff:  # the same file through `ruff check`, a whole process per run, for scale
            results.append(
                summary(
                    "ruff check",
                    [_timed([ruff, "check", "--no-cache", "--exit-zero", "-q", str(path)]) for _ in range(5)],
                )
            )
    for result in results:
        what = "whole run" if result["server"] == "ruff check" else "didChange -> publishDiagnostics"
        print(
            f"{result['server']:<30} {what}: median {result['median_ms']} ms "
            f"(min {result['min_ms']}, max {result['max_ms']}, {result['changes']} runs, {LINES}-line file)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
