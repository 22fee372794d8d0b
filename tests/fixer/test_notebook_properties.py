"""Properties of `--fix --unsafe-fixes` on generated notebooks.

The programs of `test_properties` (hypothesmith code with anti-patterns
spliced in, and the clean fixtures with anti-patterns injected) are cut at
top-level statements into code cells, with a markdown cell, an IPython magic
and a cell output thrown in. For every notebook:

- the fixer reports no error and the result is still a notebook with the same
  cells, in the same order, of the same types, with the same outputs and
  metadata; markdown cells and magic lines are left as they were;
- every code cell still parses on its own (magics aside), and the program the
  cells make together compiles when the original did;
- a second run changes nothing.
"""

from __future__ import annotations

import ast
import json

import hypothesis.strategies as st
import libcst as cst
import pytest
from hypothesis import given, settings

from prnglint.notebook import fix_notebook_bytes
from tests.fixer.test_properties import _SETTINGS, RULES, injected_fixtures, spliced_programs

MAGIC = "%matplotlib inline"
OUTPUT = {"output_type": "stream", "name": "stdout", "text": ["kept as it was\n"]}


def _statements(program: str) -> list[str]:
    """The program's top-level statements, each with the blank lines and comments before it."""
    module = cst.parse_module(program)
    pieces = [module.code_for_node(statement) for statement in module.body]
    if module.header and pieces:
        pieces[0] = "".join(line.whitespace + (line.comment.value if line.comment else "") + "\n" for line in module.header) + pieces[0]
    return pieces


@st.composite
def notebooks(draw: st.DrawFn, programs: st.SearchStrategy[str]) -> tuple[bytes, str]:
    program = draw(programs).replace("\r\n", "\n")
    pieces = _statements(program)
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(pieces) - 1)), max_size=5))))
    chunks = [pieces[a:b] for a, b in zip([0, *cuts], [*cuts, len(pieces)]) if pieces[a:b]]
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {"n": index}, "outputs": [], "source": "".join(chunk)}
        for index, chunk in enumerate(chunks)
    ]
    magic_at = draw(st.integers(0, len(cells) - 1))
    cells[magic_at]["source"] = MAGIC + "\n" + cells[magic_at]["source"]
    cells[draw(st.integers(0, len(cells) - 1))]["outputs"] = [OUTPUT]
    cells.insert(draw(st.integers(0, len(cells))), {"cell_type": "markdown", "metadata": {}, "source": "# Notes\n"})
    document = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1).encode("utf-8"), program


def _code(source: str) -> str:
    # A blank line keeps a `from __future__` import that follows the magic first.
    return "".join("\n" if line.startswith("%") else line for line in source.splitlines(keepends=True))


def _compiles(text: str) -> bool:
    try:
        compile(text, "generated.py", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _check(raw: bytes, program: str) -> None:
    outcome = fix_notebook_bytes(raw, "generated.ipynb", RULES, {}, unsafe=True)
    errors = [d for d in outcome.diagnostics if d.code.startswith("E")]
    assert not errors, [f"{d.code} {d.message}" for d in errors]
    after = outcome.after
    assert after is not None
    before_cells = json.loads(raw)["cells"]
    after_cells = json.loads(after)["cells"]
    assert [c["cell_type"] for c in after_cells] == [c["cell_type"] for c in before_cells]
    for old, new in zip(before_cells, after_cells):
        assert {k: v for k, v in new.items() if k != "source"} == {k: v for k, v in old.items() if k != "source"}
        source = "".join(new["source"]) if isinstance(new["source"], list) else new["source"]
        if old["cell_type"] != "code":
            assert source == old["source"]
            continue
        if old["source"].startswith(MAGIC):
            assert source.startswith(MAGIC + "\n")
        ast.parse(_code(source))
    joined = "".join(_code("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
                     for c in after_cells if c["cell_type"] == "code")
    if _compiles(program):
        assert _compiles(joined)
    again = fix_notebook_bytes(after.encode("utf-8"), "generated.ipynb", RULES, {}, unsafe=True)
    assert not again.applied
    assert again.after == after


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=80, **_SETTINGS)
@given(notebooks(spliced_programs()))
def test_fixing_hypothesmith_notebooks_is_safe_and_idempotent(case: tuple[bytes, str]) -> None:
    _check(*case)


@pytest.mark.slow
@settings(max_examples=40, **_SETTINGS)
@given(notebooks(injected_fixtures()))
def test_fixing_injected_fixture_notebooks_is_safe_and_idempotent(case: tuple[bytes, str]) -> None:
    _check(*case)
