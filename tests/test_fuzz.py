"""Fuzz: hypothesmith programs wrapped in transformers imports and loads, checked and fixed in-process.

Whatever a file holds, `loadlint check` and `--fix --unsafe-fixes` must end with findings or one-line
errors, never an internal error; a fix must not break a file that compiled (nor unbind a name it
used); and a second `--fix` must find nothing left to change.  The examples are derandomized, so a
CI run is deterministic and a failure reproduces.
"""

from __future__ import annotations

import ast
import builtins
import json
import tempfile
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, ScopeProvider

from loadlint.engine import CheckOptions, run_check
from loadlint.findings import CheckResult
from loadlint.resolve import ResolverSettings

MODELS = {
    "gpt2": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 50257, "n_layer": 12},
    "t5": {
        "model_type": "t5",
        "architectures": ["T5ForConditionalGeneration"],
        "is_encoder_decoder": True,
        "vocab_size": 32128,
    },
}
PRELUDE = (
    "import transformers\n"
    "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoModelWithLMHead, pipeline\n"
)
# One line per kind of finding the fixer handles, against the local folders above.
LOADS = {
    'm = AutoModelForSeq2SeqLM.from_pretrained("./models/gpt2")': "LL001",  # safe class switch, import swap
    'n = AutoModelForCausalLM.from_pretrained("./models/t5")': "LL001",
    't = transformers.AutoModelForSeq2SeqLM.from_pretrained("./models/gpt2")': "LL001",  # attribute form
    'q = AutoModelForCausalLM.from_pretrained("./models/gpt2", torch_dtype="auto")': "LL022",  # rename keyword
    'r = AutoModelForCausalLM.from_pretrained("./models/gpt2", trust_remote_code=True)': "LL005",  # remove keyword
    'g = pipeline("text-generation", model="./models/gpt2", max_length=30)': "LL015",  # set keyword (unsafe)
    'w = AutoModelWithLMHead.from_pretrained("./models/gpt2")': "LL021",  # removed class (unsafe)
    'p = pipeline("text-generation", model="./models/t5")': "LL007",  # a finding without a fix
}
ALL_LOADS = PRELUDE + "".join(f"{load}\n" for load in LOADS)
FUZZ = settings(
    derandomize=True,  # seeded from the test itself: every CI run draws the same programs
    database=None,
    deadline=None,
    print_blob=False,
    # No explain phase: its line tracing through libcst turns a failure's report from seconds into hours.
    phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # compile() of odd generated code


def insertion_points(program: str) -> list[tuple[int, str]]:
    """Where a load may go: (line index, indentation) at the start, the end, and before every
    statement that begins its line, at that statement's depth (in functions, classes, blocks)."""
    lines = program.split("\n")
    points = [(0, ""), (len(lines), "")]
    if "\r" in program.replace("\r\n", "\n"):  # a lone CR breaks lines for ast, not for split("\n")
        return points
    try:
        tree = ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return points
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= len(lines):
            line = lines[node.lineno - 1]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if len(indent) == node.col_offset:
                points.append((node.lineno - 1, indent))
    return sorted(set(points))


@st.composite
def wrapped(draw: st.DrawFn, programs: st.SearchStrategy[str]) -> str:
    """A generated program after the transformers imports, with some loads put in at module level
    or inside its blocks (a load inside an expression or before a decorated `def` makes a file
    that does not compile: those are checked too)."""
    program = draw(programs)
    loads = draw(st.lists(st.sampled_from(list(LOADS)), min_size=1, max_size=3, unique=True))
    points = insertion_points(program)
    placed = sorted(((draw(st.sampled_from(points)), load) for load in loads), key=lambda p: p[0][0], reverse=True)
    lines = program.split("\n")
    for (index, indent), load in placed:
        lines.insert(index, indent + load)
    return PRELUDE + "\n".join(lines)


# Built on first use, once: the grammar's Lark parser takes seconds.
GRAMMAR_PROGRAMS = st.deferred(hypothesmith.from_grammar)
# One to three statements of the kinds that open scopes and blocks, where loads go in too.  No
# auto-targeting: it may be asked once per example, and it needs thousands to climb anyway.
NODE_KINDS = (cst.Module, cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With, cst.Try)
NODE_PROGRAMS = st.deferred(
    lambda: st.lists(
        st.one_of([hypothesmith.from_node(kind, auto_target=False) for kind in NODE_KINDS]), min_size=1, max_size=3
    ).map("".join)
)
TEXT_MUTATIONS = ("dedent_line", "misplaced", "deep_expression", "deep_id", "deep_blocks")
BYTE_MUTATIONS = ("lone_cr", "cr_for_lf", "crlf", "bom", "nul", "latin1_byte", "latin1_cookie")
# Around CPython's limits: 200 nested parentheses, 100 indentation levels, 20 nested blocks, and
# parser and ast depths that follow the recursion limit.
DEPTHS = (19, 20, 21, 99, 100, 101, 199, 200, 201, 1000)
# Statements the parsers accept where CPython's compiler does not (or only just does).
MISPLACED = (
    "nonlocal m",
    "global m",
    "return m",
    "yield m",
    "await m",
    "break",
    "continue",
    "m: int = 1\nglobal m",
    "def f():\n    m = 1\n    nonlocal m",
    "class C:\n    nonlocal m",
    "async with m: pass",
    "[(yield m) for m in n]",
    "from __future__ import annotations",
)
NESTINGS = {
    "parens": lambda k: "(" * k + "1" + ")" * k,
    "lists": lambda k: "[" * k + "]" * k,
    "calls": lambda k: "f(" * k + ")" * k,
    "not": lambda k: "not " * k + "x",
    "plus": lambda k: " + ".join(["1"] * k),
    "lambdas": lambda k: "lambda: " * k + "0",
}


def mutate_text(draw: st.DrawFn, text: str, mutation: str) -> str:
    """Shapes CPython rejects, or accepts only just: a statement out of its block or where the
    compiler refuses it (a module-level `nonlocal`, `return` or `yield`), and nesting about as deep
    as its limits."""
    lines = text.split("\n")
    if mutation == "dedent_line":
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = lines[at].lstrip(" \t")
    elif mutation == "misplaced":
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(MISPLACED)))
    elif mutation == "deep_expression":
        nesting = NESTINGS[draw(st.sampled_from(sorted(NESTINGS)))]
        lines.insert(draw(st.integers(0, len(lines))), f"y = {nesting(draw(st.sampled_from(DEPTHS)))}")
    elif mutation == "deep_id":
        depth = draw(st.sampled_from(DEPTHS))
        return text.replace('"./models/gpt2"', "(" * depth + '"./models/gpt2"' + ")" * depth, 1)
    elif mutation == "deep_blocks":
        depth = draw(st.sampled_from(DEPTHS[:6]))
        block = [" " * level + "if x:" for level in range(depth)]
        load = draw(st.sampled_from(list(LOADS)))
        lines[draw(st.integers(0, len(lines))) : 0] = [*block, " " * depth + load]
    return "\n".join(lines)


