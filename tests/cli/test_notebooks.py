"""Jupyter notebooks: cells linted as one program, findings per cell, fixes written back in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from prnglint.notebook import Notebook, NotebookError, build_program, fixed_cell_sources
from prnglint.registry import rules_by_code


def code(source: str | list[str], outputs: list[dict[str, Any]] | None = None, count: int | None = None) -> dict[str, Any]:
    """A code cell; a string source is split into lines as Jupyter stores it."""
    lines = source.splitlines(keepends=True) if isinstance(source, str) else source
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": outputs or [], "source": lines}


def markdown(source: str) -> dict[str, Any]:
    """A markdown cell."""
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(keepends=True)}


def notebook(*cells: dict[str, Any], language: str = "python") -> dict[str, Any]:
    """A notebook document as nbformat 4 lays it out."""
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"},
            "language_info": {"name": language, "version": "3.11.7"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def save(path: Path, document: dict[str, Any], **dump: Any) -> Path:
    """Write as Jupyter does (indent 1, sorted keys, UTF-8, final newline) unless `dump` says otherwise."""
    options = {"indent": 1, "sort_keys": True, "ensure_ascii": False, **dump}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, **options) + "\n", encoding="utf-8")
    return path


def concise(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": PRN" in line or ": E9" in line]


OUTPUT = {"name": "stdout", "output_type": "stream", "text": ["résumé ✓\n"]}


# --- one program, reported per cell -----------------------------------------------------


def test_cells_are_one_program_in_cell_order(run, tmp_path: Path) -> None:
    save(
        tmp_path / "nb.ipynb",
        notebook(
            code("import jax\nimport optax\nfrom flax import nnx\n"),
            markdown("# Training\nKEY = jax.random.key(0) is only prose here.\n"),
            code("DEFAULT_KEY = jax.random.key(0)"),
            code(""),
            code("def init(shape, key=DEFAULT_KEY):\n    return jax.random.normal(key, shape)\n"),
            code("optimizer = nnx.Optimizer(model, optax.adam(1e-3))"),
        ),
    )
    result = run("--output-format", "concise", "nb.ipynb")
    assert result.status == 1
    # PRN002 needs cell 3's module-level key, PRN004 needs cell 1's imports; PRN001
    # does not apply to notebooks, so cell 3 itself is not reported.
    assert concise(result.out) == [
        "nb.ipynb:cell 5:1:21: PRN002 `DEFAULT_KEY` is a key made at import time (cell 3, line 1), so this "
        "parameter default is the same key at every use; make it a required keyword-only argument",
        "nb.ipynb:cell 6:1:13: PRN004 `nnx.Optimizer` without `wrt=` raises TypeError since Flax 0.11: pass "
        "`wrt=nnx.Param` to optimise the parameters",
    ]


def test_prn001_applies_to_modules_but_not_to_notebooks(run, tmp_path: Path) -> None:
    body = "import jax\n\nKEY = jax.random.key(0)\n"
    (tmp_path / "module.py").write_text(body)
    save(tmp_path / "nb.ipynb", notebook(code(body)))
    result = run("--output-format", "concise", "--select", "PRN001", ".")
    assert concise(result.out) == [line for line in concise(result.out) if line.startswith("module.py:")]
    assert len(concise(result.out)) == 1
    assert "notebooks are not checked by this rule" in rules_by_code()["PRN001"].documentation()


def test_key_consumed_in_two_cells_is_prn003(run, tmp_path: Path) -> None:
    save(
        tmp_path / "nb.ipynb",
        notebook(
            code("import jax\nkey = jax.random.key(0)"),
            code("x = jax.random.normal(key, (3,))"),
            markdown("Some prose."),
            code("print(x)"),
            code("y = jax.random.uniform(key, (3,))"),
        ),
    )
    result = run("--output-format", "json", "--select", "PRN003", "nb.ipynb")
    items = json.loads(result.out)
    assert result.status == 1
    assert [(item["code"], item["cell"], item["location"]["row"]) for item in items] == [("PRN003", 5, 1)]
    assert "cell 2, line 1" in items[0]["message"]
    # Its fix edits two cells; both are written back, nothing else changes.
    before = json.loads((tmp_path / "nb.ipynb").read_text())
    fixed = run("--fix", "--unsafe-fixes", "--select", "PRN003", "nb.ipynb")
    assert fixed.status == 0, fixed.out
    after = json.loads((tmp_path / "nb.ipynb").read_text())
    changed = [i + 1 for i, (old, new) in enumerate(zip(before["cells"], after["cells"])) if old != new]
    assert changed == [2, 5]
    for cell in (1, 4):
        after["cells"][cell]["source"] = before["cells"][cell]["source"]
    assert after == before


def test_json_reports_cell_and_rows_within_it(run, tmp_path: Path) -> None:
    save(
        tmp_path / "nb.ipynb",
        notebook(
            markdown("intro"),
            code("import optax\nfrom flax import nnx\n"),
            code("model = make()\n\n\nopt = nnx.Optimizer(model, optax.sgd(0.1))  # ünïcode\n"),
        ),
    )
    [item] = json.loads(run("--output-format", "json", "nb.ipynb").out)
    assert item["cell"] == 3
    assert (item["location"], item["end_location"]) == ({"row": 4, "column": 7}, {"row": 4, "column": 43})
    assert item["noqa_row"] == 4
    [edit] = item["fix"]["edits"]
    assert edit["cell"] == 3 and edit["location"] == {"row": 4, "column": 7}


def test_github_annotation_points_at_the_line_of_the_notebook_file(run, tmp_path: Path) -> None:
    path = save(
        tmp_path / "nb.ipynb",
        notebook(code("import optax\nfrom flax import nnx\n"), code('s = "é"\nopt = nnx.Optimizer(m, optax.sgd(0.1))\n')),
        indent=2,
        ensure_ascii=True,
    )
    [line] = run("--output-format", "github", "nb.ipynb").out.splitlines()
    properties = dict(pair.split("=", 1) for pair in line.split("::")[1].split(" ", 1)[1].split(","))
    file_line = path.read_text().splitlines()[int(properties["line"]) - 1]
    start, end = int(properties["col"]) - 1, int(properties["endColumn"]) - 1
    assert properties["line"] == properties["endLine"]
    assert file_line[start:end] == "nnx.Optimizer(m, optax.sgd(0.1))"
    assert line.endswith("::cell 2, line 2, column 7: `nnx.Optimizer` without `wrt=` raises TypeError since Flax "
                         "0.11: pass `wrt=nnx.Param` to optimise the parameters")


# --- IPython syntax, empty and non-code cells ----------------------------------------------


def test_magics_shell_escapes_and_help_are_skipped_safely(run, tmp_path: Path) -> None:
    save(
        tmp_path / "nb.ipynb",
        notebook(
            code("%matplotlib inline\n!pip install -q optax\nimport optax\nfrom flax import nnx\n%load_ext autoreload"),
            code("files = !ls -la\nnnx.Optimizer?\n?nnx.Rngs\n%env XLA_FLAGS=--xla_force_host_platform_device_count=2"),
            code("%%bash\necho 'def (' && exit 1\n"),
            code("%%time\nslow = nnx.Optimizer(model, optax.sgd(0.1))\n"),
            code(
                "def train(model):\n"
                "    %time warmup()\n"
                "    !nvidia-smi \\\n"
                "        --query\n"
                "    total = (3\n"
                "             % 2)\n"
                '    doc = """\n'
                "%not a magic inside a string\n"
                "!nor this\n"
                '"""\n'
                "    return nnx.Optimizer(model, optax.sgd(0.1))\n"
            ),
        ),
    )
    result = run("--output-format", "json", "nb.ipynb")
    items = json.loads(result.out)
    assert result.status == 1, result.out
    assert [(i["code"], i["cell"], i["location"]["row"], i["location"]["column"]) for i in items] == [
        ("PRN004", 4, 2, 8),
        ("PRN004", 5, 11, 12),
    ]


