"""Bad input as an adversarial user brings it: every file gets a named error, the run goes on.

Each test runs prnglint as a separate process on real files, within a
deadline: a hang fails the test, and so does a crash of the whole process
(the exit status of a process killed by a signal is negative).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from prnglint.source import MAX_FILE_BYTES, MAX_PARSE_CHARS
from tests.processes import alive, children_of, command, environment, kill_group, prnglint, wait_until

IMPORT_TIME = "import jax\n\nKEY = jax.random.key(0)\n"
FINDING = "ok.py:3:7: PRN001"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder with one normal file that has one finding."""
    (tmp_path / "ok.py").write_text(IMPORT_TIME)
    return tmp_path


def _assert_rest_linted(result, *, status: int = 2) -> None:
    assert result.status == status, (result.out, result.err)
    assert FINDING in result.out
    assert "Traceback" not in result.err + result.out


def test_brackets_nested_two_thousand_deep_are_refused_before_parsing(tree: Path) -> None:
    depth = 2000
    (tree / "deep.py").write_text(IMPORT_TIME + "x = " + "[" * depth + "]" * depth + "\n")
    for jobs in ("1", "2"):
        result = prnglint("check", "--no-cache", "--jobs", jobs, "--output-format", "concise", ".", cwd=tree)
        _assert_rest_linted(result)
        assert "deep.py:1:1: E999 not parsed: too many nested parentheses" in result.out
        assert "brackets nest 2,000 deep, Python allows 200" in result.out


def test_a_sum_of_fifteen_thousand_terms_is_refused_in_seconds(tree: Path) -> None:
    (tree / "chain.py").write_text(IMPORT_TIME + "x = " + "1 + " * 15_000 + "1\n")
    result = prnglint("check", "--no-cache", "--output-format", "concise", ".", cwd=tree, timeout=30)
    _assert_rest_linted(result)
    assert "chain.py:1:1: E999 not parsed: the code nests too deeply for Python's parser" in result.out
    assert result.seconds < 20


def test_a_fixed_file_is_refused_too(tree: Path) -> None:
    """`--fix` goes through the same check: the deep file is reported and left as it was."""
    text = IMPORT_TIME + "x = " + "(" * 500 + "1" + ")" * 500 + "\n"
    (tree / "deep.py").write_text(text)
    result = prnglint("check", "--fix", "--no-cache", "--output-format", "concise", ".", cwd=tree)
    _assert_rest_linted(result)
    assert "deep.py:1:1: E999" in result.out
    assert (tree / "deep.py").read_text() == text


