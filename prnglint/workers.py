"""Worker processes that die with the run that started them, and outlive no crash of their own.

Both the linter's pool (`prnglint.runner`) and the fixer's (`prnglint.fixer`)
start their workers here. A worker asks the kernel (on Linux) to send it
SIGTERM when its parent dies, so that `timeout`, a cancelled CI job or an
editor killing prnglint, even with SIGKILL, leaves no worker behind; and it
removes the temporary file of a fixed file it was writing before it exits
on SIGTERM.

A worker that itself dies (a crash in a native library) breaks the whole
pool: every file still waiting would be lost with it. `run_isolated` lints
or fixes what is left again, one file per process, so that only the file
that kills its process is reported, and the rest of the run goes on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1


def pool_context() -> Any:
    """`fork` on Linux: workers start at once with the rules already imported."""
    import multiprocessing

    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def die_with_parent(parent: int) -> None:
    """Make this process end when process `parent` (the one that started it) does.

    On Linux the kernel sends SIGTERM at the parent's death (`prctl`
    `PR_SET_PDEATHSIG`); if the parent died before that was asked, the
    process ends at once. Elsewhere a thread watches the parent's pid.
    """
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl failed")
        except (OSError, AttributeError):
            _watch_parent(parent)
    else:
        _watch_parent(parent)
    if os.getppid() != parent:
        os._exit(1)


def _exit_on_signal(signum: int, frame: object) -> None:
    # Not SystemExit: the pool's worker loop would catch it and wait for more
    # work from a parent that is gone. A fixed file half written is removed first.
    # No import here: the signal may arrive while an import holds its lock.
    writer = sys.modules.get("prnglint.writer")
    if writer is not None:
        writer.remove_temporary_files()
    os._exit(128 + signum)


def _watch_parent(parent: int) -> None:
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="prnglint-parent-watch", daemon=True).start()


def start_worker(parent: int) -> None:
    """What every worker does first: die with its parent, leave Ctrl-C to the parent."""
    die_with_parent(parent)
    # Ctrl-C is the main process's to handle: it stops the pool; workers
    # printing their own KeyboardInterrupt tracebacks would only be noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def exit_cleanly_on_termination() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise SystemExit in the main thread, as Ctrl-C raises KeyboardInterrupt.

    The exception unwinds through the writer, which removes its temporary
    file, and through the pool, which is shut down; the workers, told by the
    kernel that their parent died, end too.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            previous[signum] = signal.signal(signum, _raise_exit)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def death_words(exitcode: int | None) -> str:
    """How a process ended, in words ("killed by SIGSEGV", "exit status 3")."""
    if exitcode is None:
        return "did not finish"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


def run_isolated(
    items: Sequence[T],
    work: Callable[[T], R],
    died: Callable[[T, str], R],
    workers: int,
    finished: Callable[[T, R], None],
) -> None:
    """Run `work(item)` for every item, each in a process of its own, up to `workers` at once.

    `finished(item, result)` receives each result; for an item whose process
    died, the result is `died(item, how)`. Without processes to be had, the
    items run in this process.
    """
    context = pool_context()
    parent = os.getpid()
    pending = list(items)
    running: list[tuple[T, Any, Any]] = []

    def child(connection: Any, item: T) -> None:
        start_worker(parent)
        connection.send(work(item))
        connection.close()

    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                item = pending.pop(0)
                try:
                    receiver, sender = context.Pipe(duplex=False)
                    process = context.Process(target=child, args=(sender, item), daemon=True)
                    process.start()
                except OSError:
                    # No processes to be had (a sandbox, a process limit): run it here.
                    finished(item, work(item))
                    continue
                sender.close()
                running.append((item, process, receiver))
            if not running:
                continue
            item, process, receiver = running.pop(0)
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                process.join()
                result = died(item, death_words(process.exitcode))
            else:
                process.join()
            receiver.close()
            finished(item, result)
    finally:
        for _, process, _ in running:
            if process.is_alive():
                process.terminate()
