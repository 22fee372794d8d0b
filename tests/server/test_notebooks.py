"""Notebooks synchronised with `notebookDocument/*` are linted as one program, as the command line lints them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lsprotocol import types

from tests.server.conftest import apply_text_edits, edits_for, wait_for_diagnostics

pytestmark = pytest.mark.asyncio

CELLS = [
    (types.NotebookCellKind.Code, "import jax\nkey = jax.random.key(0)\nx = jax.random.normal(key)\n"),
    (types.NotebookCellKind.Markup, "# The same key, later"),
    (types.NotebookCellKind.Code, "%matplotlib inline\ny = jax.random.uniform(key)\n"),
]


def cell_uri(notebook, index: int) -> str:
    return f"vscode-notebook-cell:{notebook}#cell{index}"


def open_notebook(client, path, cells=CELLS) -> tuple[str, list[str]]:
    uri = path.as_uri()
    uris = [cell_uri(path, index) for index in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=kind, document=u) for (kind, _), u in zip(cells, uris)],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=u, language_id="python" if kind == types.NotebookCellKind.Code else "markdown", version=1, text=text)
                for (kind, text), u in zip(cells, uris)
            ],
        )
    )
    return uri, uris


async def test_a_key_reused_across_cells_is_found_in_the_later_cell_pointing_at_the_first(client):
    _, uris = open_notebook(client, client.root / "train.ipynb")
    [diagnostic] = await wait_for_diagnostics(client, uris[2], lambda ds: len(ds) == 1)
    assert diagnostic.code == "PRN003"
    # Row 2 of cell 3 (the magic stays in its place: rows count within the cell).
    assert diagnostic.range == types.Range(types.Position(1, 23), types.Position(1, 26))
    [related] = diagnostic.related_information
    assert related.location.uri == uris[0]
    assert related.location.range == types.Range(types.Position(2, 22), types.Position(2, 25))
    # The first cell has nothing of its own to report (PRN001 does not apply to notebooks).
    assert list(await wait_for_diagnostics(client, uris[0])) == []


async def test_the_same_notebook_on_disk_gets_the_same_finding_from_the_command_line(client):
    path = client.root / "train.ipynb"
    notebook = {
        "cells": [
            {"cell_type": "code" if kind == types.NotebookCellKind.Code else "markdown", "metadata": {}, "source": text, "outputs": [], "execution_count": None}
            if kind == types.NotebookCellKind.Code
            else {"cell_type": "markdown", "metadata": {}, "source": text}
            for kind, text in CELLS
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))
    done = subprocess.run(
        [sys.executable, "-m", "prnglint", "--no-cache", "--output-format", "json", str(path)], capture_output=True, text=True, timeout=120
    )
    [expected] = json.loads(done.stdout)
    _, uris = open_notebook(client, path)
    [diagnostic] = await wait_for_diagnostics(client, uris[expected["cell"] - 1], lambda ds: len(ds) == 1)
    assert (diagnostic.code, diagnostic.message) == (expected["code"], expected["message"])
    assert diagnostic.range.start == types.Position(expected["location"]["row"] - 1, expected["location"]["column"] - 1)


async def test_editing_a_cell_relints_the_notebook_and_the_fix_applies_in_the_cell(client):
    uri, uris = open_notebook(client, client.root / "train.ipynb")
    [diagnostic] = await wait_for_diagnostics(client, uris[2], lambda ds: len(ds) == 1)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uris[2]),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    titles = [a.title for a in actions]
    assert "Suppress PRN003 on this line (# noqa: PRN003)" in titles
    [noqa] = [a for a in actions if "noqa" in a.title]
    silenced = apply_text_edits(CELLS[2][1], edits_for(noqa, uris[2]))
    assert silenced == "%matplotlib inline\ny = jax.random.uniform(key)  # noqa: PRN003\n"
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=uris[2], version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=silenced)],
                        )
                    ]
                )
            ),
        )
    )
    assert list(await wait_for_diagnostics(client, uris[2], lambda ds: len(ds) == 0)) == []


async def test_a_new_cell_joins_the_program(client):
    uri, uris = open_notebook(client, client.root / "train.ipynb", CELLS[:1])
    assert list(await wait_for_diagnostics(client, uris[0])) == []
    new = cell_uri(client.root / "train.ipynb", 9)
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(
                            start=1, delete_count=0, cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=new)]
                        ),
                        did_open=[types.TextDocumentItem(uri=new, language_id="python", version=1, text="z = jax.random.normal(key)\n")],
                    )
                )
            ),
        )
    )
    [diagnostic] = await wait_for_diagnostics(client, new, lambda ds: len(ds) == 1)
    assert diagnostic.code == "PRN003"
    assert diagnostic.related_information[0].location.uri == uris[0]