def test_escape_placeholders_keep_rows_and_indentation() -> None:
    document = notebook(code("def f():\n    %time g()\n    return 1\n"), code("x = 1 % 2\n!ls\n"))
    nb = Notebook.parse(json.dumps(document).encode(), "nb.ipynb")
    program = build_program(nb)
    lines = program.text.splitlines()
    assert lines[1].startswith("    pass  #") and lines[2] == "    return 1"
    assert lines[4] == "x = 1 % 2" and lines[5].startswith("pass  #")
    assert program.origins == ((1, 1), (1, 2), (1, 3), None, (2, 1), (2, 2))
    assert program.magics == ("    %time g()\n", "!ls\n")


def test_only_the_start_of_a_logical_line_can_be_an_escape() -> None:
    cell = 'x = 1\n"""Is this right?\n!text, not a shell line\n"""\ny = (x\n     % 2)\njax.random.split?\nnp.*load*??\n'
    program = build_program(Notebook.parse(json.dumps(notebook(code(cell))).encode(), "nb.ipynb"))
    assert program.magics == ("jax.random.split?\n", "np.*load*??\n")
    compile(program.text, "program", "exec")


def test_empty_raw_and_markdown_only_notebooks_are_clean(run, tmp_path: Path) -> None:
    raw_cell = {"cell_type": "raw", "metadata": {}, "source": ["KEY = jax.random.key(0)\n"]}
    save(tmp_path / "empty.ipynb", notebook())
    save(tmp_path / "prose.ipynb", notebook(markdown("import jax"), raw_cell, code([]), code("   \n")))
    result = run("--output-format", "concise", ".")
    assert result.status == 0, result.out
    assert "All checks passed!" in result.out


