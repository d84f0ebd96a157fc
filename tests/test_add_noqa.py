"""`loadlint check --add-noqa`, end to end: a directive for every finding where `suppress` looks for
it, merged with the comments already there, the file's bytes otherwise kept; notebooks in their
cells; and a second run (or a check) that finds nothing left to do."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from cli_runner import loadlint
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

IMPORT = "from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM"
BEFORE = [
    "# -*- coding: latin-1 -*-",
    IMPORT,
    'a = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa: E501',
    "b = AutoModelForCausalLM.from_pretrained(",
    '    "facebook/bart-large-cnn",',
    ")",
    'c = AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")  # caf\xe9',
    "d = AutoModelForCausalLM \\",
    '    .from_pretrained("facebook/bart-large-cnn")',
    'e = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn", cache_dir="""/tmp',
    '/models""")',
    'f = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa',
    'g = AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")  # noqa: LL001',
    'h = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa:W291,LL002 -- keep this reason',
]
AFTER = [
    "# -*- coding: latin-1 -*-",
    IMPORT,
    'a = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa: E501, LL001',
    "b = AutoModelForCausalLM.from_pretrained(  # noqa: LL002",
    '    "facebook/bart-large-cnn",',
    ")",
    'c = AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")  # caf\xe9  # noqa: LL003',
    "d = AutoModelForCausalLM \\",
    '    .from_pretrained("facebook/bart-large-cnn")  # noqa: LL002',
    'e = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn", cache_dir="""/tmp',
    '/models""")  # noqa: LL002',
    'f = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa',
    'g = AutoModelForCausalLM.from_pretrained("google-bert/bert-base-uncased")  # noqa: LL001, LL003',
    'h = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")  # noqa:LL001, LL002, W291 -- keep this reason',
]


def encoded(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("latin-1") + b"\r\n"


def test_every_finding_gets_a_directive_where_suppress_reads_it(tmp_path: Path, env: dict[str, str]) -> None:
    app = tmp_path / "app.py"
    app.write_bytes(encoded(BEFORE))
    run = loadlint("check", "--add-noqa", "app.py", env=env, cwd=tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "Added 7 noqa directives.\n")
    assert app.read_bytes() == encoded(AFTER)
    # LL100 findings (the stale LL001 of `g`, LL002 of `h`) get no directive: `--fix` removes what they report
    checked = loadlint("check", "--output-format", "json", "app.py", env=env, cwd=tmp_path)
    assert [(f["code"], f["line"]) for f in json.loads(checked.stdout)["findings"]] == [("LL100", 13), ("LL100", 14)]
    again = loadlint("check", "--add-noqa", "app.py", env=env, cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "Added 0 noqa directives.\n")
    assert app.read_bytes() == encoded(AFTER)


def test_a_notebook_gets_its_directives_in_the_cells(tmp_path: Path, env: dict[str, str]) -> None:
    notebook = new_notebook()
    notebook.cells = [
        new_markdown_cell("# Demo"),
        new_code_cell(IMPORT, execution_count=1),
        new_code_cell(
            '%%time\nmodel = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")\nmodel?',
            execution_count=2, outputs=[new_output("execute_result", {"text/plain": "Bart"}, execution_count=2)],
        ),
    ]
    path = tmp_path / "demo.ipynb"
    nbformat.write(notebook, path)
    before = json.loads(path.read_text())
    run = loadlint("check", "--add-noqa", ".", env=env, cwd=tmp_path)
    assert (run.returncode, run.stderr) == (0, "Added 1 noqa directive.\n")
    after = json.loads(path.read_text())
    assert after["cells"][2]["source"] == [
        "%%time\n",
        'model = AutoModelForCausalLM.from_pretrained("facebook/bart-large-cnn")  # noqa: LL002\n',
        "model?",
    ]
    after["cells"][2]["source"] = before["cells"][2]["source"]
    assert after == before  # outputs, metadata and the other cells as they were
    assert loadlint("check", ".", env=env, cwd=tmp_path).returncode == 0


def test_add_noqa_with_fix_is_a_usage_error(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "app.py").write_text(IMPORT + '\nAutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n')
    run = loadlint("check", "--add-noqa", "--fix", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == "loadlint: error: --add-noqa cannot be combined with --fix or --diff"


def test_a_read_only_file_is_an_error_line(tmp_path: Path, env: dict[str, str]) -> None:
    app = tmp_path / "app.py"
    app.write_text(IMPORT + '\nAutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n')
    app.chmod(0o444)  # no write bit for anyone: refused to root too, as --fix refuses it
    run = loadlint("check", "--add-noqa", "app.py", env=env, cwd=tmp_path)
    assert run.returncode == 2
    first, last = run.stderr.splitlines()
    assert first.startswith("app.py: no noqa added: the file is read-only")
    assert last == "Added 0 noqa directives."
