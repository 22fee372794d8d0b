"""Plan the jobs, run the worker processes, collect what they report.

The command-line process never imports JAX: it starts the workers at once, so
that their imports and compilations overlap, and waits for their events.

Single-process proofs use two workers. Each takes the *primary* job of one
training and the *replica* job of the other, so both cores work all the time
and every comparison (rerun, resume) is between two processes that share
nothing but the checkpoint folder:

    worker A: primary(nnx)      then replica(equinox)
    worker B: primary(equinox)  then replica(nnx)

With ``--processes N`` one more JAX job of N processes (``jax.distributed``
on 127.0.0.1) trains, checkpoints, reruns and resumes the trainings as one
data-parallel job; every process runs the same plan.

Workers run in their own process groups; whatever happens, every group still
alive at the end is killed. A worker that dies, reports a fatal error or
outlives the timeout ends the run with a ``RunError``. A user's training that
cannot be loaded, breaks the protocol or raises is not fatal: its worker
reports a ``target-error`` for it and goes on with the other trainings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from prnglint.verifier.protocol import REFERENCES

EventSink = Callable[["Worker", dict[str, Any]], None]

# Where a worker finds the process id of the command that started it.
PARENT_VARIABLE = "PRNGLINT_VERIFY_PARENT"

# How much lower the single-process workers' priority is while a
# jax.distributed job runs beside them (see plan_workers).
JOB_NICENESS = 10


class RunError(Exception):
    """The verification could not be carried out (as opposed to a proof failing)."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """What to verify and how; built by the command line."""

    subjects: tuple[str, ...]
    distributed_subjects: tuple[str, ...]
    targets: dict[str, str]
    seed: int
    other_seed: int
    steps: int
    resume_at: int
    processes: int
    workdir: Path
    contrasts: bool
    flips: int
    orbax_baseline: int
    timeout: float
    progress: bool
    search_path: str
    # Share one persistent compilation cache between the single-process
    # workers of this run (see compilation.py); off: every process compiles.
    compile_cache: bool = True


@dataclasses.dataclass
class Worker:
    """One worker process and what it reported."""

    name: str
    plan: dict[str, Any]
    log_path: Path
    process: subprocess.Popen[str] | None = None
    environment: dict[str, Any] | None = None
    process_index: int = 0
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    compilation: dict[str, Any] = dataclasses.field(default_factory=dict)
    results: dict[str, Any] = dataclasses.field(default_factory=dict)
    fatal: dict[str, Any] | None = None
    finished: bool = False
    started_at: float = 0.0
    first_event_at: float | None = None
    # Why the jax.distributed job this worker belonged to was given up (a
    # target that cannot run as one); the single-process results still count.
    abandoned: str | None = None
    # Subject -> why a job of that user's training failed (the "target-error"
    # event); the other trainings of the run are still verified.
    target_errors: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    @property
    def in_job(self) -> bool:
        """Whether this worker is a process of the ``--processes N`` job."""
        return bool(self.plan.get("distributed"))

    def log_tail(self, lines: int = 15) -> str:
        """The end of the worker's standard error, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def job(kind: str, subject: str, settings: Settings, directory: Path, *, full: bool = True) -> dict[str, Any]:
    """The plan entry of one job. ``full`` adds contrasts, other seed and integrity probes."""
    entry: dict[str, Any] = {
        "id": f"{subject}/{kind}",
        "kind": kind,
        "subject": subject,
        "target": settings.targets[subject],
        "search_path": settings.search_path,
        "seed": settings.seed,
        "steps": settings.steps,
        "resume_at": settings.resume_at,
        "checkpoints": str(directory),
        "contrasts": full and settings.contrasts and subject in REFERENCES,
        "wait_timeout": settings.timeout,
    }
    if kind in ("primary", "replica"):
        # The replica waits for the primary to compile, then loads its
        # executables from the run's compilation cache.
        entry["share_compiled"] = settings.compile_cache
    if kind == "primary" and full:
        entry["other_seed"] = settings.other_seed
        entry["integrity"] = {"flips": settings.flips, "seed": settings.seed, "orbax_baseline": settings.orbax_baseline}
    return entry


