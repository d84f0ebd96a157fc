"""The byte gate is a superset of the ast gate: every file `may_load_models` accepts passes
`passes_byte_prefilter`, or the byte gate would drop a load unseen.  Checked over the installed
transformers package, this repository's tests and examples, tricky samples and generated programs;
the samples also pin how sharp the byte gate is (docstring and comment loads stay out).
"""

from __future__ import annotations

import ast
import importlib.util
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadlint.extract.gates import ALL_LIBRARIES, LIBRARY_CALLS, MODEL_LIBRARIES, may_load_models, passes_byte_prefilter

LIBRARY_SETS = (MODEL_LIBRARIES, ALL_LIBRARIES)
HERE = Path(__file__).parent


def transformers_folder() -> Path:
    spec = importlib.util.find_spec("transformers")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def parse(data: bytes) -> ast.Module | None:
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError):
        return None


def ast_gate(data: bytes, libraries: frozenset[str]) -> bool | None:
    """What `may_load_models` says of the file; None where `ast` cannot parse it."""
    tree = parse(data)
    return None if tree is None else may_load_models(tree, libraries)


def may_name_a_load(data: bytes) -> bool:
    """A file the ast gate accepts spells out one of the libraries and one of its calls (or the call
    it imports under an alias); the rest need no parse.  (Python folds look-alike letters in names,
    NFKC, which no gate here, nor libcst, follows.)"""
    return any(
        library.encode() in data and any(call.encode() in data for call in calls)
        for library, calls in LIBRARY_CALLS.items()
    )


@pytest.mark.parametrize("root", ["transformers", "tests", "examples"])
def test_every_file_the_ast_gate_accepts_passes_the_byte_gate(root: str) -> None:
    """Some 750 files of transformers to parse: about 10 s of CPU, for the one property that keeps
    the byte gate from losing loads."""
    folder = transformers_folder() if root == "transformers" else HERE.parent / root
    accepted, dropped = 0, []
    for path in sorted(folder.rglob("*.py")):
        data = path.read_bytes()
        tree = parse(data) if may_name_a_load(data) else None
        # What the ast gate rejects for all libraries, it rejects for fewer: one walk for most files.
        if tree is None or not may_load_models(tree, ALL_LIBRARIES):
            continue
        for libraries in LIBRARY_SETS:
            if may_load_models(tree, libraries):
                accepted += 1
                if not passes_byte_prefilter(data, libraries):
                    dropped.append(f"{path.relative_to(folder)} ({sorted(libraries)})")
    assert not dropped
    assert accepted, "the corpus must hold loads"


def test_only_the_loading_files_of_transformers_pass_the_byte_gate() -> None:
    """The sharpness the gate is for: of the whole package, only the files whose code loads a model
    pay for the ast parse (docstring examples and comments do not count)."""
    folder = transformers_folder()
    for path in sorted(folder.rglob("*.py")):
        data = path.read_bytes()
        if passes_byte_prefilter(data, MODEL_LIBRARIES):
            assert ast_gate(data, MODEL_LIBRARIES) is not False, path.relative_to(folder)


