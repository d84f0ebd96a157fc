"""Following a model id beyond a constant: each form, and its negative twin, at the record level.

Each case writes a small project, extracts it as `loadlint check` does (discovery, the libcst pass,
then the project index that links parameters to their callers), and compares, per load line, the
values found (model id, or the dynamic kind) and, for some, the trace's notes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from loadlint.discover import DiscoveryOptions
from loadlint.engine import extract_paths
from loadlint.tables import load_tables

HEADER = "from transformers import AutoModel\n"


def values(folder: Path, files: dict[str, str]) -> dict[tuple[str, int], list[str]]:
    """(file, line) -> the sorted values of its load: model ids, or `<kind>` for a dynamic one."""
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    extraction = extract_paths([str(folder)], load_tables(), DiscoveryOptions(root=folder))
    assert extraction.errors == []
    found: dict[tuple[str, int], list[str]] = {}
    for site in extraction.sites:
        key = (Path(site.path).relative_to(folder).as_posix(), site.span.line)
        found.setdefault(key, []).append(site.model_id or f"<{site.dynamic_kind}>")
    return {key: sorted(ids) for key, ids in found.items()}


def notes(folder: Path, name: str, line: int) -> dict[str, list[str]]:
    """The trace notes of each value of one load (by model id, or `<kind>: detail`)."""
    extraction = extract_paths([str(folder)], load_tables(), DiscoveryOptions(root=folder))
    return {
        site.model_id or f"<{site.dynamic_kind}>: {site.dynamic_detail}": [step.note for step in site.trace]
        for site in extraction.sites
        if site.path.endswith(name) and site.span.line == line
    }


def one(tmp_path: Path, body: str) -> dict[int, list[str]]:
    """The values of the loads of one module, by line (the header is line 1)."""
    found = values(tmp_path, {"app.py": HEADER + textwrap.dedent(body)})
    return {line: ids for (_, line), ids in found.items()}


CASES = {
    "loop over a list": ('for mid in ["a/x", "b/y"]:\n    AutoModel.from_pretrained(mid)\n', {3: ["a/x", "b/y"]}),
    "loop over a tuple constant": (
        'IDS = ("a/x", "b/y")\nfor mid in IDS:\n    AutoModel.from_pretrained(mid)\n', {4: ["a/x", "b/y"]}
    ),
    "loop over a set": ('for mid in {"b/y", "a/x"}:\n    AutoModel.from_pretrained(mid)\n', {3: ["a/x", "b/y"]}),
    "dict items": (
        'M = {"t5": "a/x", "gpt": "b/y"}\nfor key, mid in M.items():\n    AutoModel.from_pretrained(mid)\n',
        {4: ["a/x", "b/y"]},
    ),
    "dict values": ('M = {"t5": "a/x"}\nfor mid in M.values():\n    AutoModel.from_pretrained(mid)\n', {4: ["a/x"]}),
    "dict keys": ('M = {"a/x": 1}\nfor mid in M.keys():\n    AutoModel.from_pretrained(mid)\n', {4: ["a/x"]}),
    "enumerate": ('for i, mid in enumerate(["a/x"]):\n    AutoModel.from_pretrained(mid)\n', {3: ["a/x"]}),
    "comprehension": ('ms = [AutoModel.from_pretrained(m) for m in ["a/x", "b/y"]]\n', {2: ["a/x", "b/y"]}),
    "constant key": ('M = {"t5": "a/x", "gpt": "b/y"}\nAutoModel.from_pretrained(M["t5"])\n', {3: ["a/x"]}),
    "looped key": (
        'M = {"t5": "a/x", "gpt": "b/y"}\nfor k in ["gpt", "t5"]:\n    AutoModel.from_pretrained(M[k])\n',
        {4: ["a/x", "b/y"]},
    ),
    "missing key": ('M = {"t5": "a/x"}\nAutoModel.from_pretrained(M["nope"])\n', {3: ["<computed>"]}),
    "f-string over a loop": (
        'for size in ["small", "base"]:\n    AutoModel.from_pretrained(f"google-t5/t5-{size}")\n',
        {3: ["google-t5/t5-base", "google-t5/t5-small"]},
    ),
    "plus over a loop": ('for o in ["a", "b"]:\n    AutoModel.from_pretrained(o + "/x")\n', {3: ["a/x", "b/x"]}),
    "format template": (
        'AutoModel.from_pretrained("Helsinki-NLP/opus-mt-{}-en".format(lang))\n', {2: ["<template>"]}
    ),
    "format over a loop": (
        'for lang in ["de", "fr"]:\n    AutoModel.from_pretrained("Helsinki-NLP/opus-mt-{}-en".format(lang))\n',
        {3: ["Helsinki-NLP/opus-mt-de-en", "Helsinki-NLP/opus-mt-fr-en"]},
    ),
    "rebinding is not followed": ('mid = "a/x"\nmid = pick()\nAutoModel.from_pretrained(mid)\n', {4: ["<computed>"]}),
    "a loop over something computed": ('for mid in pick():\n    AutoModel.from_pretrained(mid)\n', {3: ["<computed>"]}),
    "None is no id": ("AutoModel.from_pretrained(None)\n", {2: ["<computed>"]}),
    "a loaded model is an object": (
        'from transformers import pipeline\nm = AutoModel.from_pretrained("a/x")\npipeline("t", model=m)\n',
        {3: ["a/x"], 4: ["<object>"]},
    ),
    "environment set in the module": (
        'import os\nos.environ["M"] = "a/x"\nAutoModel.from_pretrained(os.environ["M"])\n', {4: ["a/x"]}
    ),
    "environment default": ('import os\nAutoModel.from_pretrained(os.getenv("M", "a/x"))\n', {3: ["a/x"]}),
    "environment required": ('import os\nAutoModel.from_pretrained(os.environ.get("M"))\n', {3: ["<env-required>"]}),
    "dataclass through HfArgumentParser": (
        """\
        from dataclasses import dataclass, field
        from transformers import HfArgumentParser
        @dataclass
        class ModelArguments:
            name: str = field(default="a/x")
            other: str = "b/y"
            required: str = field(metadata={"help": "no default"})
        @dataclass
        class Data:
            path: str = "d"
        def main():
            parser = HfArgumentParser((Data, ModelArguments))
            data_args, model_args = parser.parse_args_into_dataclasses()
            AutoModel.from_pretrained(model_args.name)
            AutoModel.from_pretrained(model_args.other)
            AutoModel.from_pretrained(model_args.required)
        """,
        {15: ["a/x"], 16: ["b/y"], 17: ["<cli-required>"]},
    ),
    "dataclass subclass and constructor": (
        """\
        from dataclasses import dataclass
        @dataclass
        class Base:
            name: str = "a/x"
        @dataclass
        class Args(Base):
            extra: int = 1
        args = Args()
        AutoModel.from_pretrained(args.name)
        """,
        {10: ["a/x"]},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_form_is_followed(tmp_path: Path, case: str) -> None:
    body, expected = CASES[case]
    assert one(tmp_path, body) == expected


def test_parameters_take_their_callers_values_and_the_default_only_when_omitted(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        def load(name, revision="main", fallback="c/z"):
            AutoModel.from_pretrained(name)
            AutoModel.from_pretrained(fallback)
        def train(base_model="path/to/model"):
            AutoModel.from_pretrained(base_model)
        load("a/x")
        load(name="b/y", fallback="d/w")
        train(args.base_model)
        def never(mid="e/v"):
            AutoModel.from_pretrained(mid)
        def forwards(*args, **kwargs):
            load(*args)
        """)
    assert found == {
        3: ["<parameter>", "a/x", "b/y"],  # `load(*args)` cannot be followed
        4: ["<parameter>", "c/z", "d/w"],
        6: ["<computed>"],  # every call passes it: "path/to/model" never runs
        11: ["<parameter>", "e/v"],  # not called in the project: its default, and a note
    }


