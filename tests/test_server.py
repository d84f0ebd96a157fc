"""`loadlint server` end to end: a real server process over stdio and a real LSP client (pytest-lsp),
facts from the loopback Hub.  Diagnostics on open and change, quick fixes applied and gone, fix-all,
hover on an id and on a noqa code, a configuration change, a document that does not parse, and a
Hub that cannot be reached."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from cli_runner import SAFE_PATH, write
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

WRONG = 'from transformers import AutoModelForCausalLM\n\nmodel = AutoModelForCausalLM.from_pretrained("google-t5/t5-small")\n'
pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    write(folder, "pyproject.toml", "[tool.loadlint]\n")
    write(folder, "app.py", WRONG)
    return folder


async def started(project: Path, env: dict[str, str], options: dict | None = None) -> LanguageClient:
    config = ClientServerConfig(server_command=[sys.executable, *SAFE_PATH, "-m", "loadlint", "server"], server_env=env)
    client = await config.start()
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(configuration=False),
        window=types.WindowClientCapabilities(),
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities, root_uri=project.as_uri(), initialization_options=options,
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
        )
    )
    return client


@pytest_asyncio.fixture(loop_scope="function")
async def client(project: Path, env: dict[str, str]):
    lsp = await started(project, env)
    yield lsp
    await lsp.shutdown_session()


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text or path.read_text())
        )
    )
    return uri


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_until(client: LanguageClient, uri: str, wanted, timeout: float = 30) -> list[types.Diagnostic]:
    """The document's diagnostics once `wanted(diagnostics)` holds (the Hub answers after the caches)."""
    async def wait() -> list[types.Diagnostic]:
        while not wanted(client.diagnostics.get(uri, [])):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics[uri])

    return await asyncio.wait_for(wait(), timeout)


