"""The command line of ``prnglint verify``: arguments, exit codes, no JAX in the parent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prnglint.verifier.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--steps", "50", "--resume-at", "50"], "--resume-at must be between 1 and --steps - 1 (49), got 50"),
        (["--resume-at", "0"], "--resume-at must be between 1"),
        (["--steps", "1"], "--steps must be at least 2"),
        (["--target", "no_colon_here"], "is not of the form package.module:factory"),
        (["--target", "pkg.mod:not-an-identifier"], "is not of the form package.module:factory"),
        (["--target", "pkg.mod:make", "--framework", "nnx"], "either --target or --framework"),
        (["--seed", "3", "--other-seed", "3"], "--other-seed must differ from --seed"),
        (["--processes", "0"], "--processes must be between 1 and 16"),
        (["--bit-flips", "0"], "--bit-flips must be at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--framework", "tensorflow"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["--steps", "many"]) == 2


def test_errors_are_json_when_json_is_asked_for(tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    assert main(["--resume-at", "99", "--output-format", "json", "--output-file", str(output)]) == 2
    report = json.loads(output.read_text())
    assert report["ok"] is False and report["exit_code"] == 2 and "--resume-at" in report["error"]


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "prnglint verify" in capsys.readouterr().out


def test_the_command_line_process_does_not_import_jax() -> None:
    code = (
        "import sys; import prnglint.verifier, prnglint.verifier.cli, prnglint.verifier.runner, "
        "prnglint.verifier.report, prnglint.verifier.protocol; "
        "print(sorted(m for m in ('jax', 'flax', 'equinox', 'optax', 'orbax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run([sys.executable, "-m", "prnglint.verifier", "--resume-at", "0"], capture_output=True, text=True)
    assert done.returncode == 2 and "--resume-at" in done.stderr
    done = subprocess.run([sys.executable, "-m", "prnglint.verifier", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--processes" in done.stdout