def test_a_chain_of_parameters_is_followed_four_calls_deep(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        def a(x):
            AutoModel.from_pretrained(x)
        def b(y):
            a(y)
        def c(z):
            b(z)
        def d(w):
            c(w)
        d("a/x")
        def e(v):
            d(v)
        e("b/y")
        """)
    assert found == {3: ["<parameter>", "a/x"]}  # "b/y" is five calls up
    traces = notes(tmp_path, "app.py", 3)
    assert traces["a/x"] == [
        "passed to d()", "parameter `w` of d()", "passed to c()", "parameter `z` of c()", "passed to b()",
        "parameter `y` of b()", "passed to a()", "parameter `x` of a()", "AutoModel.from_pretrained",
    ]
    assert "<parameter>: `v` of e() is passed on more than 4 calls deep" in traces


def test_methods_instances_and_constructors(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        class Loader:
            def __init__(self, name):
                self.model = AutoModel.from_pretrained(name)
            def load(self, name, *, revision=None):
                return AutoModel.from_pretrained(name)
            def again(self):
                return self.load("c/z")
        loader = Loader("a/x")
        loader.load("b/y")
        """)
    assert found == {4: ["a/x"], 6: ["b/y", "c/z"]}


def test_across_modules_through_relative_absolute_and_module_imports(tmp_path: Path) -> None:
    found = values(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/models.py": HEADER + "def load(name):\n    return AutoModel.from_pretrained(name)\n",
        "pkg/cli.py": "from .models import load\nload('a/x')\n",
        "serve.py": "from pkg.models import load\nimport pkg.models as m\nload('b/y')\nm.load('c/z')\n",
        "other.py": "def load(name):\n    pass\nload('not/this')\n",  # another function of that name
    })
    assert found == {("pkg/models.py", 3): ["a/x", "b/y", "c/z"]}


