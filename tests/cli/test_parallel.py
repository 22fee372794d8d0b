"""Parallel runs: the same results whatever `--jobs` and the cache; no progress bar unless watched."""

from __future__ import annotations

import importlib.util
import io
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prnglint import progress, runner
from prnglint.cli import main
from tests.cli.conftest import CLEAN, IMPORT_TIME, NO_WRT, write


def _copy_sample(target: Path, limit: int = 80) -> int:
    """Copy a spread of installed JAX-stack sources (those the word filter keeps and others); return the count."""
    copied = 0
    for package in ("flax", "optax", "equinox", "chex"):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        files = sorted(root.rglob("*.py"))
        for path in files[:: max(1, len(files) // (limit // 4))][: limit // 4]:
            destination = target / package / path.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            copied += 1
    return copied


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    assert _copy_sample(root) >= 40, "the JAX stack must be installed for this test"
    write(root / "ours" / "bad.py", IMPORT_TIME)
    write(root / "ours" / "ok.py", CLEAN)
    write(root / "ours" / "opt.py", NO_WRT)
    write(root / "ours" / "broken.py", "import jax\nkey = jax.random.key(0\n")
    (root / "ours" / "latin.py").write_bytes(b"import jax\nx = '\xe9'\njax.random.key(0)\n")
    return root


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of files handed to each process pool started."""
    started: list[int] = []
    real = runner._lint_in_pool

    def spy(work, options, workers, done):
        started.append(len(work))
        return real(work, options, workers, done)

    monkeypatch.setattr(runner, "_lint_in_pool", spy)
    return started


def _check(capsys, monkeypatch, cwd: Path, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    status = main(["--output-format", "concise", *args, "."])
    return status, capsys.readouterr().out


def test_same_results_with_any_jobs_and_with_or_without_cache(sample: Path, pools: list[int], capsys, monkeypatch) -> None:
    status, reference = _check(capsys, monkeypatch, sample, "--jobs", "1", "--no-cache")
    assert status == 2  # the broken and the undecodable file
    assert "ours/bad.py:3:7: PRN001" in reference
    assert "ours/broken.py" in reference and "E999" in reference
    assert "ours/latin.py" in reference and "E902" in reference
    assert pools == []
    runs = {
        "jobs 2, no cache": ("--jobs", "2", "--no-cache"),
        "jobs 2, cold cache": ("--jobs", "2"),
        "jobs 2, warm cache": ("--jobs", "2"),
        "jobs 1, warm cache": ("--jobs", "1"),
    }
    for label, args in runs.items():
        assert _check(capsys, monkeypatch, sample, *args) == (status, reference), label
    # The first two runs had enough to lint for a pool; the warm ones had nothing left.
    assert len(pools) == 2 and all(count > 10 for count in pools)


def test_small_runs_start_no_pool(tmp_path: Path, pools: list[int], capsys, monkeypatch) -> None:
    write(tmp_path / "bad.py", IMPORT_TIME)
    write(tmp_path / "ok.py", CLEAN)
    status, out = _check(capsys, monkeypatch, tmp_path, "--jobs", "8", "--no-cache")
    assert status == 1 and "bad.py:3:7: PRN001" in out
    assert pools == []


def test_chunks_put_big_files_first_and_cover_everything() -> None:
    work = [
        runner._Work(i, Path(f"f{i}.py"), f"f{i}.py", runner.PYTHON, "x" * size, (), None, None)
        for i, size in enumerate([10, 5000, 300, 40, 2000, 7, 900])
    ]
    chunks = runner._chunks(work, workers=2)
    flat = [item.index for chunk in chunks for item in chunk]
    assert sorted(flat) == list(range(len(work)))
    assert chunks[0][0].index == 1  # the biggest file comes first, alone
    sizes = [len(item.payload) for item in (item for chunk in chunks for item in chunk)]
    assert sizes == sorted(sizes, reverse=True)


def test_a_dying_worker_costs_only_errors_not_the_run(sample: Path, capsys, monkeypatch) -> None:
    real = runner._lint_one

    def crash_on_opt(name, kind, payload, rules, options):
        if name.endswith("opt.py") and os.getpid() != parent:
            os._exit(3)  # a worker killed mid-file (out of memory, a crash in native code)
        return real(name, kind, payload, rules, options)

    parent = os.getpid()
    monkeypatch.setattr(runner, "_lint_one", crash_on_opt)
    status, out = _check(capsys, monkeypatch, sample, "--jobs", "2", "--no-cache")
    assert status == 2
    opt_lines = [line for line in out.splitlines() if line.startswith("ours/opt.py")]
    assert opt_lines and all("E000" in line for line in opt_lines)


def test_no_processes_to_be_had_means_linting_here(sample: Path, pools: list[int], capsys, monkeypatch) -> None:
    from concurrent.futures import ProcessPoolExecutor

    reference = _check(capsys, monkeypatch, sample, "--jobs", "1", "--no-cache")

    def refuse(self, *args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", refuse)
    assert _check(capsys, monkeypatch, sample, "--jobs", "2", "--no-cache") == reference
    assert len(pools) == 1  # a pool was tried, and refused


def test_lint_files_keeps_its_old_signature(tmp_path: Path) -> None:
    from prnglint.config import Settings
    from prnglint.files import FoundFile

    write(tmp_path / "bad.py", IMPORT_TIME)
    (result,) = runner.lint_files([FoundFile(tmp_path / "bad.py", True)], Settings(root=tmp_path))
    assert [d.code for d in result.diagnostics] == ["PRN001"]
    assert result.source is not None


# --- The progress bar ---------------------------------------------------------


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_for_a_watched_terminal() -> None:
    assert not progress.is_interactive(io.StringIO(), {})
    assert progress.is_interactive(_FakeTerminal(), {"TERM": "xterm"})
    assert not progress.is_interactive(_FakeTerminal(), {"CI": "true"})
    assert not progress.is_interactive(_FakeTerminal(), {"GITHUB_ACTIONS": "true"})
    assert not progress.is_interactive(_FakeTerminal(), {"TERM": "dumb"})


def test_progress_only_for_long_runs(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    factory = progress.terminal_progress(_FakeTerminal())
    assert factory is not None
    assert factory(progress.MIN_FILES - 1) is None
    bar = factory(progress.MIN_FILES)
    assert bar is not None
    bar.advance()
    bar.close()


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path, capsys, monkeypatch) -> None:
    _many_candidates(tmp_path, 5)
    monkeypatch.setattr(progress, "MIN_FILES", 1)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    main(["--output-format", "concise", "--no-cache", "."])
    assert capsys.readouterr().err == ""


def _many_candidates(root: Path, count: int) -> None:
    for index in range(count):
        write(root / f"m{index:03}.py", CLEAN)


def _stderr_on_a_terminal(root: Path, env: dict[str, str]) -> str:
    """Run prnglint with standard error on a pseudo-terminal; return what the terminal showed."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "prnglint", "--no-cache", "--jobs", "1", "."],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the run is over
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=60)
    os.close(leader)
    return shown.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_but_not_in_ci(tmp_path: Path) -> None:
    _many_candidates(tmp_path, progress.MIN_FILES + 20)
    env = {k: v for k, v in os.environ.items() if k not in progress._CI_VARIABLES}
    env["TERM"] = "xterm"
    assert "Linting" in _stderr_on_a_terminal(tmp_path, env)
    assert "Linting" not in _stderr_on_a_terminal(tmp_path, {**env, "CI": "true"})
