"""`prnglint server` pushes diagnostics on open, change and save, as the command line finds them."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.server.conftest import open_file, replace_all, wait_for_diagnostics

pytestmark = pytest.mark.asyncio

REUSE = """\
import jax


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b
"""

CLEAN = """\
import jax


def sample(key):
    key, sub = jax.random.split(key)
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(sub, (3,))
    return a + b
"""


def span_of(text: str, line: int, before: str, word: str) -> types.Range:
    """The range of `word` where it follows `before` on 0-based `line` (all ASCII: columns are characters)."""
    start = text.splitlines()[line].index(before + word) + len(before)
    return types.Range(types.Position(line, start), types.Position(line, start + len(word)))


async def test_open_publishes_the_finding_with_code_link_range_and_first_consumption(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) > 0)
    assert diagnostic.code == "PRN003"
    assert diagnostic.source == "prnglint"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.code_description.href.endswith("docs/rules.md#prn003")
    assert "consumed again" in diagnostic.message
    # `key` in `jax.random.uniform(key, ...)` on line 6, first consumed by `normal` on line 5.
    assert diagnostic.range == span_of(REUSE, 5, "uniform(", "key")
    [related] = diagnostic.related_information
    assert related.location.uri == uri
    assert related.location.range == span_of(REUSE, 4, "normal(", "key")
    assert "first consumed here by `jax.random.normal`" in related.message


async def test_change_relints_the_latest_text_and_clears_fixed_findings(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    replace_all(client, uri, CLEAN, version=2)
    assert await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 0) == ()
    # An incremental change: put the reuse back by renaming `sub` to `key` on line 7.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=span_of(CLEAN, 6, "uniform(", "sub"), text="key"
                )
            ],
        )
    )
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    assert diagnostic.range == span_of(CLEAN.replace("uniform(sub", "uniform(key"), 6, "uniform(", "key")


async def test_a_burst_of_changes_ends_with_the_diagnostics_of_the_last_text(client):
    uri = open_file(client, client.root / "train.py", CLEAN)
    await wait_for_diagnostics(client, uri)
    texts = [REUSE, CLEAN, REUSE, CLEAN, REUSE]
    for version, text in enumerate(texts, start=2):
        replace_all(client, uri, text, version)
    found = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    assert [d.code for d in found] == ["PRN003"]


async def test_save_publishes_again(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    del client.diagnostics[uri]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    [diagnostic] = await wait_for_diagnostics(client, uri)
    assert diagnostic.code == "PRN003"


async def test_a_syntax_error_is_published_and_the_server_lives_on(client):
    uri = open_file(client, client.root / "broken.py", "import jax\njax.random.key(0\n")
    [error] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) > 0)
    assert error.code == "E999"
    assert error.severity == types.DiagnosticSeverity.Error
    assert error.message.startswith("syntax error")
    replace_all(client, uri, REUSE, version=2)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: [d.code for d in ds] == ["PRN003"])
    assert diagnostic.code == "PRN003"


async def test_closing_a_document_clears_its_diagnostics(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 0) == ()


async def test_columns_count_utf16_code_units(client):
    # An emoji is one code point but two UTF-16 units: the range must count units.
    text = REUSE.replace("    b = jax.random.uniform(key", "    b = '😀' and jax.random.uniform(key")
    uri = open_file(client, client.root / "train.py", text)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    line = text.splitlines()[5]
    start = len(line[: line.index("uniform(key") + len("uniform(")].encode("utf-16-le")) // 2
    assert diagnostic.range.start == types.Position(5, start)
    assert diagnostic.range.end == types.Position(5, start + 3)


async def test_non_python_documents_are_left_alone(client):
    path = client.root / "notes.md"
    path.write_text("jax.random.key(0)\n")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=path.as_uri(), language_id="markdown", version=1, text="x"))
    )
    # A Python file opened afterwards gets its diagnostics; the markdown file never gets any.
    uri = open_file(client, client.root / "train.py", REUSE)
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    assert path.as_uri() not in client.diagnostics


async def test_shutdown_then_exit_ends_the_server_with_status_0(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    await client.shutdown_session()
    assert client._server.returncode == 0
