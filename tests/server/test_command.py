"""The `prnglint server` command itself: what it says without its extra, where --help mentions it."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.server.conftest import SERVER


def test_without_pygls_the_command_says_how_to_install_it(tmp_path):
    # A module named like the missing package that cannot be found stands for an environment without it.
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('pygls', 'lsprotocol'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(SERVER, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 2
    assert "pip install 'prnglint[server]'" in done.stderr
    assert done.stdout == ""


def test_help_lists_the_server_command():
    done = subprocess.run([sys.executable, "-m", "prnglint", "--help"], capture_output=True, text=True, timeout=60)
    assert "prnglint server" in done.stdout
