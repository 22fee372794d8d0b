"""`prnglint --fix` and friends as a user runs them: what is written, printed and returned."""

from __future__ import annotations

import codecs
import stat
from pathlib import Path

import pytest

from prnglint import fixer
from tests.fixer.conftest import code, run_process, write_code

MIXED = """
import jax
import optax
from flax import nnx

def dropout_step(x, key=jax.random.key(0)):
    return jax.random.bernoulli(key, 0.9, x.shape) * x

def build(model):
    return nnx.Optimizer(model, optax.adam(1e-3))
"""

MIXED_SAFE_FIXED = MIXED.replace("optax.adam(1e-3))", "optax.adam(1e-3), wrt=nnx.Param)")
MIXED_ALL_FIXED = MIXED_SAFE_FIXED.replace("key=jax.random.key(0)", "*, key")

IMPORT_TIME = """
import jax

KEY = jax.random.key(0)
"""


def test_fix_applies_safe_fixes_and_reports_the_rest(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "train.py", MIXED)
    result = run("--fix", "--output-format", "concise", "train.py")
    assert path.read_text() == code(MIXED_SAFE_FIXED)
    assert result.status == 1, "PRN002 remains (its fix is unsafe)"
    assert "train.py:5:25: PRN002" in result.out
    assert "PRN004" not in result.out
    assert "Fixed 1 finding in 1 file." in result.err


def test_unsafe_fixes_apply_the_unsafe_ones_too(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "train.py", MIXED)
    result = run("--fix", "--unsafe-fixes", "train.py")
    assert path.read_text() == code(MIXED_ALL_FIXED)
    assert result.status == 0
    # As ruff says it after --fix: everything found, what was fixed, what remains.
    assert "Found 2 findings (2 fixed, 0 remaining)." in result.out
    assert "Fixed 2 findings in 1 file." in result.err


def test_unsafe_fixes_alone_changes_nothing(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "train.py", MIXED)
    result = run("--unsafe-fixes", "train.py")
    assert path.read_text() == code(MIXED)
    assert result.status == 1


def test_remaining_findings_without_a_fix_keep_the_status_at_one(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "m.py", IMPORT_TIME + MIXED.replace("import jax\n", "", 1))
    result = run("--fix", "--unsafe-fixes", "--output-format", "concise", "m.py")
    assert result.status == 1
    assert "PRN001" in result.out and "PRN002" not in result.out and "PRN004" not in result.out
    assert "wrt=nnx.Param" in path.read_text()


def test_diff_prints_the_change_and_writes_nothing(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "train.py", MIXED)
    before = path.stat().st_mtime_ns
    result = run("--diff", "--unsafe-fixes", "train.py")
    assert result.status == 1
    assert path.read_text() == code(MIXED)
    assert path.stat().st_mtime_ns == before
    lines = result.out.splitlines()
    assert lines[:2] == ["--- train.py", "+++ train.py"]
    assert "-def dropout_step(x, key=jax.random.key(0)):" in lines
    assert "+def dropout_step(x, *, key):" in lines
    assert "+    return nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)" in lines
    assert "Would fix 2 findings in 1 file." in result.err


def test_diff_without_changes_exits_zero_and_prints_nothing(run, tmp_path: Path) -> None:
    write_code(tmp_path / "clean.py", MIXED_ALL_FIXED)
    write_code(tmp_path / "unfixable.py", IMPORT_TIME)
    result = run("--diff", "--unsafe-fixes", ".")
    assert result.status == 0
    assert result.out == ""


def test_diff_safe_only_leaves_unsafe_changes_out(run, tmp_path: Path) -> None:
    write_code(tmp_path / "train.py", MIXED)
    result = run("--diff", "train.py")
    assert result.status == 1
    assert "+def dropout_step(x, *, key):" not in result.out
    assert "wrt=nnx.Param" in result.out


def test_fix_only_reports_nothing_else_and_exits_zero(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "train.py", MIXED)
    result = run("--fix-only", "train.py")
    assert path.read_text() == code(MIXED_SAFE_FIXED)
    assert result.status == 0, "remaining findings do not count with --fix-only"
    assert result.out == ""


