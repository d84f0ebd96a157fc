"""Fix operations as text edits: imports merged, added and dropped, keywords removed and set, each
keeping the file's layout, and a file's fixes made from a bounded number of parses."""

from __future__ import annotations

import ast

import libcst
import pytest

from loadlint.facts import Span
from loadlint.fixes import (
    DropUnusedImport,
    Edit,
    Fix,
    ImportName,
    Operation,
    RemoveKeyword,
    ReplaceSpan,
    SetKeyword,
    apply_edits,
)
from loadlint.materialize import CannotMaterialize, apply_operations, materialize


def switch(source: str, old: str, new: str, line: int = 0) -> tuple[Operation, ...]:
    """What the class-switching fix proposes for the first `old.from_pretrained` call in `source`
    (or in the one-line `source` that is line `line` of the file)."""
    number, text = next((n, t) for n, t in enumerate(source.splitlines(), 1) if f"{old}.from_pretrained" in t)
    number = line or number
    column = text.index(f"{old}.from_pretrained") + 1
    return (
        ReplaceSpan(Span(number, column, number, column + len(old)), new),
        ImportName("transformers", new),
        DropUnusedImport(old),
    )


def call_span(source: str, line: int = 0) -> Span:
    """The span of the outermost call that starts on `line` (the last statement's when 0)."""
    tree = ast.parse(source)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    call = next(c for c in calls if c.lineno == line) if line else calls[0]
    return Span(call.lineno, call.col_offset + 1, call.end_lineno or 0, (call.end_col_offset or 0) + 1)


def made(source: str, operations: tuple[Operation, ...]) -> str:
    """The source with the operations made, through `materialize`, which must keep the fix."""
    [fix] = materialize(source, [Fix("t", "safe", operations)])
    assert fix is not None, "the fix was dropped"
    result = apply_edits(source, list(fix.edits))
    assert result == apply_operations(source, operations)
    ast.parse(result)
    return result


# Adding an import.


def test_a_name_is_merged_first_into_the_from_import() -> None:
    source = "from transformers import AutoTokenizer\nm = X.from_pretrained('x')\n"
    assert made(source, (ImportName("transformers", "X"),)) == (
        "from transformers import X, AutoTokenizer\nm = X.from_pretrained('x')\n"
    )


def test_a_parenthesized_multi_line_list_gets_the_name_on_a_line_of_its_own() -> None:
    source = (
        "from transformers import (  # the auto classes\n"
        "    AutoModel,  # encoder\n"
        "    AutoTokenizer,\n"
        ")\n"
    )
    assert made(source, (ImportName("transformers", "Y"), ImportName("transformers", "X"))) == (
        "from transformers import (  # the auto classes\n"
        "    X,\n"
        "    Y,\n"
        "    AutoModel,  # encoder\n"
        "    AutoTokenizer,\n"
        ")\n"
    )


def test_a_parenthesized_one_line_list_gets_the_name_inline() -> None:
    source = "from transformers import (AutoModel, AutoTokenizer)\n"
    expected = "from transformers import (X, AutoModel, AutoTokenizer)\n"
    assert made(source, (ImportName("transformers", "X"),)) == expected


def test_a_name_already_imported_that_way_is_not_added_and_one_bound_otherwise_blocks_the_fix() -> None:
    assert materialize("from transformers import X\n", [Fix("t", "safe", (ImportName("transformers", "X"),))]) == [None]
    assert materialize("from transformers import *\n", [Fix("t", "safe", (ImportName("transformers", "X"),))]) == [None]
    for taken in ("import numpy as X\n", "X = 1\n", "def f(X):\n    pass\n", "class X:\n    pass\n"):
        with pytest.raises(CannotMaterialize):
            apply_operations(taken, (ImportName("transformers", "X"),))


def test_an_aliased_import_does_not_count_as_the_name() -> None:
    source = "from transformers import X as Y\nY.from_pretrained('x')\n"
    assert made(source, (ImportName("transformers", "X"),)) == (
        "from transformers import X, X as Y\nY.from_pretrained('x')\n"
    )


