"""`loadlint server` with a real editor as the client: Neovim headless (the Debian package, which CI
installs), its built-in LSP client attached to the server, reading back the diagnostic."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import write

from test_server import WRONG

NEOVIM_CLIENT = """
local root, file, out, python = unpack(_G.arg_list)
local id = vim.lsp.start_client({name = "loadlint", cmd = {python, "-P", "-m", "loadlint", "server"}, root_dir = root})
vim.cmd("edit " .. file)
vim.lsp.buf_attach_client(0, id)
local found = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or "?"
  table.insert(lines, string.format("%s %d:%d %s %s", d.source, d.lnum, d.col, code, d.message:gsub("\\n.*", "")))
end
if not found then table.insert(lines, "no diagnostics") end
vim.fn.writefile(lines, out)
vim.lsp.stop_client(id)
vim.cmd("qa!")
"""


@pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed (CI installs the Debian package)")
def test_neovim_shows_the_diagnostic(env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write(project, "pyproject.toml", "[tool.loadlint]\n")
    write(project, "app.py", WRONG)
    script, out = tmp_path / "client.lua", tmp_path / "diagnostics.txt"
    arguments = ", ".join(f"[[{value}]]" for value in (project, project / "app.py", out, sys.executable))
    script.write_text(f"_G.arg_list = {{{arguments}}}\n" + NEOVIM_CLIENT)
    run = subprocess.run(
        ["nvim", "--headless", "--clean", "-u", "NONE", "-c", f"luafile {script}"],
        env={**env, "HOME": str(tmp_path)}, cwd=project, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.read_text().splitlines() == [
        "loadlint 2:8 LL001 `AutoModelForCausalLM` cannot load `google-t5/t5-small`: its model_type `t5` is not in the "
        "class's table, so transformers raises `Unrecognized configuration class`"
    ]
