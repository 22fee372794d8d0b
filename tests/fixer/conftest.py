"""Helpers for fixer tests: run `prnglint` in-process or as a process, write files byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from prnglint.cli import main


@dataclass
class Result:
    """What a run printed and returned."""

    status: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run the CLI in-process with `args` in `tmp_path`."""

    def _run(*args: str) -> Result:
        monkeypatch.chdir(tmp_path)
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return _run


@dataclass
class ProcessResult:
    """What a `prnglint` process wrote and returned, as bytes."""

    status: int
    out: bytes
    err: str


def run_process(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> ProcessResult:
    """Run `python -m prnglint` as a separate process (for standard input and output as bytes)."""
    env = {**os.environ, "NO_COLOR": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "prnglint", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    return ProcessResult(completed.returncode, completed.stdout, completed.stderr.decode("utf-8", "replace"))


def code(text: str) -> str:
    """Dedented `text` without its first newline."""
    return textwrap.dedent(text).lstrip("\n")


def write_code(path: Path, text: str) -> Path:
    """Write dedented `text` to `path` as UTF-8 with LF endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(code(text).encode("utf-8"))
    return path