def test_a_new_line_goes_after_the_imports_at_the_top_and_a_blank_line_parts_it_from_the_code() -> None:
    source = "import os\nimport torch\nm = X.from_pretrained('x')\nimport late\n"
    assert made(source, (ImportName("transformers", "X"),)) == (
        "import os\nimport torch\nfrom transformers import X\n\nm = X.from_pretrained('x')\nimport late\n"
    )
    spaced = "import os\n\nm = X.from_pretrained('x')\n"
    assert made(spaced, (ImportName("transformers", "X"),)) == (
        "import os\nfrom transformers import X\n\nm = X.from_pretrained('x')\n"
    )


def test_a_new_line_goes_after_the_docstring_and_the_future_imports() -> None:
    source = '"""Doc."""\nfrom __future__ import annotations\n\nm = X.from_pretrained("x")\n'
    assert made(source, (ImportName("transformers", "X"),)) == (
        '"""Doc."""\nfrom __future__ import annotations\nfrom transformers import X\n\nm = X.from_pretrained("x")\n'
    )
    only_docstring = '"""Doc."""\n\nm = X.from_pretrained("x")\n'
    assert made(only_docstring, (ImportName("transformers", "X"),)) == (
        '"""Doc."""\nfrom transformers import X\n\nm = X.from_pretrained("x")\n'
    )


def test_a_file_without_imports_gets_the_line_before_its_first_statement() -> None:
    source = "#!/usr/bin/env python\n# Load it.\n@cache\ndef load():\n    return X.from_pretrained('x')\n"
    assert made(source, (ImportName("transformers", "X"),)) == (
        "#!/usr/bin/env python\n# Load it.\nfrom transformers import X\n\n@cache\ndef load():\n"
        "    return X.from_pretrained('x')\n"
    )


def test_crlf_files_get_crlf_lines() -> None:
    source = "import os\r\nm = X.from_pretrained('x')\r\n"
    assert made(source, (ImportName("transformers", "X"),)) == (
        "import os\r\nfrom transformers import X\r\n\r\nm = X.from_pretrained('x')\r\n"
    )
    merged = "from transformers import (\r\n    A,\r\n)\r\nm = A.from_pretrained('x')\r\n"
    assert made(merged, switch(merged, "A", "B")) == merged.replace("A", "B")


def test_a_last_line_without_a_line_break() -> None:
    added = apply_operations("import os", (ImportName("transformers", "X"),))
    assert added == "import os\nfrom transformers import X\n"


# Dropping an import.


def test_an_unused_name_leaves_the_statement_and_the_new_name_takes_its_place() -> None:
    source = "from transformers import A, AutoTokenizer\nm = A.from_pretrained('x')\n"
    assert made(source, switch(source, "A", "B")) == source.replace("A,", "B,").replace("A.", "B.")
    aliased = "from transformers import A as M\nm = M.from_pretrained('x')\n"
    assert made(aliased, switch(aliased, "M", "B")) == "from transformers import B\nm = B.from_pretrained('x')\n"


def test_a_statement_left_empty_is_removed_whole() -> None:
    source = (
        "import os\nfrom transformers import A  # the model\nfrom transformers import B\nm = A.from_pretrained('x')\n"
    )
    expected = "import os\nfrom transformers import B\nm = B.from_pretrained('x')\n"
    assert made(source, switch(source, "A", "B")) == expected
    shared = "from mylib import A; import os\n"
    assert apply_operations(shared, (DropUnusedImport("A"),)) == "import os\n"
    shared_after = "import os; from mylib import A\n"
    assert apply_operations(shared_after, (DropUnusedImport("A"),)) == "import os\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from m import A, B, C\n", "from m import B, C\n"),
        ("from m import B, A, C\n", "from m import B, C\n"),
        ("from m import B, C, A\n", "from m import B, C\n"),
        ("from m import (B, A,)\n", "from m import (B,)\n"),
        ("from m import (\n    B,  # b\n    A,  # a\n    C,\n)\n", "from m import (\n    B,  # b\n    C,\n)\n"),
        ("from m import (\n    B,\n    # about A\n    A\n)\n", "from m import (\n    B,\n    # about A\n)\n"),
        ("from m import (B,\n    A)\n", "from m import (B)\n"),
        ("from m import B, \\\n    A\n", "from m import B\n"),
    ],
    ids=["first", "middle", "last", "trailing-comma", "one-a-line", "comment-above", "hanging", "backslash"],
)
def test_a_name_goes_with_its_comma_and_the_rest_keeps_its_layout(source: str, expected: str) -> None:
    assert apply_operations(source, (DropUnusedImport("A"),)) == expected


