"""Running prnglint as a separate process on real files, always within a deadline.

Every attack test goes through `prnglint`: a run that hangs fails its test
(`subprocess.TimeoutExpired`, after the process group is killed) instead of
hanging the suite. `as_user=True` runs it without root's power to read and
write anything (the capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
are dropped), so that permission tests mean the same as root and as a user.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2


@dataclass
class Completed:
    """What a finished run returned and printed."""

    status: int
    out: str
    err: str
    seconds: float


def _drop_file_capabilities() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def can_drop_root() -> bool:
    """True if runs can be made to obey file permissions (not root, or root that may drop capabilities)."""
    if os.geteuid() != 0:
        return True
    completed = subprocess.run(
        ["cat", "/proc/self/status"], preexec_fn=_drop_file_capabilities, capture_output=True, check=False, timeout=10
    )
    return completed.returncode == 0


def command(*args: str) -> list[str]:
    """The command line of `prnglint ARGS` in this interpreter."""
    return [sys.executable, "-m", "prnglint", *args]


def environment(**extra: str) -> dict[str, str]:
    """The environment of a test run: no colours, no terminal width guesses."""
    return {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **extra}


def prnglint(
    *args: str, cwd: Path, timeout: float = 60, as_user: bool = False, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Completed:
    """Run `prnglint ARGS` in `cwd`; a run past `timeout` seconds is killed and fails the test."""
    preexec = None
    if as_user and os.geteuid() == 0:
        if not can_drop_root():
            pytest.skip("running as root without the right to drop capabilities")
        preexec = _drop_file_capabilities
    started = time.monotonic()
    process = subprocess.Popen(
        command(*args),
        cwd=cwd,
        env=env or environment(),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process.pid)
        process.communicate()
        pytest.fail(f"prnglint {' '.join(args)} did not finish within {timeout} s")
    return Completed(
        process.returncode,
        out.decode("utf-8", "backslashreplace"),
        err.decode("utf-8", "backslashreplace"),
        time.monotonic() - started,
    )


def kill_group(pid: int) -> None:
    """Kill a process group started with `start_new_session`, if anything of it is left."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def children_of(pid: int) -> set[int]:
    """The pids whose parent is `pid` (from /proc)."""
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry))
    return found


def alive(pids: Iterable[int]) -> set[int]:
    """Those of `pids` that still run (zombies, waiting for a parent to collect them, do not)."""
    running: set[int] = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in (b"Z", b"X"):
            running.add(pid)
    return running


def wait_until(condition, timeout: float, interval: float = 0.05) -> bool:
    """Poll `condition()` until it is true or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