def crossed_jobs(settings: Settings, root: Path) -> list[list[dict[str, Any]]]:
    """Job lists of two workers: each the primary of one subject, the replica of another."""
    subjects = list(settings.subjects)
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    for index, subject in enumerate(subjects):
        directory = root / subject
        owner, other = (first, second) if index % 2 == 0 else (second, first)
        owner.append(job("primary", subject, settings, directory))
        other.append(job("replica", subject, settings, directory))
    # Primaries first: a replica waits for its primary's checkpoint, and its
    # own compilation hides most of that wait.
    for jobs in (first, second):
        jobs.sort(key=lambda entry: entry["kind"] != "primary")
    return [first, second]


def plan_workers(settings: Settings) -> list[Worker]:
    """Every worker process of this run, with its plan."""
    workers: list[Worker] = []
    logs = settings.workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # Inside the run's folder, so it starts empty and is removed with it.
    cache = str(settings.workdir / "compile-cache") if settings.compile_cache else None
    for index, jobs in enumerate(crossed_jobs(settings, settings.workdir / "single")):
        if jobs:
            plan = {
                "jobs": jobs,
                "progress": settings.progress,
                "distributed": None,
                "compile_cache": cache,
                # With a job of several processes beside them, the single
                # workers yield the cores: the job's processes advance in
                # lockstep and stall whenever one of them waits for a core.
                "nice": JOB_NICENESS if settings.processes > 1 else 0,
            }
            workers.append(Worker(f"worker {'AB'[index]}", plan, logs / f"worker-{'ab'[index]}.log"))
    if settings.processes > 1:
        jobs = [
            job("distributed", subject, settings, settings.workdir / "distributed" / subject, full=False)
            for subject in settings.distributed_subjects
        ]
        # Only the loopback interface: the job never leaves this machine.
        coordinator = f"127.0.0.1:{free_port()}"
        for process_id in range(settings.processes):
            plan = {
                "jobs": jobs,
                # One progress display for the job is enough.
                "progress": settings.progress and process_id == 0,
                # The processes of the job compile their programs at the same
                # moment, so a shared cache would save nothing; each compiles.
                "compile_cache": None,
                "distributed": {
                    "coordinator": coordinator,
                    "num_processes": settings.processes,
                    "process_id": process_id,
                    "timeout": max(30, int(settings.timeout)),
                },
            }
            workers.append(Worker(f"job process {process_id}", plan, logs / f"job-process-{process_id}.log"))
    return workers


