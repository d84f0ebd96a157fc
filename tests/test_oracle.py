"""The oracle: loadlint's LL001/LL002 verdicts must equal what transformers does, for every model type.

For each model type the installed transformers knows, `AutoConfig.for_model(type)` is saved to a
folder; a file with one `from_pretrained(<folder>)` call per Auto class is linted the normal way
(local-folder resolution, the tables read from source); transformers then builds each class from
the same folder's config on the meta device (tests/oracle_runtime.py, in subprocesses).
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from loadlint.engine import CheckOptions, run_check
from loadlint.resolve import ResolverSettings
from loadlint.rules.no_processor import CONFIG_HOLDS_PROCESSOR
from loadlint.tables import load_tables

RUNTIME = Path(__file__).with_name("oracle_runtime.py")
AUTO_CLASSES = (
    "AutoModelForCausalLM", "AutoModelForSeq2SeqLM", "AutoModelForSpeechSeq2Seq",
    "AutoModelForImageTextToText", "AutoModelForMaskedLM", "AutoModel",
)
WORKERS = 2


def _run(*args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, str(RUNTIME), *args], capture_output=True, text=True, check=False, timeout=900
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    root = tmp_path_factory.mktemp("oracle")
    prepared = _run("--prepare", str(root))
    saved = prepared["saved"]
    chunks = [saved[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        verdicts: dict = {}
        for part in pool.map(lambda chunk: _run(str(root), *chunk), chunks):
            verdicts.update(part)
    return root, prepared, verdicts


def _lint(root: Path, model_types: list[str], tmp_path: Path) -> dict[tuple[str, str], set[str]]:
    lines = ["import transformers"]
    where: dict[int, tuple[str, str]] = {}
    for model_type in model_types:
        for auto_class in AUTO_CLASSES:
            lines.append(f"transformers.{auto_class}.from_pretrained({str(root / model_type)!r})")
            where[len(lines)] = (model_type, auto_class)
    source = tmp_path / "oracle_calls.py"
    source.write_text("\n".join(lines) + "\n")
    settings = ResolverSettings(offline=True, use_facts_cache=False, cwd=tmp_path)
    result = run_check(CheckOptions(paths=(str(source),), resolver=settings))
    assert not result.errors and not result.unresolved, (result.errors, result.unresolved[:5])
    codes: dict[tuple[str, str], set[str]] = {key: set() for key in where.values()}
    for finding in result.findings:
        codes[where[finding.span.line]].add(finding.code)
    return codes


def test_every_model_type_is_covered(oracle: tuple[Path, dict, dict]) -> None:
    _, prepared, verdicts = oracle
    # A type whose default config transformers itself cannot build is the only exclusion.
    assert len(prepared["skipped"]) <= 5, prepared["skipped"]
    assert len(verdicts) >= 790


def test_ll001_and_ll002_agree_with_transformers(oracle: tuple[Path, dict, dict], tmp_path: Path) -> None:
    root, _, verdicts = oracle
    codes = _lint(root, sorted(verdicts), tmp_path)
    disagreements = []
    undetermined = []
    for (model_type, auto_class), found in codes.items():
        verdict = verdicts[model_type]
        expected_ll001 = not verdict["accepts"][auto_class]
        if ("LL001" in found) != expected_ll001:
            disagreements.append(f"{model_type} {auto_class}: LL001 expected={expected_ll001} found={sorted(found)}")
        expected_ll002 = auto_class == "AutoModelForCausalLM" and verdict["partial"]
        if auto_class == "AutoModelForCausalLM" and verdict["partial"] is None:
            undetermined.append(model_type)
            continue
        if ("LL002" in found) != bool(expected_ll002):
            disagreements.append(f"{model_type} {auto_class}: LL002 expected={expected_ll002} found={sorted(found)}")
    total = len(codes) * 2
    agreement = 1 - len(disagreements) / total
    print(f"oracle: {len(codes)} (type, class) pairs, agreement {agreement:.2%}, LL002 undetermined: {undetermined}")
    assert not disagreements, "\n".join(disagreements[:50])


PROCESSOR_CLASSES = ("AutoFeatureExtractor", "AutoImageProcessor", "AutoVideoProcessor")


def test_ll009_agrees_with_transformers(oracle: tuple[Path, dict, dict], tmp_path: Path) -> None:
    """Each processor class on each saved folder (config.json alone): LL009 exactly where transformers
    refuses; a class whose backend (PIL, torchvision) is not installed here cannot be asked."""
    root, _, verdicts = oracle
    lines = ["import transformers"]
    where: dict[int, tuple[str, str]] = {}
    for model_type in sorted(verdicts):
        for processor_class in PROCESSOR_CLASSES:
            lines.append(f"transformers.{processor_class}.from_pretrained({str(root / model_type)!r})")
            where[len(lines)] = (model_type, processor_class)
    source = tmp_path / "processor_calls.py"
    source.write_text("\n".join(lines) + "\n")
    settings = ResolverSettings(offline=True, use_facts_cache=False, cwd=tmp_path)
    result = run_check(CheckOptions(paths=(str(source),), resolver=settings))
    flagged = {where[f.span.line] for f in result.findings if f.code == "LL009"}
    asked = disagreements = 0
    wrong = []
    for (model_type, processor_class) in where.values():
        refused = verdicts[model_type]["processors"][processor_class]
        if refused is None or (processor_class == "AutoImageProcessor" and model_type in CONFIG_HOLDS_PROCESSOR):
            continue  # no backend here; or a timm type, whose real config.json (not a default one) holds it
        asked += 1
        if refused != ((model_type, processor_class) in flagged):
            disagreements += 1
            wrong.append(f"{model_type} {processor_class}: transformers refuses={refused}")
    print(f"oracle: {asked} (type, processor class) pairs asked, {disagreements} disagreements")
    assert asked >= 700 and not wrong, "\n".join(wrong[:50])



def _model_types() -> list[str]:
    return list(load_tables().config_classes)


def test_ll018_agrees_with_transformers(tmp_path: Path) -> None:
    """Each model type's default config, saved with a tokenizer (its own where transformers builds it
    without vocabulary files, else a stand-in): LL018 (a multimodal use of the result) exactly where
    `AutoProcessor` returns a bare tokenizer.  Only a type without a default config is left out."""
    model_types = _model_types()
    root = tmp_path / "processors"
    chunks = [model_types[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(WORKERS) as pool:
        parts = list(pool.map(lambda chunk: _run("--processors", str(root), *chunk), chunks))
    returned = {model_type: kind for part in parts for model_type, kind in part["asked"].items()}
    lines = ["import transformers"]
    where: dict[int, str] = {}
    for index, model_type in enumerate(sorted(returned)):
        lines.append(f"processor_{index} = transformers.AutoProcessor.from_pretrained({str(root / model_type)!r})")
        lines.append(f"processor_{index}(images=[])")
        where[len(lines)] = model_type
    source = tmp_path / "processor_uses.py"
    source.write_text("\n".join(lines) + "\n")
    settings = ResolverSettings(offline=True, use_facts_cache=False, cwd=tmp_path)
    result = run_check(CheckOptions(paths=(str(source),), resolver=settings))
    assert not result.errors and not result.unresolved, (result.errors, result.unresolved[:5])
    flagged = {where[f.span.line] for f in result.findings if f.code == "LL018"}
    wrong = [
        f"{model_type}: AutoProcessor returns {kind}, LL018 {'reported' if model_type in flagged else 'silent'}"
        for model_type, kind in sorted(returned.items())
        if (kind == "tokenizer") != (model_type in flagged)
    ]
    tokenizers = sum(kind == "tokenizer" for kind in returned.values())
    print(f"oracle: {len(returned)} (type, AutoProcessor) pairs asked, {tokenizers} bare tokenizers, "
          f"{len(wrong)} disagreements, {len(model_types) - len(returned)} types without a default config")
    assert len(returned) >= 790 and not wrong, "\n".join(wrong[:50])
