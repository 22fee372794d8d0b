"""Configuration: found for each document as `prnglint PATH` finds it; changes re-lint the open documents."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lsprotocol import types

from tests.server.conftest import open_file, wait_for_diagnostics

pytestmark = pytest.mark.asyncio

# PRN003 twice, and a legacy PRNGKey (PRN005, off by default).
CODE = """\
import jax


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b


def seed():
    return jax.random.PRNGKey(0)
"""


def codes(diagnostics) -> list[str]:
    return sorted(d.code for d in diagnostics)


def cli_codes(path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "prnglint", "--no-cache", "--output-format", "json", str(path)],
        capture_output=True,
        text=True,
        cwd=path.parent,
        timeout=120,
    )
    return sorted(d["code"] for d in json.loads(done.stdout))


async def test_each_file_gets_the_nearest_configuration_as_on_the_command_line(client):
    root = client.root
    (root / "a").mkdir()
    (root / "a" / "pyproject.toml").write_text('[tool.prnglint]\nextend-select = ["PRN005"]\n')
    # A pyproject.toml without a [tool.prnglint] table is passed over, as the command line does.
    (root / "a" / "pkg").mkdir()
    (root / "a" / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    (root / "b").mkdir()
    (root / "b" / "pyproject.toml").write_text('[tool.prnglint]\nignore = ["PRN003"]\nextend-select = ["PRN005"]\n')
    expected = {"a/pkg/train.py": ["PRN003", "PRN005"], "b/train.py": ["PRN005"], "c/train.py": ["PRN003"]}
    for relative, wanted in expected.items():
        path = root / relative
        uri = open_file(client, path, CODE)
        found = await wait_for_diagnostics(client, uri)
        assert codes(found) == wanted == cli_codes(path), relative


async def test_per_file_ignores_and_exclusions_apply(client):
    root = client.root
    (root / "pyproject.toml").write_text(
        '[tool.prnglint]\nper-file-ignores = { "tests/*" = ["PRN003"] }\nextend-exclude = ["generated"]\n'
    )
    assert codes(await wait_for_diagnostics(client, open_file(client, root / "tests" / "test_train.py", CODE))) == []
    assert codes(await wait_for_diagnostics(client, open_file(client, root / "src" / "train.py", CODE))) == ["PRN003"]
    excluded = open_file(client, root / "generated" / "train.py", CODE)
    assert codes(await wait_for_diagnostics(client, excluded)) == []
    assert any("excluded by the configuration" in m.message for m in client.log_messages)


async def test_saving_pyproject_toml_relints_the_open_files(client):
    root = client.root
    config = root / "pyproject.toml"
    config.write_text('[tool.prnglint]\nignore = ["PRN003"]\n')
    uri = open_file(client, root / "train.py", CODE)
    assert codes(await wait_for_diagnostics(client, uri)) == []
    config.write_text('[tool.prnglint]\nextend-select = ["PRN005"]\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(config.as_uri())))
    assert codes(await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 2)) == ["PRN003", "PRN005"]


async def test_a_watched_change_to_pyproject_toml_relints_the_open_files(client):
    root = client.root
    config = root / "pyproject.toml"
    uri = open_file(client, root / "train.py", CODE)
    assert codes(await wait_for_diagnostics(client, uri)) == ["PRN003"]
    config.write_text('[tool.prnglint]\nselect = ["PRN005"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Created)])
    )
    assert codes(await wait_for_diagnostics(client, uri, lambda ds: codes(ds) == ["PRN005"])) == ["PRN005"]


async def test_a_broken_configuration_is_an_error_on_the_file_never_a_clean_result(client):
    root = client.root
    (root / "pyproject.toml").write_text('[tool.prnglint]\nslect = ["PRN003"]\n')
    uri = open_file(client, root / "train.py", CODE)
    [error] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) > 0)
    assert error.severity == types.DiagnosticSeverity.Error
    assert "pyproject.toml" in error.message and "unknown key `slect`" in error.message
    assert error.range.start == types.Position(0, 0)
    assert any("unknown key `slect`" in m.message for m in client.messages)
