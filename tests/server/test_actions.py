"""Code actions and hover: quick fixes, fix all safe, `# noqa`, the rule's documentation."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from lsprotocol import types

from tests.server.conftest import apply_text_edits, edits_for, open_file, replace_all, wait_for_diagnostics

pytestmark = pytest.mark.asyncio

REUSE = """\
import jax


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b
"""

# PRN002 (unsafe fix: callers change) and PRN003 (safe fix) in one file.
BOTH = """\
import jax


def init(shape, key=jax.random.key(0)):
    return jax.random.normal(key, shape)


def sample(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))
    return a + b
"""


async def actions_at(client, uri: str, diagnostic: types.Diagnostic, only=None) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
        )
    )


async def test_the_quick_fix_applied_by_the_client_clears_the_finding(client):
    path = client.root / "train.py"
    uri = open_file(client, path, REUSE)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    actions = await actions_at(client, uri, diagnostic)
    [fix] = [a for a in actions if a.title.startswith("PRN003:")]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred
    assert "unsafe" not in fix.title
    assert fix.diagnostics[0].code == "PRN003"
    # The edit names the version it was computed for, so a client refuses it on a changed buffer.
    assert fix.edit.document_changes[0].text_document.version == 1
    fixed = apply_text_edits(REUSE, edits_for(fix, uri))
    assert fixed != REUSE
    assert "jax.random.split(key)" in fixed
    replace_all(client, uri, fixed, version=2)
    assert await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 0) == ()
    # The server proposes edits; it never writes the file.
    assert path.read_text() == REUSE


async def test_an_unsafe_fix_says_so_and_is_not_preferred(client):
    uri = open_file(client, client.root / "train.py", BOTH)
    found = await wait_for_diagnostics(client, uri, lambda ds: {d.code for d in ds} == {"PRN002", "PRN003"})
    default = next(d for d in found if d.code == "PRN002")
    [fix] = [a for a in await actions_at(client, uri, default) if a.title.startswith("PRN002:")]
    assert "unsafe" in fix.title
    assert not fix.is_preferred
    assert "def init(shape, *, key):" in apply_text_edits(BOTH, edits_for(fix, uri))


async def test_suppress_with_noqa_silences_exactly_that_rule_on_that_line(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    [noqa] = [a for a in await actions_at(client, uri, diagnostic) if "noqa" in a.title]
    assert noqa.title == "Suppress PRN003 on this line (# noqa: PRN003)"
    silenced = apply_text_edits(REUSE, edits_for(noqa, uri))
    assert silenced.splitlines()[5] == "    b = jax.random.uniform(key, (3,))  # noqa: PRN003"
    replace_all(client, uri, silenced, version=2)
    assert await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 0) == ()


async def test_noqa_adds_to_an_existing_noqa_comment(client):
    text = REUSE.replace("uniform(key, (3,))", "uniform(key, (3,))  # noqa: PRN001")
    uri = open_file(client, client.root / "train.py", text)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    [noqa] = [a for a in await actions_at(client, uri, diagnostic) if "noqa" in a.title]
    assert apply_text_edits(text, edits_for(noqa, uri)).splitlines()[5].endswith("# noqa: PRN001, PRN003")


async def test_fix_all_equals_prnglint_fix(client, tmp_path):
    uri = open_file(client, client.root / "train.py", BOTH)
    found = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 2)
    actions = await actions_at(client, uri, found[0], only=[types.CodeActionKind.SourceFixAll])
    [fix_all] = actions
    assert fix_all.kind == "source.fixAll.prnglint"
    in_editor = apply_text_edits(BOTH, edits_for(fix_all, uri))
    # The command line's --fix on a copy of the file: safe fixes only, so PRN002's default stays.
    copy = tmp_path / "train.py"
    copy.write_text(BOTH)
    subprocess.run([sys.executable, "-m", "prnglint", "--fix", "--no-cache", str(copy)], capture_output=True, cwd=tmp_path, timeout=120)
    assert in_editor == copy.read_text()
    assert in_editor != BOTH
    assert "key=jax.random.key(0)" in in_editor


async def test_only_quickfix_leaves_out_fix_all_and_a_clean_file_offers_nothing(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    kinds = {a.kind for a in await actions_at(client, uri, diagnostic, only=[types.CodeActionKind.QuickFix])}
    assert kinds == {types.CodeActionKind.QuickFix}
    clean = "import jax\n\nkey = 1\n"
    replace_all(client, uri, clean, version=2)
    await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 0)
    nothing = types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(2, 0)), message="")
    assert list(await actions_at(client, uri, nothing)) == []


async def test_hover_on_a_finding_shows_the_rule_documentation(client):
    uri = open_file(client, client.root / "train.py", REUSE)
    [diagnostic] = await wait_for_diagnostics(client, uri, lambda ds: len(ds) == 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri), position=diagnostic.range.start)
    )
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert text.startswith("# PRN003 key-reuse")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in text
    assert "docs/rules.md#prn003" in text
    assert hover.range == diagnostic.range
    # Away from any finding there is nothing to show.
    elsewhere = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri), position=types.Position(0, 0))
    )
    assert elsewhere is None