def test_command_lines_and_pytest_call_from_outside(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        import click, fire, pytest, typer
        app = typer.Typer()
        @click.command()
        @click.option("--model-name", default="a/x")
        @click.option("--other")
        def cli(model_name, other):
            AutoModel.from_pretrained(model_name)
            AutoModel.from_pretrained(other)
        @app.command()
        def typed(model: str = typer.Option("b/y"), needed: str = typer.Option(...), plain="c/z"):
            AutoModel.from_pretrained(model)
            AutoModel.from_pretrained(needed)
            AutoModel.from_pretrained(plain)
        def fired(mid="d/w"):
            AutoModel.from_pretrained(mid)
        @pytest.mark.parametrize("mid, task", [("e/v", "t"), ("f/u", "t")])
        def test_it(mid, task):
            AutoModel.from_pretrained(mid)
        fire.Fire(fired)
        """)
    assert found == {
        8: ["a/x"], 9: ["<cli-required>"],
        12: ["b/y"], 13: ["<cli-required>"], 14: ["c/z"],
        16: ["d/w"],
        19: ["e/v", "f/u"],
    }
    assert notes(tmp_path, "app.py", 8) == {"a/x": [
        'default of the option "--model-name"', "parameter `model_name` of cli()", "AutoModel.from_pretrained",
    ]}


def test_objects_built_with_keywords_and_argparse_forms(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        import argparse
        from dataclasses import dataclass
        from types import SimpleNamespace
        @dataclass
        class Args:
            model: str = "a/x"
        def build_parser():
            parser = argparse.ArgumentParser()
            sub = parser.add_subparsers()
            serve = sub.add_parser("serve")
            serve.add_argument("--served-model", default="b/y")
            parser.add_argument("--model")
            parser.set_defaults(model="c/z")
            return parser
        def main():
            args = build_parser().parse_args()
            AutoModel.from_pretrained(args.model)
            AutoModel.from_pretrained(args.served_model)
            ns = argparse.Namespace(model="d/w")
            AutoModel.from_pretrained(ns.model)
            simple = SimpleNamespace(model="e/v")
            AutoModel.from_pretrained(simple.model)
            given = Args(model="f/u")
            AutoModel.from_pretrained(given.model)
            default = Args()
            AutoModel.from_pretrained(default.model)
        """)
    assert found == {18: ["c/z"], 19: ["b/y"], 21: ["d/w"], 23: ["e/v"], 25: ["f/u"], 27: ["a/x"]}