@pytest.mark.parametrize(
    "rest",
    [
        "n = A.from_pretrained('y')\n",  # another call still uses it
        "__all__ = ['A']\n",  # exported
        "def f(model: 'Optional[A]') -> None:\n    pass\n",  # a string annotation
        "A = None\n",  # bound again: not this import's to drop
        "def f():\n    global A\n",
    ],
    ids=["used", "__all__", "string-annotation", "rebound", "global"],
)
def test_a_name_mentioned_elsewhere_keeps_its_import(rest: str) -> None:
    source = "from transformers import A\nm = A.from_pretrained('x')\n" + rest
    assert made(source, switch(source, "A", "B")) == (
        "from transformers import B, A\nm = B.from_pretrained('x')\n" + rest
    )


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as A\n",
        "def f():\n    from m import A\n",
        "try:\n    from m import A\nexcept ImportError:\n    pass\n",
    ],
    ids=["plain-import", "in-a-function", "in-a-try"],
)
def test_only_module_level_from_imports_are_dropped(source: str) -> None:
    assert apply_operations(source, (DropUnusedImport("A"),)) == source


def test_positions_after_non_ascii_text_on_the_line() -> None:
    """`ast` counts columns in UTF-8 bytes, the edits in characters: the replaced use is seen as gone."""
    source = "from transformers import A\nlabel = 'modèle'; m = A.from_pretrained('x')\n"
    assert made(source, switch(source, "A", "B")) == (
        "from transformers import B\nlabel = 'modèle'; m = B.from_pretrained('x')\n"
    )


def test_an_unchanged_file_shows_the_import_edit_on_whole_identifiers() -> None:
    source = (
        "from transformers import AutoModelForSeq2SeqLM, AutoModelForCausalLM\n"
        "m = AutoModelForSeq2SeqLM.from_pretrained('x')\n"
    )
    [fix] = materialize(source, [Fix("t", "safe", switch(source, "AutoModelForSeq2SeqLM", "AutoModelForCausalLM"))])
    assert fix is not None and fix.edits == (
        Edit(Span(1, 26, 1, 69), "AutoModelForCausalLM"),
        Edit(Span(2, 5, 2, 26), "AutoModelForCausalLM"),
    )


# Keywords.


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("f('a', x=1)", "f('a')"),
        ("f(x=1, y=2)", "f(y=2)"),
        ("f(x=1)", "f()"),
        ("f(\n    x=1,\n)", "f()"),
        ("f(  # why\n    x=1,\n)", "f(  # why\n    )"),
        ("f(\n    'a',\n    x=1,\n)", "f(\n    'a',\n)"),
        ("f(\n    'a',\n    x=1,  # gone\n    y=2,  # kept\n)", "f(\n    'a',\n    y=2,  # kept\n)"),
        ("f('a', **kw, x=(\n    1\n))", "f('a', **kw)"),
        ("f('a', x=g(1, y=2), y=3)", "f('a', y=3)"),
    ],
)
def test_remove_keyword(call: str, expected: str) -> None:
    source = f"{call}\n"
    assert made(source, (RemoveKeyword(call_span(source), "x"),)) == f"{expected}\n"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("f()", 'f(revision="v")'),
        ("f('a')", "f('a', revision=\"v\")"),
        ("f('a', revision=old)", "f('a', revision=\"v\")"),
        ("f('a', b,)", "f('a', b, revision=\"v\",)"),
        ("f(\n    'a',\n    b,\n)", "f(\n    'a',\n    b,\n    revision=\"v\",\n)"),
        ("f(\n    'a',  # id\n    b,  # last\n)", "f(\n    'a',  # id\n    b,  # last\n    revision=\"v\",\n)"),
        ("f(\n    'a'\n)", "f(\n    'a', revision=\"v\"\n)"),
        ("f(\r\n    'a',\r\n)", "f(\r\n    'a',\r\n    revision=\"v\",\r\n)"),
    ],
)
def test_set_keyword(call: str, expected: str) -> None:
    source = f"{call}\n"
    assert made(source, (SetKeyword(call_span(source), "revision", '"v"'),)) == f"{expected}\n"