def start(worker: Worker, events: queue.Queue[tuple[Worker, dict[str, Any] | None]]) -> None:
    """Start the worker's process and a thread that forwards its events.

    The worker learns this process's id, so that it can die with it (see
    ``worker.die_with_parent``).
    """
    log = worker.log_path.open("w")
    worker.started_at = time.perf_counter()
    worker.process = subprocess.Popen(
        [sys.executable, "-m", "prnglint.verifier.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        # Its own process group, so that it and anything it starts can be
        # killed together without touching anything else.
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", PARENT_VARIABLE: str(os.getpid())},
    )
    log.close()
    assert worker.process.stdin is not None and worker.process.stdout is not None
    try:
        worker.process.stdin.write(json.dumps(worker.plan))
        worker.process.stdin.close()
    except BrokenPipeError:
        # It died at once; its exit is reported like any other death.
        pass
    stdout: TextIO = worker.process.stdout

    def forward() -> None:
        for line in stdout:
            line = line.strip()
            if line:
                try:
                    events.put((worker, json.loads(line)))
                except json.JSONDecodeError:
                    events.put((worker, {"type": "noise", "line": line}))
        events.put((worker, None))

    threading.Thread(target=forward, name=f"events of {worker.name}", daemon=True).start()


def stop(worker: Worker) -> None:
    """Kill the worker's process group if it is still running, and reap it."""
    process = worker.process
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def describe_exit(code: int | None) -> str:
    """``exit code 3`` or ``signal SIGKILL``."""
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def run(settings: Settings, on_event: EventSink | None = None, on_start: Callable[[int], None] | None = None) -> list[Worker]:
    """Run every worker to the end; raise ``RunError`` if any of them fails.

    ``on_start(pid)`` is called with every worker's process (group) id as it
    starts, for the janitor (see ``janitor.py``).
    """
    workers = plan_workers(settings)
    events: queue.Queue[tuple[Worker, dict[str, Any] | None]] = queue.Queue()
    deadline = time.monotonic() + settings.timeout
    try:
        for worker in workers:
            start(worker, events)
            if on_start is not None and worker.process is not None:
                on_start(worker.process.pid)
        running = len(workers)
        # A user's training may not be written for a job of several
        # processes; then the job is given up and the rest goes on.
        forgiving = any(subject not in REFERENCES for subject in settings.distributed_subjects)
        job = [w for w in workers if w.in_job]
        while running:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                late = ", ".join(w.name for w in workers if not w.finished and not w.abandoned)
                raise RunError(f"timed out after {settings.timeout:.0f} s; still running: {late}")
            try:
                worker, event = events.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if event is None:
                running -= 1
                assert worker.process is not None
                code = worker.process.wait()
                if worker.abandoned:
                    continue
                if worker.fatal is None and (code != 0 or not worker.finished):
                    message = f"{worker.name} (pid {worker.process.pid}) died ({describe_exit(code)}) before finishing its jobs."
                    if forgiving and worker.in_job:
                        abandon(job, message + _tail(worker))
                        continue
                    raise RunError(message + _tail(worker))
                continue
            if worker.first_event_at is None:
                worker.first_event_at = time.perf_counter()
            if worker.abandoned:
                continue
            handle(worker, event)
            if on_event is not None:
                on_event(worker, event)
            if worker.fatal is not None:
                if forgiving and worker.in_job:
                    abandon(job, fatal_message(worker))
                    continue
                raise_fatal(worker)
    finally:
        for worker in workers:
            stop(worker)
    return workers


def handle(worker: Worker, event: dict[str, Any]) -> None:
    """Store what an event says about its worker."""
    kind = event.get("type")
    if kind == "environment":
        worker.environment = event["record"]
        worker.process_index = int(event.get("process_index", 0))
    elif kind == "result":
        worker.results[event["job"]] = event["result"]
    elif kind == "target-error":
        worker.target_errors[event["subject"]] = event
    elif kind == "fatal":
        worker.fatal = event
    elif kind == "finished":
        worker.finished = True
        worker.timings = event.get("timings", {})
        worker.compilation = event.get("compilation", {})


def abandon(job: list[Worker], why: str) -> None:
    """Give up the ``jax.distributed`` job: stop its processes and say why in each of them."""
    for worker in job:
        if worker.abandoned is None:
            worker.abandoned = why
        stop(worker)


def fatal_message(worker: Worker) -> str:
    """A worker's fatal event as one message (the last lines of a traceback for internal errors)."""
    assert worker.fatal is not None
    kind, message = worker.fatal.get("kind"), worker.fatal.get("message", "")
    if kind == "target":
        return f"bad target: {message}"
    if kind == "job":
        return f"{worker.name}: {message}"
    detail = worker.fatal.get("traceback", "").strip().splitlines()[-6:]
    return f"{worker.name} failed: {message}" + ("\n" + "\n".join(detail) if detail else "")


def raise_fatal(worker: Worker) -> None:
    """Turn a worker's fatal event into a ``RunError`` with a clear message."""
    raise RunError(fatal_message(worker))


def _tail(worker: Worker) -> str:
    tail = worker.log_tail()
    return f"\nLast lines of its log ({worker.log_path}):\n{tail}" if tail else ""