def test_exit_non_zero_on_fix(run, tmp_path: Path) -> None:
    write_code(tmp_path / "a.py", MIXED)
    assert run("--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", "a.py").status == 1
    # Nothing left to fix on the second run: back to zero.
    assert run("--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", "a.py").status == 0
    write_code(tmp_path / "b.py", MIXED)
    assert run("--fix-only", "--exit-non-zero-on-fix", "b.py").status == 1


def test_show_fixes_lists_each_file_and_rule(run, tmp_path: Path) -> None:
    write_code(tmp_path / "a.py", MIXED)
    write_code(tmp_path / "b.py", MIXED)
    write_code(tmp_path / "c.py", MIXED_ALL_FIXED)
    result = run("--fix", "--unsafe-fixes", "--show-fixes", ".")
    assert result.status == 0
    lines = result.err.splitlines()
    assert "Fixed 4 findings in 2 files." in lines
    for name in ("a.py", "b.py"):
        index = lines.index(f"- {name}:")
        assert lines[index + 1 : index + 3] == ["    1 × PRN002 (key-in-default)", "    1 × PRN004 (optimizer-without-wrt)"]
    assert "- c.py:" not in lines


def test_a_second_run_changes_nothing(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "train.py", MIXED)
    run("--fix", "--unsafe-fixes", "train.py")
    once = path.read_bytes()
    result = run("--fix", "--unsafe-fixes", "train.py")
    assert path.read_bytes() == once
    assert "Fixed" not in result.err


def test_an_unchanged_file_is_not_rewritten(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "clean.py", MIXED_ALL_FIXED)
    inode = path.stat().st_ino
    assert run("--fix", "--unsafe-fixes", "clean.py").status == 0
    assert path.stat().st_ino == inode


# --- Bytes on disk ---------------------------------------------------------------

MULTILINE = """
from flax import nnx

def build(model, tx):
    if model is not None:
        return nnx.Optimizer(
            model,  # the model
            tx,  # the optimiser
        )
"""

MULTILINE_FIXED = """
from flax import nnx

def build(model, tx):
    if model is not None:
        return nnx.Optimizer(
            model,  # the model
            tx,  # the optimiser
            wrt=nnx.Param,
        )
"""


