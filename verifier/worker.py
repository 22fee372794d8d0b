"""A worker process of ``prnglint verify``.

The command-line process starts workers with ``python -m
prnglint.verifier.worker``, writes one JSON *plan* to their standard input and
reads JSON lines (*events*) from their standard output:

``{"type": "started"}``, ``{"type": "environment", ...}``, ``{"type":
"progress", ...}``, ``{"type": "result", "job": ID, "result": {...}}``,
``{"type": "fatal", "kind": "target" | "job" | "internal", "message": ...}``
and ``{"type": "finished", "timings": {...}}``.

Standard output is claimed for events before anything else runs; whatever the
training prints goes to standard error, which the command line keeps in a log
file and shows when a worker fails.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback
from typing import IO, Any

EXIT_TARGET_ERROR = 2
EXIT_JOB_ERROR = 3
EXIT_INTERNAL_ERROR = 4
EXIT_ORPHANED = 5


# prctl(2) option: the signal the kernel sends when the parent dies.
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """End this worker when the ``prnglint verify`` process that started it dies, however it dies.

    On Linux the kernel sends SIGKILL at the parent's death (prctl
    ``PR_SET_PDEATHSIG``); everywhere a daemon thread also checks once a
    second that the parent is still the one that started it. A parent that
    died before this ran is caught by the first check.
    """
    expected = int(os.environ.get("PRNGLINT_VERIFY_PARENT", "0") or 0)
    if not expected:
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != expected:
                os._exit(EXIT_ORPHANED)
            time.sleep(1.0)

    if os.getppid() != expected:
        os._exit(EXIT_ORPHANED)
    threading.Thread(target=watch, name="parent watch", daemon=True).start()


def claim_stdout() -> IO[str]:
    """Keep the real standard output for events and send fd 1 to standard error."""
    events_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(events_fd, "w", buffering=1)


def main() -> int:
    """Run the plan read from standard input; the exit code says how it ended."""
    started, started_cpu = time.perf_counter(), time.process_time()
    die_with_parent()
    events = claim_stdout()

    def emit(event: dict[str, Any]) -> None:
        events.write(json.dumps(event) + "\n")
        events.flush()

    plan = json.loads(sys.stdin.read())
    if plan.get("nice"):
        os.nice(int(plan["nice"]))
    emit({"type": "started", "pid": os.getpid(), "wall_time": time.time()})
    timings: dict[str, float] = {}
    try:
        mark = time.perf_counter()
        import jax

        timings["import jax"] = time.perf_counter() - mark
        timings["import jax cpu"] = time.process_time() - started_cpu
        from prnglint.verifier import compilation

        # Before anything is compiled: the cache, when the plan has one, is
        # this run's own folder (see compilation.py for what it shares).
        cache = compilation.configure(plan.get("compile_cache"))
        counter = compilation.CompileCounter().install()
        distributed = plan.get("distributed")
        if distributed:
            mark = time.perf_counter()
            jax.distributed.initialize(
                coordinator_address=distributed["coordinator"],
                num_processes=distributed["num_processes"],
                process_id=distributed["process_id"],
                initialization_timeout=int(distributed.get("timeout", 60)),
            )
            timings["jax.distributed.initialize"] = time.perf_counter() - mark
        mark = time.perf_counter()
        import orbax.checkpoint  # noqa: F401  (timed here rather than inside a job)

        from prnglint.verifier import environment, jobs

        timings["import orbax and verifier"] = time.perf_counter() - mark
        mark = time.perf_counter()
        from prnglint.verifier.imports import import_reference
        from prnglint.verifier.protocol import REFERENCES

        # The reference trainings' modules, without the IPython import that
        # flax makes and never needs here (see imports.py); a job then finds
        # them imported. A user's target is imported by its job as it is.
        for target in dict.fromkeys(job["target"] for job in plan["jobs"]):
            if target in REFERENCES.values():
                try:
                    import_reference(target.partition(":")[0])
                except Exception:  # the job imports it again and reports why it fails
                    pass
        timings["import reference trainings"] = time.perf_counter() - mark
        emit({"type": "environment", "record": environment.full_record(), "process_index": jax.process_index()})
    except Exception as error:
        emit({"type": "fatal", "kind": "internal", "message": f"worker setup failed: {error}", "traceback": traceback.format_exc()})
        return EXIT_INTERNAL_ERROR

    for job in plan["jobs"]:
        run = {"primary": jobs.primary, "replica": jobs.replica, "distributed": jobs.distributed}[job["kind"]]
        before = counter.snapshot()
        try:
            result = run(job, emit, bool(plan.get("progress")))
            result["compilation"] = compilation.difference(counter.snapshot(), before)
        except Exception as error:
            if own_failure(job, plan):
                # A user's training that cannot be loaded, breaks the protocol
                # or raises is that training's failure; the other trainings
                # of the run are still verified.
                jobs.mark_failed(job)
                emit(
                    {
                        "type": "target-error",
                        "job": job["id"],
                        "subject": job["subject"],
                        "name": jobs.LOADED.get(job["id"]),
                        "message": describe_target_error(job, error),
                        "skipped": isinstance(error, jobs.PartnerFailed),
                    }
                )
                continue
            event, code = fatal_event(job, error)
            emit(event)
            return code
        emit({"type": "result", "job": job["id"], "result": result})
    timings["total"] = time.perf_counter() - started
    timings["total cpu"] = time.process_time() - started_cpu
    if plan.get("distributed"):
        # A barrier with the other processes of the job, so that none leaves
        # while another still needs it.
        jax.distributed.shutdown()
    emit(
        {
            "type": "finished",
            "timings": {name: round(value, 3) for name, value in timings.items()},
            "compilation": {**cache, **counter.snapshot()},
        }
    )
    events.close()
    return 0


def own_failure(job: dict[str, Any], plan: dict[str, Any]) -> bool:
    """Whether a failed job is its training's own failure rather than the end of the run.

    So it is for a user's target in a single-process worker. The reference
    trainings must work (their failure is prnglint's), and a process of a
    ``jax.distributed`` job cannot leave its job alone: there the job is given
    up as a whole (see ``runner.abandon``).
    """
    from prnglint.verifier.protocol import REFERENCES

    return not plan.get("distributed") and job["target"] not in REFERENCES.values()


def describe_target_error(job: dict[str, Any], error: Exception) -> str:
    """Why a user's training could not be verified, in one message; where its own code raised, if it did."""
    from prnglint.verifier.jobs import PartnerFailed, user_frame
    from prnglint.verifier.protocol import ProtocolError, TargetError

    if isinstance(error, ProtocolError):
        return f"{job['target']}: {error}"
    if isinstance(error, TargetError | PartnerFailed):
        return str(error)
    message = f"{job['kind']} job: {job['target']} raised {type(error).__name__}: {error}"
    where = user_frame(error)
    return message + (f" (at {where})" if where else "")


def fatal_event(job: dict[str, Any], error: Exception) -> tuple[dict[str, Any], int]:
    """The fatal event that ends this worker for a job that failed, and the worker's exit code."""
    from prnglint.verifier.checkpoint import CheckpointError
    from prnglint.verifier.jobs import JobError
    from prnglint.verifier.protocol import ProtocolError, TargetError

    if isinstance(error, TargetError):
        message = str(error)
        if isinstance(error, ProtocolError):
            message = f"{job['target']}: {message}"
        return {"type": "fatal", "kind": "target", "job": job["id"], "message": message}, EXIT_TARGET_ERROR
    if isinstance(error, JobError | CheckpointError):
        return {"type": "fatal", "kind": "job", "job": job["id"], "message": str(error)}, EXIT_JOB_ERROR
    return (
        {
            "type": "fatal",
            "kind": "internal",
            "job": job["id"],
            "message": f"{job['kind']} job for {job['subject']} failed: {type(error).__name__}: {error}",
            "traceback": "".join(traceback.format_exception(error)),
        },
        EXIT_INTERNAL_ERROR,
    )


if __name__ == "__main__":
    code = main()
    # Every result is reported and every checkpoint is on disk (saves wait for
    # completion); skip the interpreter's and JAX's slow teardown.
    sys.stderr.flush()
    os._exit(code)