def test_rename_keyword_keeps_or_replaces_its_value() -> None:
    source = "m = f('a', torch_dtype = torch.float16, x=1)\n"
    span = call_span(source)
    assert made(source, (SetKeyword(span, "dtype", rename_from="torch_dtype"),)) == (
        "m = f('a', dtype = torch.float16, x=1)\n"
    )
    assert made(source, (SetKeyword(span, "dtype", '"auto"', rename_from="torch_dtype"),)) == (
        "m = f('a', dtype = \"auto\", x=1)\n"
    )


def test_the_call_is_the_one_at_the_span_after_non_ascii_text() -> None:
    source = "é = [g(f('a', x=1)) for _ in y]; n = h(x=2)\n"
    column = source.index("h(") + 1  # spans count characters
    span = Span(1, column, 1, column + len("h(x=2)"))
    assert made(source, (RemoveKeyword(span, "x"),)) == "é = [g(f('a', x=1)) for _ in y]; n = h()\n"
    nested = Span(1, source.index("f(") + 1, 1, source.index("f(") + 1 + len("f('a', x=1)"))
    assert made(source, (RemoveKeyword(nested, "x"),)) == "é = [g(f('a')) for _ in y]; n = h(x=2)\n"


@pytest.mark.parametrize(
    "operation",
    [
        RemoveKeyword(Span(1, 1, 1, 12), "y"),  # not passed
        SetKeyword(Span(1, 1, 1, 12), "w", rename_from="y"),  # nothing to rename
        SetKeyword(Span(1, 1, 1, 12), "x", rename_from="z"),  # the new name is passed already
        SetKeyword(Span(1, 1, 1, 12), "y"),  # no value to give it
        RemoveKeyword(Span(1, 5, 1, 12), "x"),  # no call there
        RemoveKeyword(Span(4, 1, 4, 7), "x"),  # nor there
    ],
)
def test_keyword_edits_that_do_not_fit_the_call(operation: Operation) -> None:
    with pytest.raises(CannotMaterialize):
        apply_operations("f(x=1, z=2)\n", (operation,))


# Cost.


def test_a_files_fixes_are_made_from_a_bounded_number_of_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forty fixes that switch a class (each with its import edits) and forty keyword fixes: the file
    is parsed once for the imports and once to check all the fixes together, never with libcst."""
    calls = [f"m{n} = AutoModelForSeq2SeqLM.from_pretrained('x', trust_remote_code=True)\n" for n in range(40)]
    source = "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer\n" + "".join(calls)
    fixes = []
    for line, call in enumerate(calls, 2):
        fixes.append(Fix("switch", "safe", switch(call, "AutoModelForSeq2SeqLM", "AutoModelForCausalLM", line=line)))
        fixes.append(Fix("remove", "unsafe", (RemoveKeyword(call_span(source, line), "trust_remote_code"),)))
    parses = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: parses.append(1) or real_parse(*args, **kwargs))
    monkeypatch.setattr(libcst, "parse_module", lambda *args, **kwargs: pytest.fail("libcst parsed the file"))
    results = materialize(source, fixes)
    assert all(result is not None and result.edits for result in results)
    assert len(parses) <= 2
