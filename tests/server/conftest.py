"""Drive `prnglint server` through pytest-lsp, as an editor would."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the server extra is not installed: pip install -e '.[server]'")
pytest_lsp = pytest.importorskip("pytest_lsp", reason="pytest-lsp is not installed (the dev extra)")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

SERVER = [sys.executable, "-m", "prnglint", "server"]


def capabilities(*, pull: bool = False, notebooks: bool = False, watch: bool = False) -> types.ClientCapabilities:
    """What the test client says it can do."""
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True),
            diagnostic=types.DiagnosticClientCapabilities(related_document_support=False) if pull else None,
            code_action=types.CodeActionClientCapabilities(),
        ),
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=watch),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None,
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        )
        if notebooks
        else None,
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    """A client connected to a fresh server, with an empty workspace folder (`client.root`)."""
    root = tmp_path_factory.mktemp("workspace")
    lsp_client.root = root  # type: ignore[attr-defined]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(notebooks=True),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")],
            initialization_options={"debounce": 0.01},
        )
    )
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


async def wait_for_diagnostics(client: LanguageClient, uri: str, predicate=lambda ds: True, timeout: float = 20.0):
    """The diagnostics published for `uri` once `predicate` accepts them."""
    async def wait():
        while True:
            found = client.diagnostics.get(uri)
            if found is not None and predicate(found):
                return found
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(wait(), timeout)


def offset_of(text: str, position: types.Position) -> int:
    """The index in `text` of an LSP position (UTF-16 columns, the protocol's default)."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return offset + index
        units += len(char.encode("utf-16-le")) // 2
    return offset + len(line.rstrip("\r\n")) if position.line < len(lines) else offset


def apply_text_edits(text: str, edits) -> str:
    """Apply LSP text edits as an editor does (all positions refer to the text before any edit)."""
    spans = sorted(((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_for(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    """The edits a code action makes to document `uri`."""
    edit = action.edit
    assert edit is not None
    found: list[types.TextEdit] = []
    for change in edit.document_changes or ():
        if change.text_document.uri == uri:
            found.extend(change.edits)
    for change_uri, edits in (edit.changes or {}).items():
        if change_uri == uri:
            found.extend(edits)
    return found


def open_file(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    """Write `text` to `path`, open it in the client, and return its URI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text))
    )
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    """Send a change that replaces the whole document."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