def test_a_file_past_the_parse_limit_is_refused_by_name(tree: Path) -> None:
    filler = "# " + "x" * 78 + "\n"
    (tree / "big.py").write_text(IMPORT_TIME + filler * (MAX_PARSE_CHARS // len(filler) + 1))
    result = prnglint("check", "--no-cache", "--output-format", "concise", ".", cwd=tree)
    _assert_rest_linted(result)
    assert "big.py:1:1: E902 file too large to parse" in result.out


def test_a_file_past_the_read_limit_is_not_read(tree: Path) -> None:
    # A sparse file: as large as it says, without costing the disk anything.
    with open(tree / "huge.py", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    result = prnglint("check", "--no-cache", "--output-format", "concise", ".", cwd=tree)
    _assert_rest_linted(result)
    assert "huge.py:1:1: E902 cannot read: file too large" in result.out


@pytest.mark.parametrize("how", ["found", "named"])
def test_a_named_pipe_is_skipped_not_read(tree: Path, how: str) -> None:
    os.mkfifo(tree / "x.py")
    args = ["."] if how == "found" else ["x.py", "ok.py"]
    result = prnglint("check", "--no-cache", "--output-format", "concise", *args, cwd=tree, timeout=30)
    _assert_rest_linted(result)
    assert "x.py:1:1: E902 cannot read: not a regular file (a named pipe); not read" in result.out


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_link_to_a_device_is_skipped_not_read(tree: Path, device: str) -> None:
    (tree / "dev.py").symlink_to(device)
    for args in (["."], ["dev.py", "ok.py"]):
        result = prnglint("check", "--no-cache", "--output-format", "concise", *args, cwd=tree, timeout=30)
        _assert_rest_linted(result)
        assert "dev.py:1:1: E902 cannot read: not a regular file (a character device); not read" in result.out


@pytest.mark.parametrize("how", ["found", "named"])
def test_a_loop_of_symbolic_links_is_named(tree: Path, how: str) -> None:
    (tree / "loop.py").symlink_to("loop.py")
    (tree / "a.py").symlink_to("b.py")
    (tree / "b.py").symlink_to("a.py")
    args = ["."] if how == "found" else ["loop.py", "a.py", "ok.py"]
    for extra in ([], ["--fix"], ["--force-exclude"]):
        result = prnglint("check", "--no-cache", "--output-format", "concise", *extra, *args, cwd=tree)
        _assert_rest_linted(result)
        assert "loop.py:1:1: E902 cannot read: a loop of symbolic links (loop.py -> loop.py)" in result.out
        assert "a.py:1:1: E902 cannot read: a loop of symbolic links (a.py -> b.py)" in result.out


_FORMATS = ["full", "concise", "json", "json-lines", "sarif", "github"]


def _names_in(output_format: str, out: str) -> set[str]:
    if output_format == "json":
        return {d["filename"] for d in json.loads(out)}
    if output_format == "json-lines":
        return {json.loads(line)["filename"] for line in out.splitlines() if line.strip()}
    if output_format == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    if output_format == "github":
        return {line.removeprefix("::error file=").split(",")[0] for line in out.splitlines() if line.startswith("::error")}
    return {line.split(":", 1)[0] for line in out.splitlines() if "PRN001" in line and ".py:" in line}


@pytest.mark.parametrize("output_format", _FORMATS)
def test_a_file_name_that_is_not_utf8_is_shown_with_escapes(tree: Path, output_format: str) -> None:
    os.rename(tree / "ok.py", os.path.join(os.fsencode(tree), b"bad\xff\xfe.py"))
    result = prnglint("check", "--no-cache", "--output-format", output_format, ".", cwd=tree)
    assert result.status == 1, result.err
    assert "Traceback" not in result.err
    names = _names_in(output_format, result.out)
    expected = "bad%5Cxff%5Cxfe.py" if output_format == "sarif" else "bad\\xff\\xfe.py"
    assert names == {expected}, result.out


def test_control_characters_in_a_file_name_cannot_forge_a_line(tree: Path) -> None:
    os.rename(tree / "ok.py", tree / "evil\nok.py:1:1: PRN999 forged.py")
    result = prnglint("check", "--no-cache", "--output-format", "concise", ".", cwd=tree)
    assert result.status == 1
    assert "evil\\nok.py:1:1: PRN999 forged.py:3:7: PRN001" in result.out
    assert not any(line.startswith("ok.py:1:1: PRN999") for line in result.out.splitlines())


def test_a_notebook_nested_a_hundred_thousand_deep_is_not_a_notebook(tree: Path) -> None:
    depth = 100_000
    body = '{"cells": [{"cell_type": "code", "metadata": {}, "source": "import jax", "x": '
    (tree / "deep.ipynb").write_text(body + "[" * depth + "]" * depth + '}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    for extra in ([], ["--fix"]):
        result = prnglint("check", "--no-cache", "--output-format", "concise", *extra, ".", cwd=tree)
        _assert_rest_linted(result)
        assert "deep.ipynb:1:1: E902 cannot read: not a notebook: its JSON nests too deeply to read" in result.out


def test_a_sub_folder_that_cannot_be_listed_is_reported(tree: Path) -> None:
    locked = tree / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(IMPORT_TIME)
    locked.chmod(0)
    try:
        result = prnglint("check", "--no-cache", "--output-format", "concise", ".", cwd=tree, as_user=True)
    finally:
        locked.chmod(0o755)
    _assert_rest_linted(result)
    assert "locked:1:1: E902 cannot read: permission denied: cannot list the folder; nothing below it was checked" in result.out


def test_a_folder_named_on_the_command_line_that_cannot_be_listed_is_reported(tree: Path) -> None:
    locked = tree / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        result = prnglint("check", "--no-cache", "--output-format", "concise", "locked", "ok.py", cwd=tree, as_user=True)
    finally:
        locked.chmod(0o755)
    _assert_rest_linted(result)
    assert "locked:1:1: E902 cannot read: permission denied: cannot list the folder" in result.out


def test_an_unreadable_file_is_reported(tree: Path) -> None:
    secret = tree / "secret.py"
    secret.write_text(IMPORT_TIME)
    secret.chmod(0)
    result = prnglint("check", "--no-cache", "--output-format", "concise", ".", cwd=tree, as_user=True)
    _assert_rest_linted(result)
    assert "secret.py:1:1: E902 cannot read: permission denied" in result.out


# --- Worker processes ---------------------------------------------------------------


def _busy_tree(root: Path, files: int = 24, functions: int = 600) -> Path:
    """Enough text that a run with two jobs starts a pool and keeps it busy for seconds."""
    body = "".join(
        f"def step_{i}(key, x):\n    a = jax.random.normal(key, x.shape)\n    b = jax.random.normal(key, x.shape)\n    return a + b\n\n"
        for i in range(functions)
    )
    for index in range(files):
        (root / f"m{index}.py").write_text("import jax\n\n" + body)
    return root


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
@pytest.mark.parametrize("mode", ["check", "fix"])
def test_workers_die_with_the_main_process(tmp_path: Path, sig: signal.Signals, mode: str) -> None:
    root = _busy_tree(tmp_path)
    args = ["check", "--no-cache", "--jobs", "2", "--output-format", "concise", "."]
    if mode == "fix":
        args.insert(1, "--fix")
    import subprocess

    process = subprocess.Popen(
        command(*args), cwd=root, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        assert wait_until(lambda: len(children_of(process.pid)) >= 2, timeout=60), "no pool was started"
        workers = children_of(process.pid)
        time.sleep(0.3)
        process.send_signal(sig)
        process.wait(timeout=30)
        # A worker inside a long native parse handles the signal when the parse returns: allow for a loaded machine.
        assert wait_until(lambda: not alive(workers), timeout=90), f"workers left running: {alive(workers)}"
    finally:
        kill_group(process.pid)
        process.wait(timeout=30)
    if mode == "fix":
        assert not list(root.glob(".*.prnglint-tmp")), "a killed worker left its temporary file"
        for path in root.glob("*.py"):
            compile(path.read_text(), str(path), "exec")


_CRASHING_WORKERS = """
import os, signal, sys
from prnglint import fixer, runner

PARENT = os.getpid()
lint_one, fix_file = runner._lint_one, fixer.fix_file

def crash_in_a_worker(name):
    if "crash" in str(name) and os.getpid() != PARENT and os.environ["CRASH_IN"] in sys.argv:
        os.kill(os.getpid(), signal.SIGSEGV)

def crashing_lint(name, *args):
    crash_in_a_worker(name)
    return lint_one(name, *args)

def crashing_fix(path, *args, **kwargs):
    crash_in_a_worker(path)
    return fix_file(path, *args, **kwargs)

runner._lint_one, fixer.fix_file = crashing_lint, crashing_fix
from prnglint.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("mode", ["check", "fix"])
def test_a_worker_killed_by_a_crash_costs_only_its_own_file(tmp_path: Path, mode: str) -> None:
    """A native crash in one worker breaks the whole pool; the files it took with it are linted again."""
    import subprocess
    import sys

    reuse = "import jax\n\ndef f(key):\n    return jax.random.normal(key) + jax.random.normal(key)\n"
    if mode == "fix":
        # Small files: no pool for linting them, one for fixing them.
        root = tmp_path
        for i in range(8):
            (root / f"m{i}.py").write_text(reuse)
    else:
        root = _busy_tree(tmp_path, files=4, functions=250)
    (root / "crash.py").write_text(reuse)
    (root / "fine.py").write_text(reuse)
    args = ["check", "--no-cache", "--jobs", "2", "--output-format", "concise", "."]
    if mode == "fix":
        args.insert(1, "--fix")
    completed = subprocess.run(
        [sys.executable, "-c", _CRASHING_WORKERS, *args],
        cwd=root,
        env=environment(CRASH_IN="--fix" if mode == "fix" else "check"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    verb = "fixing" if mode == "fix" else "linting"
    assert f"crash.py:1:1: E000 internal error: the process {verb} this file died (killed by SIGSEGV)" in completed.stdout
    died = [line for line in completed.stdout.splitlines() if "died" in line]
    assert len(died) == 1, died
    if mode == "fix":
        assert "jax.random.split" in (root / "fine.py").read_text()
        assert (root / "crash.py").read_text() == reuse
        assert "Fixed" in completed.stderr
    else:
        assert "fine.py:4:" in completed.stdout and "PRN003" in completed.stdout
        assert all(f"m{i}.py:" in completed.stdout for i in range(4))