def mutate_bytes(draw: st.DrawFn, data: bytes, mutation: str) -> bytes:
    """Line endings, BOMs, NULs and encodings that real files have (or get by accident)."""
    if mutation in ("lone_cr", "latin1_byte"):
        at = draw(st.integers(0, len(data)))
        return data[:at] + (b"\r" if mutation == "lone_cr" else b"\xe9") + data[at:]
    if mutation == "cr_for_lf" and b"\n" in data:
        at = draw(st.sampled_from([i for i, byte in enumerate(data) if byte == ord("\n")]))
        return data[:at] + b"\r" + data[at + 1 :]
    if mutation == "crlf":
        return data.replace(b"\n", b"\r\n")
    if mutation == "bom":
        return b"\xef\xbb\xbf" + data
    if mutation == "nul":
        return data + b"\x00" * draw(st.integers(1, 3))
    if mutation == "latin1_cookie":
        text = "# -*- coding: latin-1 -*-\n" + data.decode("utf-8", "replace") + "\n# caf\xe9\n"
        return text.encode("latin-1", "replace")
    return data


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A wrapped program with one to three mutations, those of its text first."""
    text = draw(wrapped(st.one_of(GRAMMAR_PROGRAMS, NODE_PROGRAMS)))
    mutations = draw(st.lists(st.sampled_from(TEXT_MUTATIONS + BYTE_MUTATIONS), min_size=1, max_size=3))
    for mutation in (m for m in mutations if m in TEXT_MUTATIONS):
        text = mutate_text(draw, text, mutation)
    data = text.encode()
    for mutation in (m for m in mutations if m in BYTE_MUTATIONS):
        data = mutate_bytes(draw, data, mutation)
    return data


def compiles(data: bytes) -> bool:
    """Whether CPython compiles the bytes (BOM and coding cookie honoured; no inherited futures)."""
    try:
        compile(data, "example.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def unbound_names(data: bytes) -> set[str] | None:
    """Names the file reads where nothing binds them, by libcst's scopes (which, like Python,
    do not let a module-level read see a later import): a fix may not add to them, as it does when
    it drops an import another call still needs.  None when libcst cannot tell."""
    try:
        scopes = set(MetadataWrapper(cst.parse_module(data)).resolve(ScopeProvider).values())
    except Exception:  # noqa: BLE001 - e.g. too deep for this recursion limit: then the check is skipped
        return None
    return {
        access.node.value
        for scope in scopes
        if scope is not None
        for access in scope.accesses
        if isinstance(access.node, cst.Name) and not access.referents
    } - set(dir(builtins))


def run(path: Path, *, fix: bool) -> CheckResult:
    resolver = ResolverSettings(offline=True, use_facts_cache=False, cwd=path.parent)
    options = CheckOptions(paths=(str(path),), resolver=resolver, fix="apply" if fix else None, unsafe_fixes=fix)
    result = run_check(options)
    assert not [error for error in result.errors if "internal error" in error], result.errors
    assert all(len(error.splitlines()) == 1 for error in result.errors), result.errors
    return result


def write_project(folder: Path, data: bytes) -> Path:
    """The local models and `example.py` in a fresh folder (pytest's function fixtures would be
    shared by all of a test's examples)."""
    for name, config in MODELS.items():
        (folder / "models" / name).mkdir(parents=True)
        (folder / "models" / name / "config.json").write_text(json.dumps(config))
    path = folder / "example.py"
    path.write_bytes(data)
    return path


def check_and_fix(data: bytes) -> None:
    """A check and a fix end without an internal error, a fix keeps a compiling file compiling with
    its names bound, and a second fix changes nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_project(Path(tmp), data)
        run(path, fix=False)
        assert path.read_bytes() == data, "a check without --fix must not write"
        fixed = run(path, fix=True)
        after = path.read_bytes()
        if not fixed.fixed:
            assert after == data, "nothing was fixed, yet the file changed"
        if after != data and compiles(data):
            assert compiles(after), f"the fix broke a file that compiled:\n{after.decode('utf-8', 'replace')}"
            before_unbound, after_unbound = unbound_names(data), unbound_names(after)
            if before_unbound is not None and after_unbound is not None:
                assert after_unbound <= before_unbound, (
                    f"the fix unbound {sorted(after_unbound - before_unbound)}:\n{after.decode('utf-8', 'replace')}"
                )
        again = run(path, fix=True)
        assert path.read_bytes() == after and not again.fixed, "a second --fix must change nothing"


def test_wrapper_alone_offers_every_kind_of_fix() -> None:
    """The loads the fuzz tests wrap programs in do give fixable findings, so the fuzzing reaches the fixer."""
    with tempfile.TemporaryDirectory() as tmp:
        result = run(write_project(Path(tmp), ALL_LOADS.encode()), fix=False)
    fixable = {finding.code for finding in result.findings if finding.fix is not None}
    assert fixable == set(LOADS.values()) - {"LL007"}
    assert "LL007" in {finding.code for finding in result.findings}


def test_every_fix_at_once() -> None:
    """All the loads in one file: fixes that each hold alone must also hold together (one drops an
    import that another's fix still needs), which a draw of a few loads seldom puts side by side."""
    check_and_fix(ALL_LOADS.encode())


@settings(FUZZ, max_examples=70)
@given(wrapped(GRAMMAR_PROGRAMS))
def test_grammar_programs_check_and_fix_cleanly(source: str) -> None:
    """Programs from Python's grammar: comments, blank lines, continuations and the odd statement
    (all of which compile before wrapping)."""
    check_and_fix(source.encode())


@settings(FUZZ, max_examples=35)
@given(wrapped(NODE_PROGRAMS))
def test_libcst_programs_check_and_fix_cleanly(source: str) -> None:
    """One to three functions, classes and blocks built from libcst nodes, with loads inside them."""
    check_and_fix(source.encode())


@settings(FUZZ, max_examples=85)
@given(mutated())
def test_mutated_bytes_check_and_fix_cleanly(data: bytes) -> None:
    """Lone CRs, CRLF, a BOM, NULs, a stray latin-1 byte or a latin-1 file; a dedented line, nesting
    at CPython's limits: at most a one-line syntax or decode error, and what compiles stays so."""
    check_and_fix(data)