def test_crlf_line_endings_are_kept_everywhere(run, tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(code(MULTILINE).replace("\n", "\r\n").encode())
    assert run("--fix", "crlf.py").status == 0
    assert path.read_bytes() == code(MULTILINE_FIXED).replace("\n", "\r\n").encode()


def test_a_byte_order_mark_is_kept(run, tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(codecs.BOM_UTF8 + code(MIXED).encode())
    assert run("--fix", "--unsafe-fixes", "bom.py").status == 0
    assert path.read_bytes() == codecs.BOM_UTF8 + code(MIXED_ALL_FIXED).encode()


def test_latin1_with_a_coding_cookie_is_kept(run, tmp_path: Path) -> None:
    header = "# -*- coding: latin-1 -*-\n# Auteur : Zoë Müller\n"
    path = tmp_path / "latin.py"
    path.write_bytes((header + code(MIXED)).encode("latin-1"))
    assert run("--fix", "--unsafe-fixes", "latin.py").status == 0
    data = path.read_bytes()
    assert data == (header + code(MIXED_ALL_FIXED)).encode("latin-1")
    assert "Zoë".encode("latin-1") in data


def test_tabs_are_kept(run, tmp_path: Path) -> None:
    path = tmp_path / "tabs.py"
    path.write_bytes(code(MULTILINE).replace("    ", "\t").encode())
    assert run("--fix", "tabs.py").status == 0
    assert path.read_bytes() == code(MULTILINE_FIXED).replace("    ", "\t").encode()


def test_a_missing_final_newline_stays_missing(run, tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(code(MIXED).rstrip("\n").encode())
    assert run("--fix", "--unsafe-fixes", "m.py").status == 0
    assert path.read_bytes() == code(MIXED_ALL_FIXED).rstrip("\n").encode()


def test_permission_bits_are_kept(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "script.py", "#!/usr/bin/env python\n" + code(MIXED))
    path.chmod(0o754)
    assert run("--fix", "--unsafe-fixes", "script.py").status == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert "wrt=nnx.Param" in path.read_text()


def test_comments_inside_edited_parameters_stay_with_their_parameter(run, tmp_path: Path) -> None:
    path = write_code(
        tmp_path / "m.py",
        """
        import jax

        def init(
            shape,  # the output shape
            key=jax.random.key(0),  # where randomness comes from
            scale=1.0,  # a multiplier
        ):
            return scale * jax.random.normal(key, shape)
        """,
    )
    assert run("--fix", "--unsafe-fixes", "m.py").status == 0
    assert path.read_text() == code(
        """
        import jax

        def init(
            shape,  # the output shape
            scale=1.0,  # a multiplier
            *,
            key,  # where randomness comes from
        ):
            return scale * jax.random.normal(key, shape)
        """
    )


# --- Overlapping fixes -----------------------------------------------------------


def test_overlapping_fixes_of_two_rules_both_apply(run, tmp_path: Path) -> None:
    # PRN005's fix lies inside the default PRN002 removes: PRN002 goes first, PRN005 then has
    # nothing left there, and the PRNGKey elsewhere is fixed in the same run.
    path = write_code(
        tmp_path / "m.py",
        """
        import jax

        def init(shape, key=jax.random.PRNGKey(0)):
            return jax.random.normal(key, shape)

        def main():
            return init((3,), key=jax.random.PRNGKey(1))
        """,
    )
    result = run("--fix", "--unsafe-fixes", "--extend-select", "PRN005", "--show-fixes", "m.py")
    assert result.status == 0, result.out
    assert path.read_text() == code(
        """
        import jax

        def init(shape, *, key):
            return jax.random.normal(key, shape)

        def main():
            return init((3,), key=jax.random.key(1))
        """
    )
    assert "1 × PRN002" in result.err and "1 × PRN005" in result.err


def test_several_keys_of_one_signature_are_fixed_together(run, tmp_path: Path) -> None:
    path = write_code(
        tmp_path / "m.py",
        """
        import jax
        from flax import nnx

        def make(x, key=jax.random.key(0), rngs=nnx.Rngs(0), *, scale=1.0):
            return x
        """,
    )
    assert run("--fix", "--unsafe-fixes", "m.py").status == 0
    assert "def make(x, *, key, rngs, scale=1.0):" in path.read_text()


# --- Errors ------------------------------------------------------------------------


def test_a_read_only_file_is_reported_and_untouched(run, tmp_path: Path) -> None:
    path = write_code(tmp_path / "ro.py", MIXED)
    path.chmod(0o444)
    result = run("--fix", "--output-format", "concise", "ro.py")
    assert result.status == 2
    assert path.read_text() == code(MIXED)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert "ro.py:1:1: E902 cannot write the fixes: the file is read-only" in result.out
    # The file still holds its findings, and they are reported.
    assert "PRN004" in result.out


def test_a_file_changed_between_reading_and_writing_is_not_clobbered(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_code(tmp_path / "busy.py", MIXED)
    real_fix_source = fixer.fix_source

    def fix_while_an_editor_saves(*args, **kwargs):
        result = real_fix_source(*args, **kwargs)
        path.write_text("# saved by the editor meanwhile\n")
        return result

    monkeypatch.setattr(fixer, "fix_source", fix_while_an_editor_saves)
    result = run("--fix", "--output-format", "concise", "busy.py")
    assert result.status == 2
    assert path.read_text() == "# saved by the editor meanwhile\n"
    assert "busy.py:1:1: E902 cannot write the fixes: the file changed on disk after it was read" in result.out


def test_a_fix_that_breaks_the_code_leaves_the_file_untouched(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_code(tmp_path / "m.py", MIXED)
    monkeypatch.setattr(fixer, "_parse_problem", lambda text, filename, must_compile: "line 1: invented failure")
    result = run("--fix", "--output-format", "concise", "m.py")
    assert result.status == 2
    assert path.read_text() == code(MIXED)
    assert "m.py:1:1: E000 cannot fix: fixes of PRN004 produced code that does not parse" in result.out
    assert "the file is left unchanged" in result.out


def test_other_files_are_fixed_when_one_fails(run, tmp_path: Path) -> None:
    # The words make the engine parse the file (files that cannot have findings are not parsed).
    write_code(tmp_path / "a_broken.py", "import jax.random\ndef f(:\n")
    good = write_code(tmp_path / "b_good.py", MIXED)
    result = run("--fix", "--output-format", "concise", ".")
    assert result.status == 2
    assert "a_broken.py" in result.out and "E999" in result.out
    assert "wrt=nnx.Param" in good.read_text()


def test_a_missing_path_is_an_error(run, tmp_path: Path) -> None:
    result = run("--fix", "nowhere.py")
    assert result.status == 2


# --- Standard input ------------------------------------------------------------------


def test_standard_input_fixes_go_to_standard_output(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + code(MIXED).replace("\n", "\r\n").encode()
    result = run_process("--fix", "--unsafe-fixes", "-", stdin=data, cwd=tmp_path)
    assert result.status == 0, result.err
    assert result.out == codecs.BOM_UTF8 + code(MIXED_ALL_FIXED).replace("\n", "\r\n").encode()
    assert "Fixed 2 findings" in result.err


def test_standard_input_report_goes_to_standard_error(tmp_path: Path) -> None:
    result = run_process("--fix", "--output-format", "concise", "--stdin-filename", "t.py", "-", stdin=code(MIXED).encode(), cwd=tmp_path)
    assert result.status == 1
    assert result.out == code(MIXED_SAFE_FIXED).encode()
    assert "t.py:5:25: PRN002" in result.err


def test_standard_input_that_cannot_be_fixed_comes_back_unchanged(tmp_path: Path) -> None:
    data = b"import jax.random\ndef f(:\n  pass\n"
    result = run_process("--fix", "-", stdin=data, cwd=tmp_path)
    assert result.status == 2
    assert result.out == data


def test_standard_input_diff(tmp_path: Path) -> None:
    result = run_process("--diff", "--stdin-filename", "t.py", "-", stdin=code(MIXED).encode(), cwd=tmp_path)
    assert result.status == 1
    assert b"+    return nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)" in result.out
    assert result.out.startswith(b"--- t.py\n+++ t.py\n")


# --- Many files --------------------------------------------------------------------


def test_many_files_are_fixed_by_worker_processes(run, tmp_path: Path) -> None:
    for index in range(8):
        write_code(tmp_path / "pkg" / f"m{index}.py", MIXED)
    write_code(tmp_path / "pkg" / "clean.py", MIXED_ALL_FIXED)
    result = run("--fix", "--unsafe-fixes", "--show-fixes", "--jobs", "2", "--no-cache", "pkg")
    assert result.status == 0, result.out
    for index in range(8):
        assert (tmp_path / "pkg" / f"m{index}.py").read_text() == code(MIXED_ALL_FIXED)
    assert "Fixed 16 findings in 8 files." in result.err
    listed = [line for line in result.err.splitlines() if line.startswith("- ")]
    assert listed == sorted(listed), "files are listed in a stable order"


def test_fix_files_keeps_the_order_of_its_tasks(tmp_path: Path) -> None:
    from prnglint.fixer import FixTask, fix_files
    from prnglint.registry import rules_by_code

    rules = (rules_by_code()["PRN002"], rules_by_code()["PRN004"])
    tasks = []
    for index in range(6):
        path = write_code(tmp_path / f"f{index}.py", MIXED if index % 2 else MIXED_ALL_FIXED)
        tasks.append(FixTask(path, path.name, rules))
    outcomes = fix_files(tasks, {}, unsafe=True, jobs=2)
    assert [o.name for o in outcomes] == [f"f{index}.py" for index in range(6)]
    assert [len(o.applied) for o in outcomes] == [0, 2, 0, 2, 0, 2]
    assert all(o.written == bool(o.applied) for o in outcomes)