def test_noqa_in_a_cell_suppresses(run, tmp_path: Path) -> None:
    save(
        tmp_path / "nb.ipynb",
        notebook(code("import optax\nfrom flax import nnx"), code("o = nnx.Optimizer(m, optax.sgd(1.0))  # noqa: PRN004")),
    )
    assert run("nb.ipynb").status == 0


def test_syntax_error_is_reported_in_its_cell(run, tmp_path: Path) -> None:
    save(tmp_path / "nb.ipynb", notebook(code("import jax"), markdown("x"), code("key = jax.random.key(0)\ndef broken(:\n")))
    result = run("--output-format", "json", "nb.ipynb")
    [item] = json.loads(result.out)
    assert result.status == 2
    assert (item["code"], item["cell"], item["location"]["row"]) == ("E999", 3, 2)


def test_unreadable_notebooks_are_errors_and_other_languages_are_skipped(run, tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "old.ipynb").write_text(json.dumps({"worksheets": [], "nbformat": 3}), encoding="utf-8")
    save(tmp_path / "r.ipynb", notebook(code("KEY <- 1; nnx.Optimizer(jax random)"), language="R"))
    result = run("--output-format", "concise", ".")
    assert result.status == 2
    lines = concise(result.out)
    assert lines[0].startswith("bad.ipynb:1:1: E902 cannot read: not a valid notebook: invalid JSON at line 1")
    assert lines[1].startswith("old.ipynb:1:1: E902 cannot read: nbformat 3 notebooks are not supported")
    assert len(lines) == 2


def test_notebooks_are_discovered_and_checkpoints_skipped(run, tmp_path: Path) -> None:
    body = notebook(code("import optax\nfrom flax import nnx\nnnx.Optimizer(m, optax.sgd(1.0))"))
    save(tmp_path / "work" / "nb.ipynb", body)
    save(tmp_path / "work" / ".ipynb_checkpoints" / "nb-checkpoint.ipynb", body)
    files = {line.split(":")[0] for line in concise(run("--output-format", "concise", ".").out)}
    assert files == {"work/nb.ipynb"}


# --- --fix writes back only the fixed cells --------------------------------------------------


def _fix_notebook() -> dict[str, Any]:
    return notebook(
        markdown("# Notes ✎\n"),
        code(
            "%matplotlib inline\nimport optax\nfrom flax.nnx import Optimizer",
            outputs=[OUTPUT],
            count=1,
        ),
        code([]),
        code("model = make()  # état", outputs=[{"output_type": "execute_result", "data": {"text/plain": ["1"]}, "metadata": {}, "execution_count": 2}], count=2),
        code("!echo ready\nopt = Optimizer(model, optax.adam(1e-3))\nprint('done')", count=3),
    )