def applied(text: str, edits: list[types.TextEdit]) -> str:
    """The text with LSP edits applied, last first (the test texts are ASCII: units are characters)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[min(edit.range.end.line, len(lines))] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


async def test_a_wrong_class_is_diagnosed_and_its_quick_fix_clears_it(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app.py")
    (shown,) = await diagnostics_until(client, uri, bool)
    assert (shown.code, shown.source, shown.severity) == ("LL001", "loadlint", types.DiagnosticSeverity.Error)
    assert shown.range.start == types.Position(line=2, character=8)
    assert "help: use `AutoModelForSeq2SeqLM`" in shown.message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=shown.range,
            context=types.CodeActionContext(diagnostics=[shown], only=[types.CodeActionKind.QuickFix]),
        )
    )
    (fix,) = [action for action in actions if "safe fix" in action.title]
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    fixed = applied(WRONG, fix.edit.changes[uri])
    assert fixed == WRONG.replace("AutoModelForCausalLM", "AutoModelForSeq2SeqLM")
    change(client, uri, 2, fixed)
    assert await diagnostics_until(client, uri, lambda shown: not shown) == []


async def test_fix_all_and_hover(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app.py")
    (shown,) = await diagnostics_until(client, uri, bool)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=shown.range,
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.loadlint"]),
        )
    )
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.loadlint"
    assert applied(WRONG, fix_all.edit.changes[uri]) == WRONG.replace("AutoModelForCausalLM", "AutoModelForSeq2SeqLM")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=50))
    )
    assert "**google-t5/t5-small**" in hover.contents.value
    assert "model_type: `t5`" in hover.contents.value
    assert "this call: `AutoModelForCausalLM` (does not fit; use `AutoModelForSeq2SeqLM`)" in hover.contents.value
    assert "facts from: hub" in hover.contents.value
    assert "- loaded by: `AutoModelForSeq2SeqLM`" in hover.contents.value


async def test_hover_on_the_id_a_name_is_bound_to(client: LanguageClient, project: Path) -> None:
    text = 'from transformers import AutoModelForCausalLM\n\nMODEL = "google-t5/t5-small"\nmodel = AutoModelForCausalLM.from_pretrained(MODEL)\n'
    uri = open_file(client, project / "app.py", text)
    await diagnostics_until(client, uri, bool)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=12))
    )
    assert "**google-t5/t5-small**" in hover.contents.value and "model_type: `t5`" in hover.contents.value


async def test_hover_on_a_noqa_code_gives_the_rule(client: LanguageClient, project: Path) -> None:
    text = WRONG.replace('small")\n', 'small")  # noqa: E501, LL001\n')
    uri = open_file(client, project / "app.py", text)
    await asyncio.sleep(0.5)
    column = text.splitlines()[2].index("LL001") + 2
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=column))
    )
    assert hover.contents.value.startswith("**LL001** `wrong-auto-class` (error):")
    assert not client.diagnostics.get(uri)
    named = text.replace("# noqa: E501, LL001", "# loadlint: ignore[wrong-auto-class]")
    change(client, uri, 2, named)
    await asyncio.sleep(0.5)
    column = named.splitlines()[2].index("wrong-auto-class") + 3
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=column))
    )
    assert hover.contents.value.startswith("**LL001** `wrong-auto-class` (error):")  # a rule name, read as suppress reads it


async def test_a_configuration_change_checks_again(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app.py")
    await diagnostics_until(client, uri, bool)
    write(project, "pyproject.toml", '[tool.loadlint]\nignore = ["LL001"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(project / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert await diagnostics_until(client, uri, lambda shown: not shown) == []


async def test_a_document_that_does_not_parse_keeps_its_diagnostics(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app.py")
    before = await diagnostics_until(client, uri, bool)
    change(client, uri, 2, WRONG + "def broken(:\n")
    message = await asyncio.wait_for(client.wait_for_notification(types.WINDOW_LOG_MESSAGE), 10)
    assert "syntax error" in message.message
    assert list(client.diagnostics[uri]) == before
    change(client, uri, 3, WRONG.replace("google-t5/t5-small", "openai-community/gpt2"))
    assert await diagnostics_until(client, uri, lambda shown: not shown) == []


async def test_an_unreachable_hub_is_said_once(project: Path, env: dict[str, str]) -> None:
    lsp = await started(project, {**env, "HF_ENDPOINT": "http://127.0.0.1:9"})
    try:
        uri = open_file(lsp, project / "app.py")
        message = await asyncio.wait_for(lsp.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 30)
        assert message.type == types.MessageType.Warning
        assert "the Hub could not be reached" in message.message
        change(lsp, uri, 2, WRONG + "\n")
        await asyncio.sleep(1)
        shown = [m for m in lsp.messages if "Hub could not be reached" in m.message]
        assert len(shown) == 1
        assert not lsp.diagnostics.get(uri)  # nothing is guessed without facts
    finally:
        await lsp.shutdown_session()



async def test_disable_for_this_line_merges_with_other_tools_codes(client: LanguageClient, project: Path) -> None:
    text = WRONG.replace('small")\n', 'small")  # noqa: E501\n')
    uri = open_file(client, project / "app.py", text)
    (shown,) = await diagnostics_until(client, uri, bool)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=shown.range,
            context=types.CodeActionContext(diagnostics=[shown]),
        )
    )
    (disable,) = [action for action in actions if action.title == "Disable LL001 for this line"]
    assert applied(text, disable.edit.changes[uri]) == text.replace("# noqa: E501", "# noqa: E501, LL001")
    change(client, uri, 2, applied(text, disable.edit.changes[uri]))
    assert await diagnostics_until(client, uri, lambda shown: not shown) == []


NOTEBOOK_CELLS = ["from transformers import AutoModelForCausalLM", "# the model\n%pip list", 'MODEL = "google-t5/t5-small"',
                  "model = AutoModelForCausalLM.from_pretrained(MODEL)"]


async def test_a_notebook_is_checked_across_its_cells(client: LanguageClient, project: Path) -> None:
    """LSP 3.17 notebook synchronization: one module of the code cells, diagnostics in their cell."""
    notebook_uri = (project / "demo.ipynb").as_uri()
    cells = [f"{notebook_uri}#cell{index}" for index in range(len(NOTEBOOK_CELLS) + 1)]
    kinds = [types.NotebookCellKind.Code] * 2 + [types.NotebookCellKind.Markup] + [types.NotebookCellKind.Code] * 2
    texts = [*NOTEBOOK_CELLS[:2], "# Notes", *NOTEBOOK_CELLS[2:]]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri, notebook_type="jupyter-notebook", version=1,
                cells=[types.NotebookCell(kind=kind, document=cell) for kind, cell in zip(kinds, cells)],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=cell, language_id="python" if kind == types.NotebookCellKind.Code else "markdown",
                                       version=1, text=text)
                for kind, cell, text in zip(kinds, cells, texts)
            ],
        )
    )
    (shown,) = await diagnostics_until(client, cells[4], bool)
    assert shown.code == "LL001" and shown.range.start == types.Position(line=0, character=8)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cells[4]), range=shown.range,
            context=types.CodeActionContext(diagnostics=[shown], only=[types.CodeActionKind.QuickFix]),
        )
    )
    (fix,) = [action for action in actions if "safe fix" in action.title]
    assert set(fix.edit.changes) == {cells[0], cells[4]}  # the import in cell 1, the call in cell 5
    assert applied(texts[0], fix.edit.changes[cells[0]]) == "from transformers import AutoModelForSeq2SeqLM"
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=cells[4]), position=types.Position(line=0, character=30))
    )
    assert "model_type: `t5`" in hover.contents.value
    client.notebook_document_did_change(  # the load's cell is deleted: what it showed goes with it
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=notebook_uri),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(start=4, delete_count=1),
                        did_close=[types.TextDocumentIdentifier(uri=cells[4])],
                    )
                )
            ),
        )
    )
    assert await diagnostics_until(client, cells[4], lambda shown: not shown) == []


async def test_offline_without_facts_is_said_once(project: Path, env: dict[str, str]) -> None:
    lsp = await started(project, env, options={"offline": True})
    try:
        uri = open_file(lsp, project / "app.py")
        message = await asyncio.wait_for(lsp.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 30)
        assert "offline, and google-t5/t5-small is in no lockfile or cache" in message.message
        change(lsp, uri, 2, WRONG + "\n")
        await asyncio.sleep(1)
        assert len([m for m in lsp.messages if "offline" in m.message]) == 1
        assert not lsp.diagnostics.get(uri)
    finally:
        await lsp.shutdown_session()


async def test_a_helper_and_a_recipe_of_the_document_are_followed(client: LanguageClient, project: Path) -> None:
    """The reach `check` has within one file: a helper's parameter takes its callers' values, and an
    id read from a config file is read."""
    write(project, "conf.yaml", "model:\n  name: google-t5/t5-small\n")
    text = (
        "import yaml\nfrom transformers import AutoModelForCausalLM\n\n\ndef load(name):\n"
        "    return AutoModelForCausalLM.from_pretrained(name)\n\n\nload('google-t5/t5-small')\n"
        "config = yaml.safe_load(open('conf.yaml'))\nother = AutoModelForCausalLM.from_pretrained(config['model']['name'])\n"
    )
    uri = open_file(client, project / "helpers.py", text)
    shown = await diagnostics_until(client, uri, lambda shown: len(shown) == 2)
    assert sorted(d.range.start.line for d in shown) == [5, 10]
    assert any(info.message.startswith("model.name") for d in shown for info in d.related_information or [])


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient, project: Path) -> None:
    uri = open_file(client, project / "app.py")
    await diagnostics_until(client, uri, bool)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert await diagnostics_until(client, uri, lambda shown: not shown) == []
    await asyncio.sleep(0.3)
    assert not [m for m in client.messages if "Error" in m.message]
