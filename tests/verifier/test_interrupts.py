"""Stopping ``prnglint verify`` by a signal leaves nothing behind: no worker, no run folder.

Each test starts ``prnglint verify`` on a training whose factory sleeps, so
that its workers are alive, sends a signal and waits, bounded, for every
worker to be gone and the run's folder to be removed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SLEEPER = "import time\n\n\ndef make_training():\n    time.sleep(600)\n"
DEADLINE = 30.0


def workers_of(parent: int) -> list[int]:
    """Worker processes whose parent is ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"prnglint.verifier.worker" in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that does not reap counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def has_loaded_jax(pid: int) -> bool:
    try:
        return "jaxlib" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE:.0f} s: {what}")
        time.sleep(0.1)


@pytest.mark.parametrize(
    ("number", "processes"),
    [
        (signal.SIGTERM, 1),
        (signal.SIGHUP, 1),
        (signal.SIGINT, 1),
        (signal.SIGKILL, 1),
        (signal.SIGTERM, 2),
        (signal.SIGKILL, 2),
    ],
    ids=["SIGTERM", "SIGHUP", "SIGINT", "SIGKILL", "SIGTERM-processes-2", "SIGKILL-processes-2"],
)
def test_a_signal_stops_every_worker_and_removes_the_run_folder(tmp_path: Path, number: int, processes: int) -> None:
    (tmp_path / "sleeper.py").write_text(SLEEPER)
    workdir = tmp_path / "work"
    command = [sys.executable, "-m", "prnglint", "verify", "--target", "sleeper:make_training", "--workdir", str(workdir)]
    command += ["--processes", str(processes)]
    verify = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        expected = 2 + (processes if processes > 1 else 0)
        wait_until(lambda: len(workers_of(verify.pid)) == expected, f"{expected} workers started")
        workers = workers_of(verify.pid)
        # Stop them in the middle of their work, with JAX loaded, not while they start.
        wait_until(lambda: all(has_loaded_jax(pid) for pid in workers), "the workers imported JAX")
        assert len(list(workdir.iterdir())) == 1, "the run has its folder"
        verify.send_signal(number)
        _, err = verify.communicate(timeout=DEADLINE)
        wait_until(lambda: not any(alive(pid) for pid in workers), "every worker gone")
        wait_until(lambda: not any(workdir.iterdir()), "the run's folder removed")
        if number != signal.SIGKILL:
            assert verify.returncode == 128 + number
            assert f"stopped by {signal.Signals(number).name}" in err
            assert "Traceback" not in err
    finally:
        if verify.poll() is None:
            verify.kill()
            verify.wait()
        for pid in workers_of(verify.pid):
            os.kill(pid, signal.SIGKILL)
