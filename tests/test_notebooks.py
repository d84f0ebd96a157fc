"""Jupyter notebooks end to end: code cells are one module (names cross cells), IPython syntax is
masked line for line, positions are `cell N:line:col`, and `--fix` rewrites only the fixed cells'
sources, leaving every other byte of the file as it was.  Notebooks are written with nbformat."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from cli_runner import loadlint, write
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from loadlint.notebook import read_notebook
from loadlint.notebook.magics import mask_cell
from loadlint.notebook.write import fixed_sources, write_notebook

IMPORTS = "%pip install -q transformers\nfrom transformers import AutoModelForCausalLM, AutoTokenizer"
WRONG_LOAD = "%%time\nmodel = AutoModelForCausalLM.from_pretrained(MODEL)\nmodel?"


def demo_notebook() -> nbformat.NotebookNode:
    """Seven cells: markdown with an attachment, imports behind `%pip`, the id with `!ls`, a `%%bash`
    cell, the wrong load under `%%time` (t5 with a causal-LM class), a raw cell, a right tokenizer."""
    notebook = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook.cells = [
        new_markdown_cell("# Demo\n![chart](attachment:chart.png)", attachments={"chart.png": {"image/png": "iVBORw0KGgo="}}),
        new_code_cell(IMPORTS, execution_count=1, outputs=[new_output("stream", name="stdout", text="Successfully installed\n")]),
        new_code_cell('MODEL = "google-t5/t5-small"\nfiles = !ls\n!echo "{MODEL}"'),
        new_code_cell("%%bash\necho 'AutoModelForCausalLM.from_pretrained(\"google-t5/t5-small\")'"),
        new_code_cell(WRONG_LOAD, execution_count=3, outputs=[new_output("execute_result", {"text/plain": "T5Model(...)"}, execution_count=3)]),
        new_raw_cell("AutoModelForCausalLM.from_pretrained('google-t5/t5-small')"),
        new_code_cell("tokenizer = AutoTokenizer.from_pretrained(MODEL)"),
    ]
    return notebook


@pytest.fixture
def project(tmp_path: Path) -> Path:
    nbformat.write(demo_notebook(), tmp_path / "demo.ipynb")
    return tmp_path


def test_a_wrong_load_is_reported_in_its_cell(project: Path, env: dict[str, str]) -> None:
    run = loadlint("check", ".", env=env, cwd=project)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "demo.ipynb:cell 5:2:9: LL001 [*] [wrong-auto-class] `AutoModelForCausalLM` cannot load `google-t5/t5-small`" in run.stdout
    assert "Checked 1 file, 2 call sites: 1 finding" in run.stdout  # not the %%bash cell, not the raw cell
    assert run.stderr == ""


def test_json_and_sarif_give_the_cell(project: Path, env: dict[str, str]) -> None:
    data = json.loads(loadlint("check", "demo.ipynb", "--output-format", "json", env=env, cwd=project).stdout)
    (finding,) = data["findings"]
    assert (finding["cell"], finding["line"], finding["column"]) == (5, 2, 9)
    assert {(edit["cell"], edit["line"]) for edit in finding["fix"]["edits"]} == {(2, 2), (5, 2)}
    sarif = json.loads(loadlint("check", "demo.ipynb", "--output-format", "sarif", env=env, cwd=project).stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["cell"] == 5
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_fix_changes_only_the_fixed_cells_sources(project: Path, env: dict[str, str]) -> None:
    before = (project / "demo.ipynb").read_text()
    run = loadlint("check", "demo.ipynb", "--fix", env=env, cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    after = (project / "demo.ipynb").read_text()
    expected = before.replace(
        '"from transformers import AutoModelForCausalLM, AutoTokenizer"',
        '"from transformers import AutoModelForSeq2SeqLM, AutoTokenizer"',
    ).replace('"model = AutoModelForCausalLM.from_pretrained(MODEL)\\n"', '"model = AutoModelForSeq2SeqLM.from_pretrained(MODEL)\\n"')
    assert after == expected  # outputs, attachments, ids, metadata, key order and indentation kept
    nbformat.validate(nbformat.reads(after, as_version=4))


def test_fix_keeps_an_unusual_json_layout(project: Path, env: dict[str, str]) -> None:
    """A notebook written with two-space indentation and escaped non-ASCII text keeps that layout."""
    document = json.loads((project / "demo.ipynb").read_text())
    document["cells"][0]["source"] = ["# Démo"]
    (project / "demo.ipynb").write_text(json.dumps(document, indent=2, ensure_ascii=True))
    before = (project / "demo.ipynb").read_text()
    assert loadlint("check", "demo.ipynb", "--fix", env=env, cwd=project).returncode == 0
    after = (project / "demo.ipynb").read_text()
    assert '"# D\\u00e9mo"' in after and not after.endswith("\n")
    assert after == before.replace("AutoModelForCausalLM, AutoTokenizer", "AutoModelForSeq2SeqLM, AutoTokenizer").replace(
        "model = AutoModelForCausalLM", "model = AutoModelForSeq2SeqLM"
    )


def test_diff_shows_each_changed_cell_and_writes_nothing(project: Path, env: dict[str, str]) -> None:
    before = (project / "demo.ipynb").read_bytes()
    run = loadlint("check", "demo.ipynb", "--diff", env=env, cwd=project)
    assert run.returncode == 1
    assert "--- a/demo.ipynb:cell 2\n+++ b/demo.ipynb:cell 2\n" in run.stdout
    assert "-model = AutoModelForCausalLM.from_pretrained(MODEL)\n+model = AutoModelForSeq2SeqLM.from_pretrained(MODEL)\n" in run.stdout
    assert " %%time\n" in run.stdout and "cell 7" not in run.stdout
    assert (project / "demo.ipynb").read_bytes() == before


def test_noqa_in_a_cell_suppresses_its_finding(project: Path, env: dict[str, str]) -> None:
    notebook = demo_notebook()
    notebook.cells[4].source = WRONG_LOAD.replace("(MODEL)", "(MODEL)  # noqa: LL001")
    nbformat.write(notebook, project / "demo.ipynb")
    run = loadlint("check", "demo.ipynb", env=env, cwd=project)
    assert run.returncode == 0, run.stdout
    assert "All checks passed" in run.stdout or "0 findings" in run.stdout


def test_a_cell_that_does_not_parse_is_reported_and_the_others_checked(project: Path, env: dict[str, str]) -> None:
    notebook = demo_notebook()
    notebook.cells.insert(3, new_code_cell("def broken(:\n    pass"))
    nbformat.write(notebook, project / "demo.ipynb")
    run = loadlint("check", "demo.ipynb", env=env, cwd=project)
    assert run.returncode == 2
    assert "demo.ipynb:cell 4:1:12: syntax error: invalid syntax; the other cells are checked" in run.stdout
    assert "demo.ipynb:cell 6:2:9: LL001" in run.stdout


def test_a_file_that_is_no_notebook_is_one_line_and_the_run_goes_on(project: Path, env: dict[str, str]) -> None:
    (project / "broken.ipynb").write_text('{"cells": [')
    (project / "list.ipynb").write_text("[1, 2]")
    run = loadlint("check", ".", env=env, cwd=project)
    assert run.returncode == 2
    assert "broken.ipynb: not a notebook: not valid JSON" in run.stdout
    assert "list.ipynb: not a notebook:" in run.stdout
    assert "demo.ipynb:cell 5:2:9: LL001" in run.stdout


def test_include_and_extension_decide_which_notebooks_are_walked(project: Path, env: dict[str, str]) -> None:
    write(project, "pyproject.toml", '[tool.loadlint]\ninclude = ["*.py"]\n')
    assert "Checked 0 files" in loadlint("check", ".", env=env, cwd=project).stdout
    (project / "demo.ipynb").rename(project / "demo.nb")
    write(project, "pyproject.toml", '[tool.loadlint]\nextension = { nb = "ipynb" }\n')
    assert "demo.nb:cell 5:2:9: LL001" in loadlint("check", ".", env=env, cwd=project).stdout
    write(project, "pyproject.toml", "[tool.loadlint]\n")
    assert "Checked 0 files" in loadlint("check", ".", env=env, cwd=project).stdout
    assert "demo.nb:cell 5:2:9: LL001" in loadlint("check", ".", "--extension", "nb:ipynb", env=env, cwd=project).stdout
    bad = loadlint("check", ".", "--extension", "nb:rust", env=env, cwd=project)
    assert bad.returncode == 2 and "--extension must map a file suffix to one of python, pyi, ipynb" in bad.stderr


def test_the_content_cache_keeps_cell_positions(project: Path, env: dict[str, str]) -> None:
    first = loadlint("check", ".", env=env, cwd=project).stdout
    second = loadlint("check", ".", env=env, cwd=project).stdout
    assert first == second and "demo.ipynb:cell 5:2:9: LL001" in second


@pytest.mark.parametrize(
    ("source", "masked"),
    [
        ("%matplotlib inline\nx = 1", {0}),
        ("files = !ls\nprint(files)", {0}),
        ("len?\nlen??", {0, 1}),
        ("for i in range(3):\n    !echo {i}\n", {1}),
        ("!pip install a \\\n    b\nimport os", {0, 1}),
        ('text = """\n!not a magic\n%neither\n"""', set()),
        ("%%capture\nimport os", {0}),
    ],
)
def test_ipython_lines_are_masked_where_the_parser_stumbles(source: str, masked: set[int]) -> None:
    cell = mask_cell(source.split("\n"))
    assert cell.error is None and set(cell.masked) == masked
    assert len(cell.lines) == len(source.split("\n"))  # no line moves


def test_a_masked_line_in_a_block_keeps_the_block() -> None:
    assert mask_cell(["for i in range(3):", "    !echo {i}"]).lines == ("for i in range(3):", "    pass")


def test_other_cell_magics_and_real_errors_mask_the_whole_cell() -> None:
    assert mask_cell(["%%bash", "echo hi"]).masked == {0, 1}
    broken = mask_cell(["x = (", "y = 1"])
    assert broken.error is not None and broken.lines == ("", "")


def test_a_fix_that_spans_cells_is_refused(tmp_path: Path) -> None:
    notebook = new_notebook()
    notebook.cells = [new_code_cell("a = 1"), new_code_cell("b = 2")]
    path = tmp_path / "two.ipynb"
    nbformat.write(notebook, path)
    read = read_notebook(str(path), path.read_bytes())
    assert fixed_sources(read, "a = 1\nb = 3\n") == {1: "b = 3"}
    with pytest.raises(ValueError, match="more than one cell"):
        fixed_sources(read, "a = 2\nb = 3\n")
    assert b'"b = 3"' in write_notebook(read, {1: "b = 3"})


QUANTIZED = "x = 1\nimport transformers\nm = transformers.AutoModelForCausalLM.from_pretrained('openai-community/gpt2', load_in_8bit=True)"


@pytest.mark.parametrize("magic", ["%%writefile requirements.txt\ntransformers\naccelerate", "%%bash\npip install transformers"])
def test_an_added_import_goes_to_the_python_cell_never_a_magic_one(tmp_path: Path, env: dict[str, str], magic: str) -> None:
    """LL020's fix adds `from transformers import BitsAndBytesConfig` before the first statement: in the
    cell that statement opens, not in the `%%bash` or `%%writefile` cell before it."""
    notebook = new_notebook()
    notebook.cells = [new_markdown_cell("# x"), new_code_cell(magic), new_code_cell(QUANTIZED)]
    nbformat.write(notebook, tmp_path / "q.ipynb")
    run = loadlint("check", "q.ipynb", "--fix", env=env, cwd=tmp_path)
    assert "Fixed 1 finding" in run.stdout + run.stderr, run.stdout + run.stderr
    cells = nbformat.read(tmp_path / "q.ipynb", as_version=4).cells
    assert cells[1].source == magic
    assert cells[2].source.startswith("from transformers import BitsAndBytesConfig\n\nx = 1\n")


def test_a_notebook_with_crlf_line_endings_is_written_back_with_them(project: Path, env: dict[str, str]) -> None:
    path = project / "demo.ipynb"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    assert loadlint("check", "demo.ipynb", "--fix", env=env, cwd=project).returncode == 0
    after = path.read_bytes()
    assert after == before.replace(b"AutoModelForCausalLM, AutoTokenizer", b"AutoModelForSeq2SeqLM, AutoTokenizer").replace(
        b"model = AutoModelForCausalLM", b"model = AutoModelForSeq2SeqLM"
    )