# Files the ast gate accepts: the byte gate must pass each.
LOADS = [
    b"import transformers as tf\ntf.AutoModel.from_pretrained('x')\n",
    b"from transformers import AutoModel as AM\nAM.from_pretrained('x')\n",
    b"from transformers import (\n    AutoConfig,\n    AutoModel,  # the model\n)\nAutoModel.from_pretrained('x')\n",
    b"from transformers import *\nAutoModel.from_pretrained('x')\n",
    b"from transformers import *\nmodel = pipeline('text-generation')\n",
    b"from transformers import pipeline as make\nmake('text-generation')\n",
    b"from transformers.pipelines import pipeline\npipeline('x')\n",
    b"from transformers import AutoModel\nm = (AutoModel\n    .from_pretrained('x'))\n",
    b"from transformers import AutoModel\nm = AutoModel \\\n    .from_pretrained('x')\n",
    b"from transformers import AutoModel\nm = AutoModel.from_pretrained  (\n    'x')\n",
    b"from transformers import AutoModel\nm = AutoModel . from_pretrained('x')\n",
    b"from transformers import AutoModel\nm = (AutoModel).from_pretrained('x')\n",
    b"from transformers import AutoModel\nm = (AutoModel.from_pretrained)('x')\n",
    b"from transformers import AutoModel\nm = AutoModel.from_pretrained(  # why\n    'x')\n",
    b"import transformers.models.auto as auto\nauto.AutoModel.from_pretrained('x')\n",
    b"import transformers\ntransformers" + b".models" * 20 + b".AutoModel.from_pretrained('x')\n",
    b"import os, transformers\ntransformers.pipeline('x')\n",
    b"import os,\\\n    transformers\ntransformers.pipeline('x')\n",
    b"import " + b", ".join(b"module%d" % n for n in range(40)) + b", transformers\ntransformers.pipeline('x')\n",
    b"from \\\n    transformers import pipeline\npipeline('x')\n",
    b"import sys; import transformers\ntransformers.pipeline('x')\n",
    b"try: import transformers\nexcept ImportError: transformers = None\ntransformers.pipeline('x')\n",
    b"if True: from transformers import pipeline\npipeline('x')\n",
    b"def load():\n    from transformers import AutoModel\n    return AutoModel.from_pretrained('x')\n",
    b"class Loader:\n    import transformers\n    model = transformers.AutoModel.from_pretrained('x')\n",
    b"from transformers import AutoModel\nprint(f\"{AutoModel.from_pretrained('x')}\")\n",
    b"from transformers import AutoModel\nprint(f'{AutoModel.from_pretrained(1):>{8}}')\n",
    b"from transformers import AutoModel\n@AutoModel.from_pretrained('x')\ndef f():\n    pass\n",
    b"\xef\xbb\xbffrom transformers import pipeline\npipeline('x')\n",
    b"from transformers import pipeline\r\npipeline('x')\r\n",
    b"import os\rfrom transformers import pipeline\rpipeline('x')\r",
    b"\x0cfrom transformers import pipeline\npipeline('x')\n",
    "from transformers import AutoModel as Modèle\nModèle.from_pretrained('x')\n".encode(),
    b'x = "it\'s # no comment"; from transformers import pipeline\npipeline(x)\n',
    b"# don't\nimport transformers\ntransformers.pipeline('x')\n",
    b'r = r"\\"" ; import transformers\ntransformers.pipeline(r)\n',
    b"t = '''it's \"quoted\" ''' ; import transformers\ntransformers.pipeline(t)\n",
    b'"""Example:\n\n>>> from transformers import AutoModel\n"""\nfrom transformers import pipeline\npipeline("x")\n',
    b"from transformers import AutoModel\nx = ('a' 'b', b'c' rb'\\e', u'd')\nAutoModel.from_pretrained(x)\n",
    b"from huggingface_hub import hf_hub_download as get\nget(repo_id='x', filename='f')\n",
    b"import huggingface_hub as hh\nhh.snapshot_download('x')\n",
    b"from huggingface_hub.file_download import hf_hub_download\nhf_hub_download('x', 'f')\n",
    b"from datasets import load_dataset\nload_dataset('x')\n",
    b"import datasets\ndatasets.load_dataset(path='x')\n",
]
# Files the ast gate rejects that the byte gate keeps out too: what it is sharper for.
NO_LOADS = [
    b'"""Usage:\n\n>>> from transformers import AutoModel\n>>> AutoModel.from_pretrained("x")\n"""\n',
    b'from ..auto import AutoModel\n"""\n>>> from transformers import AutoModel\n>>> AutoModel.from_pretrained(1)\n"""',
    b"# from transformers import pipeline\n# pipeline('x')\n",
    b"from transformers import AutoModel\n'''AutoModel.from_pretrained(\"x\")'''\n",
    b"from transformers import AutoModel\nx = 'AutoModel.from_pretrained(1)'  # AutoModel.from_pretrained(2)\n",
    b"from transformers import AutoConfig\ndef f(model):\n    return model.from_pretrained('x')\n",
    b"from transformers_extra import AutoModel\nAutoModel.from_pretrained('x')\n",
    b"from .transformers import AutoModel\nAutoModel.from_pretrained('x')\n",
    b"from datasets import Dataset\nhf_hub_download('x')\n",
    b"import transformers\nload_dataset('x')\n",
    # Beyond the ast gate too (it roots calls in imported names only), so no load of these reaches libcst.
    b"from transformers import AutoModel\nLoader = AutoModel\nLoader.from_pretrained('x')\n",
    b"import transformers\ngetattr(transformers, 'AutoModel').from_pretrained('x')\n",
    b"from transformers import AutoModel\nclass Mine(AutoModel):\n    pass\nMine.from_pretrained('x')\n",
]
# Files the byte gate cannot read for sure, so it lets them through (the next gate decides).
UNDECIDED = [
    b'import transformers\n"""never closed\ntransformers.pipeline("x")\n',
    b"# -*- coding: latin-1 -*-\nimport transformers\n# caf\xe9\ntransformers.pipeline\n",
    b"import transformers\nx = '\xff'\ntransformers.pipeline\n",
    b'import transformers\nx = f"{cfg["a"] + transformers.pipeline("x")}"\n',  # Python 3.12 quotes in a field
    b'import transformers\nx = f"{\n    transformers.pipeline("x")}"\n',  # 3.12: a line break in a field
]


