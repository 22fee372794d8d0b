"""Standard input, as editors and formatters use it: `prnglint [--fix] --stdin-filename PATH -`.

These run prnglint as a separate process with a real pipe, so that what an
editor receives on standard output is checked byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.cli.conftest import CLEAN, IMPORT_TIME, NO_WRT

FIXED_NO_WRT = textwrap.dedent(NO_WRT).lstrip("\n").replace("optax.adam(1e-3))", "optax.adam(1e-3), wrt=nnx.Param)")


def pipe(stdin: bytes, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m prnglint ARGS` with `stdin` on its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "prnglint", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(Path(__file__).parents[2])},
    )


def source(text: str) -> bytes:
    return textwrap.dedent(text).lstrip("\n").encode("utf-8")


def test_lint_reports_under_the_given_name(tmp_path: Path) -> None:
    result = pipe(source(IMPORT_TIME), "--output-format", "concise", "--stdin-filename", "pkg/mod.py", "-", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.decode().startswith("pkg/mod.py:3:7: PRN001 ")
    clean = pipe(source(CLEAN), "--stdin-filename", "pkg/mod.py", "-", cwd=tmp_path)
    assert clean.returncode == 0 and b"All checks passed!" in clean.stdout


def test_machine_formats_read_from_stdin(tmp_path: Path) -> None:
    result = pipe(source(NO_WRT), "--output-format", "json", "--stdin-filename", "train.py", "-", cwd=tmp_path)
    [item] = json.loads(result.stdout)
    assert (item["filename"], item["code"], item["location"]["row"]) == ("train.py", "PRN004", 5)


def test_the_stdin_filename_finds_the_configuration_and_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.prnglint]\nper-file-ignores = { "scripts/*" = ["PRN001"] }\n')
    (tmp_path / "scripts").mkdir()
    ignored = pipe(source(IMPORT_TIME), "--stdin-filename", "scripts/run.py", "-", cwd=tmp_path)
    reported = pipe(source(IMPORT_TIME), "--stdin-filename", "lib/run.py", "-", cwd=tmp_path)
    assert (ignored.returncode, reported.returncode) == (0, 1)


def test_fix_writes_the_fixed_code_to_stdout_and_the_report_to_stderr(tmp_path: Path) -> None:
    result = pipe(source(NO_WRT), "--fix", "--stdin-filename", "train.py", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == FIXED_NO_WRT
    assert b"Fixed 1 finding" in result.stderr


def test_fix_keeps_crlf_and_bom_and_passes_clean_code_through_unchanged(tmp_path: Path) -> None:
    crlf = b"\xef\xbb\xbf" + source(NO_WRT).replace(b"\n", b"\r\n")
    result = pipe(crlf, "--fix", "--stdin-filename", "train.py", "-", cwd=tmp_path)
    assert result.stdout == b"\xef\xbb\xbf" + FIXED_NO_WRT.replace("\n", "\r\n").encode("utf-8")
    odd = source(CLEAN) + b"# caf\xc3\xa9 \t  \n\n\n"
    unchanged = pipe(odd, "--fix", "--stdin-filename", "ok.py", "-", cwd=tmp_path)
    assert unchanged.returncode == 0 and unchanged.stdout == odd


def test_fix_of_undecodable_input_gives_it_back_and_fails(tmp_path: Path) -> None:
    raw = b"import jax\nx = '\xff'\n"
    result = pipe(raw, "--fix", "--stdin-filename", "bad.py", "-", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == raw
    assert b"bad.py:1:1: E902" in result.stderr


def test_fix_with_remaining_findings_reports_them_on_stderr(tmp_path: Path) -> None:
    text = source(IMPORT_TIME)
    result = pipe(text, "--fix", "--output-format", "concise", "--stdin-filename", "m.py", "-", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == text
    assert b"m.py:3:7: PRN001" in result.stderr


def test_notebooks_from_stdin_lint_and_fix(tmp_path: Path) -> None:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    document = {
        "cells": [
            {**cell, "source": ["import optax\n", "from flax import nnx"]},
            {**cell, "source": ["%time opt = 1\n", "opt = nnx.Optimizer(model, optax.adam(1e-3))"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    raw = (json.dumps(document, indent=1) + "\n").encode("utf-8")
    linted = pipe(raw, "--output-format", "json", "--stdin-filename", "nb.ipynb", "-", cwd=tmp_path)
    [item] = json.loads(linted.stdout)
    assert (item["cell"], item["location"]["row"], item["location"]["column"]) == (2, 2, 7)
    fixed = pipe(raw, "--fix", "--stdin-filename", "nb.ipynb", "-", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    document["cells"][1]["source"][1] = "opt = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)"
    assert fixed.stdout.decode("utf-8") == json.dumps(document, indent=1) + "\n"


def test_stdin_cannot_be_mixed_with_paths(tmp_path: Path) -> None:
    result = pipe(b"", "-", "other.py", cwd=tmp_path)
    assert result.returncode == 2
    assert b"cannot be mixed" in result.stderr
