"""A rule that crashes, a file that does not parse: the server says so and goes on; it never imports JAX."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.server.conftest import capabilities, open_file, replace_all, wait_for_diagnostics

pytestmark = pytest.mark.asyncio

GUARDED = [sys.executable, str(Path(__file__).with_name("guarded_server.py"))]

BOTH = """\
import jax

# BREAK_PRN002


def init(shape, key=jax.random.key(0)):
    return jax.random.normal(key, shape)


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=GUARDED))
async def guarded(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("workspace")
    lsp_client.root = root  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(notebooks=True), root_uri=root.as_uri(), initialization_options={"debounce": 0.01})
    )
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


async def test_a_rule_that_crashes_is_logged_and_the_other_rules_still_report(guarded):
    client = guarded
    path = client.root / "train.py"
    uri = open_file(client, path, BOTH)
    found = await wait_for_diagnostics(client, uri, lambda ds: len(ds) > 0)
    assert sorted(d.code for d in found) == ["E000", "PRN003"]
    [error] = [d for d in found if d.code == "E000"]
    assert error.severity == types.DiagnosticSeverity.Error
    assert "rule PRN002 failed" in error.message and "findings are missing" in error.message
    [logged] = [m for m in client.log_messages if "PRN002" in m.message]
    assert logged.type == types.MessageType.Error
    assert "RuntimeError: a bug planted in PRN002 by the test" in logged.message
    assert "Traceback" in logged.message
    # Without the trigger the same rule works again.
    replace_all(client, uri, BOTH.replace("# BREAK_PRN002\n", ""), version=2)
    found = await wait_for_diagnostics(client, uri, lambda ds: "E000" not in {d.code for d in ds})
    assert sorted(d.code for d in found) == ["PRN002", "PRN003"]


async def test_linting_fixing_and_hovering_never_import_jax_nor_write_files(guarded):
    client = guarded
    path = client.root / "train.py"
    text = BOTH.replace("# BREAK_PRN002\n", "")
    uri = open_file(client, path, text)
    found = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 2)
    before = path.stat().st_mtime_ns
    for diagnostic in found:
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri), range=diagnostic.range, context=types.CodeActionContext(diagnostics=[diagnostic])
            )
        )
        await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), diagnostic.range.start))
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 2)
    assert path.read_text() == text and path.stat().st_mtime_ns == before
    assert sorted(p.name for p in client.root.iterdir()) == ["train.py"]
    await client.shutdown_session()
    # Status 17 would mean the guard caught an import of jax, flax or equinox.
    assert client._server.returncode == 0


async def test_garbage_and_deep_nesting_do_not_take_the_server_down(guarded):
    client = guarded
    nested = "import jax\nx = " + "(" * 3000 + "1" + ")" * 3000 + "\njax.random.key(0)\n"
    weird = "import jax\njax.random.key(0)\n\x00\x01 def (:\n"
    uris = [open_file(client, client.root / f"f{i}.py", text) for i, text in enumerate([nested, weird])]
    for uri in uris:
        await wait_for_diagnostics(client, uri)
    assert [d.code for d in client.diagnostics[uris[1]]] == ["E999"]
    good = open_file(client, client.root / "good.py", BOTH.replace("# BREAK_PRN002\n", ""))
    assert len(await wait_for_diagnostics(client, good, lambda ds: len(ds) == 2)) == 2