STYLES = {
    "jupyter": {},
    "indent-2-unsorted-escaped": {"indent": 2, "sort_keys": False, "ensure_ascii": True},
    "compact": {"indent": None, "separators": (",", ":")},
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_fix_round_trip_changes_only_the_fixed_cell_sources(run, tmp_path: Path, style: str) -> None:
    document = _fix_notebook()
    path = save(tmp_path / "nb.ipynb", document, **STYLES[style])
    before = path.read_text(encoding="utf-8")
    result = run("--fix", "nb.ipynb")
    assert result.status == 0, result.out + result.err
    after = path.read_text(encoding="utf-8")
    fixed = json.loads(after)
    # The fix added `from flax import nnx` in cell 2 and `wrt=` in cell 5 ...
    assert "".join(fixed["cells"][1]["source"]) == "%matplotlib inline\nimport optax\nfrom flax import nnx\nfrom flax.nnx import Optimizer"
    assert "".join(fixed["cells"][4]["source"]) == "!echo ready\nopt = Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)\nprint('done')"
    # ... and nothing else of the document changed, down to the bytes.
    for cell in (1, 4):
        document["cells"][cell]["source"] = fixed["cells"][cell]["source"]
    assert path.read_text(encoding="utf-8") == json.dumps(document, **{"indent": 1, "sort_keys": True, "ensure_ascii": False, **STYLES[style]}) + "\n"
    # What follows the last rewritten line is the original's, byte for byte.
    assert after.endswith(before[before.index("print('done')") :])
    assert run("nb.ipynb").status == 0


HAND_WRITTEN = r"""{
    "nbformat": 4,
    "nbformat_minor": 2,
    "metadata": {"kernelspec": {"language": "python"}, "note": "caf\u00e9 \/ tab\t"},
    "cells": [
        {"cell_type": "code", "source": ["import optax\n", "from flax import nnx\n"], "outputs": [{"text": "r\u00e9sum\u00e9"}], "metadata": {}, "execution_count": 1},
        {
          "cell_type" : "code",
          "metadata" : { },
          "source" : [
              "o = nnx.Optimizer(m, optax.sgd(1.0))  # caf\u00e9"
          ],
          "outputs" : [ ],
          "execution_count" : null
        }
    ]
}"""


def test_fix_rewrites_one_string_literal_of_a_hand_formatted_notebook(run, tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(HAND_WRITTEN.encode("utf-8"))
    assert run("--fix", "nb.ipynb").status == 0
    old_literal = r'"o = nnx.Optimizer(m, optax.sgd(1.0))  # caf\u00e9"'
    new_literal = r'"o = nnx.Optimizer(m, optax.sgd(1.0), wrt=nnx.Param)  # caf\u00e9"'
    assert HAND_WRITTEN.count(old_literal) == 1
    assert path.read_bytes().decode("utf-8") == HAND_WRITTEN.replace(old_literal, new_literal)


def test_fix_keeps_single_string_sources_and_crlf_files(run, tmp_path: Path) -> None:
    document = notebook(
        code("import optax\nfrom flax import nnx"),
        {"cell_type": "code", "execution_count": None, "metadata": {"tags": ["x"]}, "outputs": [], "source": "o = nnx.Optimizer(m, optax.sgd(1.0))\n"},
    )
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False).replace("\n", "\r\n") + "\r\n"
    path = tmp_path / "nb.ipynb"
    path.write_bytes(text.encode("utf-8"))
    assert run("--fix", "nb.ipynb").status == 0
    new = path.read_bytes().decode("utf-8")
    document["cells"][1]["source"] = "o = nnx.Optimizer(m, optax.sgd(1.0), wrt=nnx.Param)\n"
    assert new == json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False).replace("\n", "\r\n") + "\r\n"


def test_fix_leaves_a_notebook_without_fixes_byte_identical(run, tmp_path: Path) -> None:
    path = save(tmp_path / "nb.ipynb", notebook(code("import jax\n"), code("def f(key=jax.random.key(0)):\n    return key")))
    before = path.read_bytes()
    result = run("--fix", "nb.ipynb")
    assert result.status == 1  # PRN002's fix is unsafe
    assert path.read_bytes() == before