@pytest.mark.parametrize("source", LOADS + NO_LOADS + UNDECIDED)
@pytest.mark.parametrize("libraries", LIBRARY_SETS, ids=["model", "all"])
def test_the_byte_gate_passes_what_the_ast_gate_accepts(source: bytes, libraries: frozenset[str]) -> None:
    if ast_gate(source, libraries):
        assert passes_byte_prefilter(source, libraries)


@pytest.mark.parametrize("source", LOADS)
def test_loads_are_loads_to_both_gates(source: bytes) -> None:
    assert ast_gate(source, ALL_LIBRARIES), "a sample of LOADS the ast gate does not take for a load"
    assert passes_byte_prefilter(source)


@pytest.mark.parametrize("source", NO_LOADS)
def test_the_byte_gate_keeps_out_what_holds_no_load(source: bytes) -> None:
    assert ast_gate(source, ALL_LIBRARIES) is False
    assert not passes_byte_prefilter(source)


@pytest.mark.parametrize("source", UNDECIDED)
def test_what_the_byte_gate_cannot_read_goes_on(source: bytes) -> None:
    assert passes_byte_prefilter(source, MODEL_LIBRARIES)


@pytest.mark.parametrize(
    "source",
    [
        b"from_pretrained = 'x'\ntext = '" + b"transformers " * 80_000 + b"'\n",  # a list read back from each
        b"from transformers import AutoModel\n" + b"AutoModel. " * 100_000 + b"x\nfrom_pretrained\n",
        b"import transformers\nfrom_pretrained\n" + b'"""never closed\n' * 2_000,
    ],
    ids=["mentions", "chain", "unclosed"],
)
def test_the_byte_gate_takes_linear_time(source: bytes) -> None:
    started = time.perf_counter()
    passes_byte_prefilter(source)
    assert time.perf_counter() - started < 5  # milliseconds; unbounded reads took minutes on the first two


IMPORTS = [
    "import transformers",
    "import transformers as {a}",
    "import os, transformers.models.auto as {a}",
    "from transformers import AutoModel",
    "from transformers import AutoModel as {a}",
    "from transformers import (\n    AutoConfig,  # why\n    AutoModel as {a},\n)",
    "from transformers import pipeline as {a}",
    "from transformers import *",
    "from \\\n    transformers import pipeline",
    "import huggingface_hub as {a}",
    "from huggingface_hub import snapshot_download as {a}",
    "from datasets import load_dataset as {a}",
    "from .transformers import AutoModel as {a}",
    "import transformers_extra as {a}",
]
CALLS = [
    "{a}.from_pretrained('x')",
    "{a}.AutoModel.from_pretrained('x')",
    "m = ({a}\n    .from_pretrained('x'))",
    "m = {a} \\\n    .from_pretrained('x')",
    "{a}('text-generation')",
    "({a}).pipeline('x')",
    "{a}.snapshot_download(repo_id='x')",
    "{a}(path='x')",
    "AutoModel.from_pretrained('x')",
    "pipeline('x')",
    "transformers.pipeline('x')",
    "print(f'{ {a}.from_pretrained(1) }')",
    "Loader = {a}\nLoader.from_pretrained('x')",
    "getattr({a}, 'AutoModel').from_pretrained('x')",
]
NOISE = [
    '"""Doc.\n\n>>> from transformers import AutoModel\n>>> AutoModel.from_pretrained("x")\n"""',
    "# from transformers import pipeline; pipeline('x')",
    "s = 'it\\'s # not a comment'",
    'r = r"\\"" + "from transformers import AutoModel"',
    "t = '''it's \"quoted\" '''",
    "n = f'{1:{2}}' + f\"{'a'}\" + f'{{'",
    "x = 1",
]
ALIASES = ["tf", "AM", "make", "hh", "pipeline", "AutoModel", "transformers", "Modèle"]


@st.composite
def programs(draw: st.DrawFn) -> bytes:
    """Imports, calls and noise in any order, some inside a block, joined by one kind of line break."""
    statements = draw(
        st.lists(
            st.tuples(st.sampled_from(IMPORTS + CALLS + NOISE), st.sampled_from(ALIASES), st.booleans()),
            min_size=2,
            max_size=8,
        )
    )
    lines = []
    for template, alias, in_block in statements:
        statement = template.replace("{a}", alias)
        lines.append("if x:\n" + "\n".join("    " + line for line in statement.split("\n")) if in_block else statement)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (draw(st.sampled_from(["", "\ufeff"])) + newline.join(lines) + newline).encode()


@settings(derandomize=True, database=None, deadline=None, max_examples=500)
@given(programs(), st.sampled_from(LIBRARY_SETS))
def test_generated_programs_that_load_pass_the_byte_gate(source: bytes, libraries: frozenset[str]) -> None:
    if ast_gate(source, libraries):
        assert passes_byte_prefilter(source, libraries)