def test_pytest_fixtures_give_tests_their_values(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        import pytest
        @pytest.fixture(params=["a/x", "b/y"])
        def model_id(request):
            return request.param
        @pytest.fixture
        def other():
            return "c/z"
        def test_params(model_id):
            AutoModel.from_pretrained(model_id)
        def test_returned(other):
            AutoModel.from_pretrained(other)
        def helper(model_id):
            AutoModel.from_pretrained(model_id)
        """)
    assert found == {10: ["a/x", "b/y"], 12: ["c/z"], 14: ["<parameter>"]}  # a helper is no test


def test_a_recursive_function_says_so(tmp_path: Path) -> None:
    one(tmp_path, """\
        def load(name, tries=3):
            if tries:
                return load(name, tries - 1)
            return AutoModel.from_pretrained(name)
        load("a/x")
        """)
    traces = notes(tmp_path, "app.py", 5)
    assert set(traces) == {"a/x", "<parameter>: `name` of load() is passed around a recursive call"}


def test_a_model_a_helper_returns_is_an_object(tmp_path: Path) -> None:
    found = one(tmp_path, """\
        from transformers import pipeline
        def load_model():
            model = AutoModel.from_pretrained("a/x")
            return model
        def load_direct():
            return AutoModel.from_pretrained("b/y").eval()
        def name():
            return "c/z"
        pipeline("t", model=load_model())
        first = load_model()
        pipeline("t", model=first)
        second = load_direct()
        pipeline("t", model=second)
        third = name()
        pipeline("t", model=third)
        """)
    assert found == {4: ["a/x"], 7: ["b/y"], 10: ["<object>"], 12: ["<object>"], 14: ["<object>"], 16: ["<computed>"]}


def test_the_task_and_revision_are_followed_with_the_model_id(tmp_path: Path) -> None:
    """A pipeline's task and a load's revision take the same forms as its id, pair by pair for one loop;
    what cannot be followed stays as `evaluate` read it (a constant default, or dynamic)."""
    source = """\
        from transformers import AutoModel, pipeline
        for task, mid in [("summarization", "a/x"), ("text-generation", "b/y")]:
            pipeline(task, model=mid)
        TASKS = {"ner": "c/z"}
        for kind, name in TASKS.items():
            pipeline(task=kind, model=name)
        for rev in ["main", "v2"]:
            AutoModel.from_pretrained("a/x", revision=rev)
        pipeline(pick(), model="a/x")
        AutoModel.from_pretrained("a/x", revision=pick())
        def load(task="fill-mask"):
            return pipeline(task, model="a/x")
        """
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    extraction = extract_paths([str(tmp_path)], load_tables(), DiscoveryOptions(root=tmp_path))
    found = sorted(
        (s.span.line, s.model_id, s.task, s.task_dynamic, s.revision, s.revision_dynamic) for s in extraction.sites
    )
    assert found == [
        (3, "a/x", "summarization", False, None, False),
        (3, "b/y", "text-generation", False, None, False),
        (6, "c/z", "ner", False, None, False),
        (8, "a/x", None, False, "main", False),
        (8, "a/x", None, False, "v2", False),
        (9, "a/x", None, True, None, False),
        (10, "a/x", None, False, None, True),
        (12, "a/x", "fill-mask", False, None, False),
    ]
    by_line = {s.span.line: [step.note for step in s.trace] for s in extraction.sites if s.task == "ner"}
    assert by_line[6] == [
        "`kind` is 'ner' in the loop over `TASKS.items()`",
        "`name` is 'c/z' in the loop over `TASKS.items()`",
        "pipeline",
    ]


def test_tests_take_the_fixtures_of_the_nearest_conftest(tmp_path: Path) -> None:
    """pytest resolves a fixture from the test's file, then the conftest.py files above it, nearest
    first; a fixture defined nowhere says so."""
    conftest = """\
        import pytest
        @pytest.fixture(params=["a/x", "b/y"])
        def model_id(request):
            return request.param
        @pytest.fixture
        def other():
            return "c/z"
        """
    test = HEADER + textwrap.dedent("""\
        def test_params(model_id):
            AutoModel.from_pretrained(model_id)
        def test_returned(other):
            AutoModel.from_pretrained(other)
        def test_nowhere(missing):
            AutoModel.from_pretrained(missing)
        class TestLoads:
            def test_method(self, model_id):
                AutoModel.from_pretrained(model_id)
        """)
    nearer = 'import pytest\n@pytest.fixture\ndef other():\n    return "d/w"\n'
    found = values(
        tmp_path,
        {"tests/conftest.py": conftest, "tests/test_top.py": test, "tests/unit/conftest.py": nearer,
         "tests/unit/test_deep.py": test},
    )
    for name in ("tests/test_top.py", "tests/unit/test_deep.py"):
        assert found[(name, 3)] == ["a/x", "b/y"]
        assert found[(name, 7)] == ["<parameter>"]
        assert found[(name, 10)] == ["a/x", "b/y"]
    assert found[("tests/test_top.py", 5)] == ["c/z"]
    assert found[("tests/unit/test_deep.py", 5)] == ["d/w"]
    assert notes(tmp_path, "tests/test_top.py", 7) == {
        "<parameter>: the fixture `missing` of test_nowhere() is not defined in its file or a conftest.py above it": [
            "parameter `missing` of test_nowhere()",
            "AutoModel.from_pretrained",
        ]
    }
