"""Helpers for command-line tests: run `prnglint` in-process and capture its output."""

from __future__ import annotations

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
    """Run the CLI with `args` in `cwd` (default: tmp_path)."""

    def _run(*args: str, cwd: Path | None = None) -> Result:
        monkeypatch.chdir(cwd or tmp_path)
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return _run


def write(path: Path, text: str) -> Path:
    """Write dedented `text` to `path`, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


IMPORT_TIME = """
import jax

KEY = jax.random.key(0)
"""

CLEAN = """
import jax

def init(seed):
    return jax.random.key(seed)
"""

NO_WRT = """
import optax
from flax import nnx

def build(model):
    return nnx.Optimizer(model, optax.adam(1e-3))
"""
