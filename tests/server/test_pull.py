"""Pull diagnostics (`textDocument/diagnostic`) for a client that asks for them, instead of pushed ones."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.server.conftest import SERVER, capabilities, open_file, replace_all

pytestmark = pytest.mark.asyncio

REUSE = """\
import jax


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def puller(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("workspace")
    lsp_client.root = root  # type: ignore[attr-defined]
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(pull=True), root_uri=root.as_uri())
    )
    lsp_client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def pull(client, uri, previous=None):
    return await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri), previous_result_id=previous)
    )


async def test_a_pulling_client_gets_diagnostics_on_request_and_none_pushed(puller):
    client = puller
    assert client.server_capabilities.diagnostic_provider.identifier == "prnglint"
    uri = open_file(client, client.root / "train.py", REUSE)
    report = await pull(client, uri)
    assert report.kind == "full"
    [diagnostic] = report.items
    assert diagnostic.code == "PRN003"
    assert diagnostic.related_information[0].message.startswith("first consumed here")
    # Nothing changed: the same result id comes back as unchanged.
    again = await pull(client, uri, report.result_id)
    assert again.kind == "unchanged" and again.result_id == report.result_id
    replace_all(client, uri, REUSE.replace("uniform(key", "uniform(other"), version=2)
    changed = await pull(client, uri, report.result_id)
    assert changed.kind == "full" and list(changed.items) == []
    assert uri not in client.diagnostics


async def test_a_configuration_change_asks_the_client_to_pull_again(puller):
    client = puller
    uri = open_file(client, client.root / "train.py", REUSE)
    assert len((await pull(client, uri)).items) == 1
    config = client.root / "pyproject.toml"
    config.write_text('[tool.prnglint]\nignore = ["PRN003"]\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(config.as_uri())))
    for _ in range(200):
        if client.diagnostic_refresh_count:
            break
        await __import__("asyncio").sleep(0.05)
    assert client.diagnostic_refresh_count == 1
    assert list((await pull(client, uri)).items) == []
