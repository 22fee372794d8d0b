"""Neovim's own LSP client (headless) runs the README's snippet and receives prnglint's diagnostics."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the server extra is not installed: pip install -e '.[server]'")

NVIM = shutil.which("nvim")
README = Path(__file__).resolve().parents[2] / "README.md"

pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed (apt-get install neovim; .ci/run installs it)")

CODE = """\
import jax


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b
"""

# Runs after the snippet: wait for the diagnostics, write what Neovim holds, quit.
PROBE = """
local out = vim.env.PRNGLINT_PROBE_OUT
local function dump(result)
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
end
local ok = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(found, { lnum = d.lnum, col = d.col, end_col = d.end_col, code = d.code, message = d.message, severity = d.severity, source = d.source })
end
local clients = {}
for _, c in pairs(vim.lsp.buf_get_clients(0)) do table.insert(clients, c.name) end
dump({ ok = ok, diagnostics = found, clients = clients, version = vim.version() })
vim.cmd("qa!")
"""


def readme_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- neovim-0\.7-snippet -->\n```lua\n(.*?)```", text, re.DOTALL)
    assert match is not None, "README lost its Neovim 0.7 snippet"
    return match.group(1)


def test_neovim_shows_the_servers_diagnostics(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "train.py").write_text(CODE)
    init = tmp_path / "init.lua"
    init.write_text(readme_snippet())
    probe = tmp_path / "probe.lua"
    probe.write_text(PROBE)
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        # The snippet runs `prnglint` from PATH, as it would for a user of this environment.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRNGLINT_PROBE_OUT": str(out),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [NVIM, "--headless", "-u", str(init), "-i", "NONE", "train.py", "-c", f"luafile {probe}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), f"nvim wrote nothing (status {done.returncode}): {done.stdout}\n{done.stderr}"
    result = json.loads(out.read_text())
    assert result["clients"] == ["prnglint"]
    assert result["ok"], result
    [diagnostic] = result["diagnostics"]
    assert diagnostic["code"] == "PRN003"
    assert diagnostic["source"] == "prnglint"
    assert diagnostic["severity"] == 2  # vim.diagnostic.severity.WARN
    line = CODE.splitlines()[5]
    assert (diagnostic["lnum"], diagnostic["col"], diagnostic["end_col"]) == (5, line.index("uniform(key") + 8, line.index("uniform(key") + 11)
    assert "consumed again" in diagnostic["message"]
