"""The server's incremental reparse gives exactly the tree, positions and findings of a fresh parse."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import PositionProvider, WhitespaceInclusivePositionProvider

from prnglint.engine import lint_source, positions
from prnglint.registry import rule_infos
from prnglint.server.analysis import lint_text
from prnglint.server.incremental import parse, reparse
from prnglint.source import SourceFile

ROOT = Path(__file__).resolve().parents[2]
# Real code of this repository: the rules (long functions, decorators, docstrings) and the fixtures (JAX code).
FILES = sorted([*(p for p in ROOT.glob("fixtures/*.py") if p.name != "__init__.py"), ROOT / "rules/key_default.py", ROOT / "prnglint/notebook.py"])

SNIPPETS = ["x = 1\n", "    y = 2\n", "def g():\n", "# note\n", "\n", "class C:\n    pass\n", "    # indented\n", "@decorator\n", '"""\n', "(\n"]


def edit(text: str, rng: random.Random) -> str:
    """One random edit of the kinds typing makes: a character in or out, a line in or out, an indent."""
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    kind = rng.randrange(6)
    if kind == 0:
        j = rng.randrange(len(lines[i]))
        lines[i] = lines[i][:j] + rng.choice("x1 (),:#'\"\n\\") + lines[i][j:]
    elif kind == 1:
        j = rng.randrange(len(lines[i]))
        lines[i] = lines[i][:j] + lines[i][j + 1 :]
    elif kind == 2:
        lines.insert(i, rng.choice(SNIPPETS))
    elif kind == 3:
        del lines[i]
    elif kind == 4:
        lines.insert(i, lines[i])
    else:
        lines[i] = "    " + lines[i]
    return "".join(lines)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_reparse_equals_a_full_parse_node_for_node_and_position_for_position(path):
    rng = random.Random(path.name)
    text = path.read_text(encoding="utf-8")
    tree = parse(text)
    assert tree is not None
    reused = 0
    for _ in range(12):
        new = edit(text, rng)
        try:
            full = cst.parse_module(new)
        except cst.ParserSyntaxError:
            full = None
        got = reparse(tree, new)
        if full is None:
            assert got is None
            continue  # the editor's next text starts again from the last good tree
        if got is None:
            text, tree = new, parse(new)
            if tree is None:
                break
            continue
        reused += any(a is b for a, b in zip(got.chunks, tree.chunks))
        assert got.module.deep_equals(full)
        assert got.module.code == new
        syntactic, inclusive = positions(got.module)
        metadata = got.parsed().metadata
        mine, mine_inclusive = metadata[PositionProvider], metadata[WhitespaceInclusivePositionProvider]
        assert all(mine[node] == span for node, span in syntactic.items())
        assert all(mine_inclusive[node] == span for node, span in inclusive.items())
        text, tree = new, got
    if len(tree.module.body) > 10:
        assert reused, "no edit reused a statement: the reparse is never incremental"


def test_an_edit_in_the_middle_reparses_only_the_statements_around_it():
    text = "import jax\n\n\n" + "".join(f"def f{i}(key):\n    return jax.random.normal(key)\n\n\n" for i in range(50))
    tree = parse(text)
    new = text.replace("def f25(key):\n    return jax.random.normal(key)", "def f25(key):\n    return jax.random.uniform(key)")
    again = reparse(tree, new)
    same = [a is b for a, b in zip(tree.chunks, again.chunks)]
    assert same.count(False) == 3  # f24, f25, f26
    assert again.module.deep_equals(cst.parse_module(new))


@pytest.mark.parametrize("path", sorted(p for p in ROOT.glob("fixtures/*.py") if p.name != "__init__.py"), ids=lambda p: p.name)
def test_findings_after_edits_equal_a_fresh_lint(path):
    rng = random.Random(path.name + "lint")
    rules = rule_infos()
    text = path.read_text(encoding="utf-8")
    outcome, tree = lint_text(path.name, text, rules, {})
    for _ in range(8):
        text = edit(text, rng)
        outcome, tree = lint_text(path.name, text, rules, {}, previous=tree)
        fresh = lint_source(SourceFile(path.name, text), rules, {})
        shape = lambda ds: [(d.code, d.message, d.location, d.end_location, d.fix, d.related) for d in ds]  # noqa: E731
        assert shape(outcome.diagnostics) == shape(fresh)
