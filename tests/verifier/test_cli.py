"""The command line of ``prnglint verify``: arguments, exit codes, no JAX in the parent."""

from __future__ import annotations

import json
import os
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


def test_a_workdir_that_is_a_file_is_named_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    occupied = tmp_path / "not-a-folder"
    occupied.write_text("")
    output = tmp_path / "report.json"
    assert main(["--workdir", str(occupied), "--output-format", "json", "--output-file", str(output)]) == 2
    err = capsys.readouterr().err
    assert f"--workdir {occupied} is a file, not a folder" in err and "Traceback" not in err
    assert "is a file, not a folder" in json.loads(output.read_text())["error"]


def test_a_workdir_where_nothing_can_be_created_is_named_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "read-only"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        # root ignores permissions; sysfs refuses new folders to everyone.
        where = Path("/sys") if os.geteuid() == 0 else locked
        assert main(["--workdir", str(where)]) == 2
    finally:
        locked.chmod(0o755)
    err = capsys.readouterr().err
    assert f"--workdir {where}: cannot create a folder in it (" in err and "Traceback" not in err


def test_an_output_file_in_a_missing_folder_is_refused_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no" / "such" / "report.json"
    assert main(["--output-format", "json", "--output-file", str(missing)]) == 2
    captured = capsys.readouterr()
    assert f"the folder {missing.parent} does not exist" in captured.err
    # The error report itself goes to standard output instead of being lost.
    assert "does not exist" in json.loads(captured.out)["error"]


def test_a_report_that_cannot_be_written_after_the_run_goes_to_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prnglint.verifier import cli, report, runner

    doomed = tmp_path / "doomed"
    doomed.mkdir()
    finished = {"tool": "prnglint verify", "ok": True, "exit_code": 0, "scenarios": []}

    def run_that_removes_the_folder(*_: object, **__: object) -> list[object]:
        # The folder of the output file disappears while the proofs run.
        doomed.rmdir()
        return []

    monkeypatch.setattr(runner, "run", run_that_removes_the_folder)
    monkeypatch.setattr(report, "build", lambda *_: finished)
    code = cli.main(["--output-format", "json", "--output-file", str(doomed / "report.json")])
    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out) == finished
    assert f"cannot write the report to {doomed / 'report.json'}" in captured.err
    assert "it was written to standard output instead" in captured.err


def test_junit_errors_are_one_errored_test_case(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    output = tmp_path / "verify.xml"
    assert main(["--resume-at", "0", "--output-format", "junit", "--output-file", str(output)]) == 2
    root = ET.parse(output).getroot()
    assert root.tag == "testsuites" and root.get("errors") == "1"
    (case,) = root.iter("testcase")
    error = case.find("error")
    assert error is not None and "--resume-at" in error.get("message", "")