def test_fixed_text_that_loses_a_cell_boundary_is_refused() -> None:
    document = notebook(code("a = 1\n"), code("b = 2\n"), code("c = 3\n"))
    nb = Notebook.parse(json.dumps(document).encode(), "nb.ipynb")
    program = build_program(nb)
    assert fixed_cell_sources(nb, program, program.text) == {}
    assert fixed_cell_sources(nb, program, program.text.replace("b = 2", "b = 20")) == {2: "b = 20\n"}
    without_second_mark = "".join(line for line in program.text.splitlines(keepends=True) if "cell 2" not in line)
    with pytest.raises(NotebookError, match="cell boundary"):
        fixed_cell_sources(nb, program, without_second_mark)
    with pytest.raises(NotebookError, match="does not parse"):
        fixed_cell_sources(nb, program, program.text.replace("c = 3", "c = (3"))


# --- a cell that begins indented (IPython's leading-indent removal) ----------------------

INDENTED_CELL = " x = jax.random.normal(key, (2,))\n y = jax.random.normal(key, (2,))\nprint(x)\n"


def test_a_cell_that_begins_indented_is_linted_as_ipython_runs_it(run, tmp_path: Path) -> None:
    # IPython removes the first line's indentation from every line that starts with it, so
    # the cell runs; read as plain Python it would be an IndentationError (E999).
    save(tmp_path / "nb.ipynb", notebook(code("import jax\nkey = jax.random.key(0)\n"), code(INDENTED_CELL)))
    result = run("--output-format", "concise", "nb.ipynb")
    assert result.status == 1
    # The column is the cell's own: one space, then `y = jax.random.normal(`.
    assert [line.split(" PRN003 ")[0] for line in concise(result.out)] == ["nb.ipynb:cell 2:2:24:"]


def test_leading_indent_matches_ipython() -> None:
    from prnglint.notebook import leading_indent

    cases = [
        ["  a = 1\n", "  b = 2\n", "for i in x:\n", "      c = 3\n"],
        ["\n", "\tx = 1\n", "\ty = 2\n"],
        ["a = 1\n", "  b\n"],
        ["   \n"],
    ]
    expected = [
        (["a = 1\n", "b = 2\n", "for i in x:\n", "    c = 3\n"], "  "),
        (["\n", "x = 1\n", "y = 2\n"], "\t"),
        (["a = 1\n", "  b\n"], ""),
        (["   \n"], ""),
    ]
    assert [leading_indent(lines) for lines in cases] == expected
    transformer = pytest.importorskip("IPython.core.inputtransformer2")
    for lines, (seen, _) in zip(cases[:3], expected[:3]):
        assert transformer.TransformerManager().transform_cell("".join(lines)).lstrip("\n") == "".join(seen).lstrip("\n")


def test_fix_of_a_cell_that_begins_indented_puts_the_indentation_back(run, tmp_path: Path) -> None:
    path = save(tmp_path / "nb.ipynb", notebook(code("import jax\nkey = jax.random.key(0)\n"), code(INDENTED_CELL)))
    reported = json.loads(run("--output-format", "json", "nb.ipynb").out)
    # The fix an editor or a JSON consumer applies writes the new line with the indentation too.
    # (Nothing reads `key` after the two draws, so the split leaves it as it is.)
    assert reported[0]["fix"]["edits"][0]["content"] == " x_key, y_key = jax.random.split(key)\n"
    result = run("--fix", "nb.ipynb")
    assert result.status == 0, result.out
    fixed = "".join(json.loads(path.read_text())["cells"][1]["source"])
    assert fixed == (
        " x_key, y_key = jax.random.split(key)\n"
        " x = jax.random.normal(x_key, (2,))\n"
        " y = jax.random.normal(y_key, (2,))\n"
        "print(x)\n"
    )
    assert run("nb.ipynb").status == 0


def test_fixed_code_that_cannot_be_indented_back_is_refused() -> None:
    from prnglint.notebook import _indent_back

    # The fixed first line no longer begins with the removed indentation's text: IPython
    # would not remove it any more, so no indentation put back reads as the fix does.
    with pytest.raises(NotebookError, match="cannot be indented back exactly"):
        _indent_back(" a = 1\n b = 2\n", "\tz = 0\na = 1\nb = 2\n", " ", 3)
    assert _indent_back(" a = 1\n b = 2\n", "a = 1\nc = 0\nb = 2\n", " ", 3) == " a = 1\n c = 0\n b = 2\n"
