"""``prnglint verify``: prove that a training reproduces bit for bit.

``main(argv)`` is what ``prnglint verify ARGS...`` and ``python -m
prnglint.verifier ARGS...`` call. It parses the arguments, runs the worker
processes (``runner``), judges and renders the report (``report``) and returns
the exit code: 0 when every proof holds, 1 when one fails, 2 when the
verification could not be carried out (bad arguments, a worker that died or
timed out) or a target could not be verified (it cannot be loaded, breaks the
protocol or raises; the other targets are still verified and reported).

This module imports neither JAX nor anything that does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prnglint.verifier import environment
from prnglint.verifier.protocol import REFERENCES, TargetError, is_file_target, split_target

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2

# Neither a multiple of nor a divisor of anything convenient, so that an
# off-by-one in the resume logic cannot hide behind a round number.
DEFAULT_STEPS = 50
DEFAULT_RESUME_AT = 23


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``prnglint verify``."""
    parser = argparse.ArgumentParser(
        prog="prnglint verify",
        description=(
            "Train a jitted model on CPU and prove that it reproduces bit for bit: a rerun in a fresh process, "
            "a resume from an Orbax checkpoint in a fresh process, another seed, JAX's key-reuse checker, "
            "the linter's anti-patterns side by side, and checkpoint integrity."
        ),
    )
    parser.add_argument("--framework", choices=("nnx", "equinox", "all"), default=None, help="reference training(s) to verify (default: all)")
    parser.add_argument(
        "--target",
        action="append",
        metavar="MODULE:FACTORY",
        help="verify your own training: FACTORY() returns an object with init(seed) and step(state); MODULE is "
        "package.module or path/to/file.py; repeat to verify several trainings, each reported under its own name",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the proofs (default: 0)")
    parser.add_argument("--other-seed", type=int, default=None, help="seed of the sensitivity run (default: seed + 1)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"steps per run (default: {DEFAULT_STEPS})")
    parser.add_argument("--resume-at", type=int, default=DEFAULT_RESUME_AT, help=f"step after which to checkpoint and resume (default: {DEFAULT_RESUME_AT})")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="also run the first selected training (nnx by default) as one jax.distributed job of N local processes "
        "and prove its rerun and resume",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where to put checkpoints and worker logs: a new folder is made inside it (default: a temporary folder)",
    )
    parser.add_argument("--keep", action="store_true", help="keep that folder instead of removing it at the end")
    parser.add_argument(
        "--output-format",
        choices=("text", "json", "junit"),
        default="text",
        help="report format: text, json, or junit (JUnit XML, one test case per proof; default: text)",
    )
    parser.add_argument("--output-file", type=Path, help="write the report to this file instead of standard output")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the loss curves into this PNG file")
    parser.add_argument("--bit-flips", type=int, default=40, help="random single-bit flips the integrity check must catch (default: 40)")
    parser.add_argument(
        "--orbax-baseline",
        type=int,
        default=0,
        metavar="N",
        help="also restore the first N flipped checkpoints with plain Orbax, to show what it does alone (default: 0)",
    )
    parser.add_argument("--no-contrasts", action="store_true", help="skip the anti-pattern variants of the reference trainings")
    parser.add_argument(
        "--no-compile-cache",
        action="store_true",
        help="compile every program in every process; by default the single-process workers share a JAX compilation "
        "cache in the run's folder, so a fresh process loads the executable of a program another process compiled",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before the whole verification is abandoned (default: 300)")
    return parser


class UsageError(Exception):
    """Arguments that parse but make no sense together."""


def settings_from(args: argparse.Namespace, workdir: Path) -> Any:
    """Check the arguments and turn them into runner settings."""
    from prnglint.verifier.runner import Settings

    if args.steps < 2:
        raise UsageError("--steps must be at least 2")
    if not 0 < args.resume_at < args.steps:
        raise UsageError(f"--resume-at must be between 1 and --steps - 1 ({args.steps - 1}), got {args.resume_at}")
    if not 1 <= args.processes <= 16:
        raise UsageError("--processes must be between 1 and 16")
    if args.bit_flips < 1:
        raise UsageError("--bit-flips must be at least 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.target:
        if args.framework is not None:
            raise UsageError("give either --target or --framework, not both")
        for spec in args.target:
            try:
                module_name, _ = split_target(spec)
            except TargetError as error:
                raise UsageError(str(error)) from error
            if is_file_target(module_name) and not Path(module_name).is_file():
                raise UsageError(f"target {spec!r}: no such file {module_name!r}")
        duplicates = sorted({spec for spec in args.target if args.target.count(spec) > 1})
        if duplicates:
            raise UsageError(f"target {duplicates[0]!r} is given twice")
        # Folder names for each target's checkpoints; the report names them.
        targets = {f"target-{index}": spec for index, spec in enumerate(args.target, 1)}
        subjects: tuple[str, ...] = tuple(targets)
    else:
        framework = args.framework or "all"
        subjects = tuple(REFERENCES) if framework == "all" else (framework,)
        targets = dict(REFERENCES)
    other_seed = args.seed + 1 if args.other_seed is None else args.other_seed
    if other_seed == args.seed:
        raise UsageError("--other-seed must differ from --seed")
    return Settings(
        subjects=subjects,
        # One training in the job keeps --processes affordable on two cores:
        # every process of the job imports and compiles everything it runs.
        distributed_subjects=subjects[:1],
        targets=targets,
        seed=args.seed,
        other_seed=other_seed,
        steps=args.steps,
        resume_at=args.resume_at,
        processes=args.processes,
        workdir=workdir,
        contrasts=not args.no_contrasts,
        flips=args.bit_flips,
        orbax_baseline=min(args.orbax_baseline, args.bit_flips),
        timeout=args.timeout,
        progress=sys.stderr.isatty(),
        search_path=os.getcwd(),
        compile_cache=not args.no_compile_cache,
    )


class Interrupted(BaseException):
    """A signal asked the command to stop (SIGTERM, SIGHUP); raised in the main thread like KeyboardInterrupt."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


STOP_SIGNALS = ("SIGTERM", "SIGHUP")


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """While the body runs, SIGTERM and SIGHUP raise ``Interrupted``, so that cleanup runs as for Ctrl-C.

    Only the main thread can install handlers; elsewhere (a caller's thread)
    the defaults stay.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, _frame: object) -> None:
        raise Interrupted(number)

    numbers = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    previous = {number: signal.signal(number, stop) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Janitor:
    """The process that cleans up if this one dies without doing so (see ``janitor.py``)."""

    def __init__(self, folder: Path, keep: bool) -> None:
        self._process: subprocess.Popen[str] | None = None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(Path(__file__).with_name("janitor.py")), str(folder), "keep" if keep else "remove"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
        except OSError:
            # Without it, cleanup after a SIGKILL is up to the workers' own watch.
            self._process = None

    def _say(self, line: str) -> None:
        if self._process is None or self._process.stdin is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()

    def watch_group(self, group: int) -> None:
        """Tell the janitor about a worker's process group."""
        self._say(f"group {group}")

    def done(self) -> None:
        """This process cleaned up; the janitor has nothing to do."""
        self._say("done")
        if self._process is not None:
            with contextlib.suppress(OSError, ValueError):
                assert self._process.stdin is not None
                self._process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)


def make_run_folder(args: argparse.Namespace) -> Path:
    """The run's own folder, inside ``--workdir`` or the system's temporary folder; ``UsageError`` if impossible."""
    if args.workdir is None:
        try:
            return Path(tempfile.mkdtemp(prefix="prnglint-verify-"))
        except OSError as error:
            raise UsageError(f"cannot create a temporary folder: {error.strerror or error}") from error
    where = args.workdir
    if where.exists() and not where.is_dir():
        raise UsageError(f"--workdir {where} is a file, not a folder")
    try:
        where.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="verify-", dir=where))
    except OSError as error:
        raise UsageError(f"--workdir {where}: cannot create a folder in it ({error.strerror or error})") from error


def check_output_path(option: str, path: Path | None) -> None:
    """``UsageError`` before the run if a report or plot could not be written there."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {path}: the folder {folder} is not writable")


def main(argv: list[str] | None = None) -> int:
    """Run ``prnglint verify`` with ``argv`` (without the program name); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on bad arguments and 0 for --help.
        return int(exit_.code or 0)

    try:
        check_output_path("--output-file", args.output_file)
        check_output_path("--plot", args.plot)
        workdir = make_run_folder(args)
    except UsageError as error:
        return fail(args, f"{error}", parser)
    started = time.perf_counter()
    janitor = Janitor(workdir, args.keep)
    try:
        with stop_signals_raise():
            try:
                settings = settings_from(args, workdir)
            except UsageError as error:
                return fail(args, f"{error}", parser)
            return verify(args, settings, started, janitor)
    except (Interrupted, KeyboardInterrupt) as interrupt:
        number = interrupt.number if isinstance(interrupt, Interrupted) else int(signal.SIGINT)
        name = signal.Signals(number).name
        what = "kept" if args.keep else "removed"
        print(f"prnglint verify: stopped by {name}; every worker was stopped and the run's folder {workdir} {what}", file=sys.stderr)
        return 128 + number
    finally:
        # Interrupts are not welcome while cleaning up; the janitor finishes
        # the job if one still ends this process.
        with contextlib.suppress(Interrupted, KeyboardInterrupt):
            if args.keep:
                print(f"prnglint verify: kept checkpoints and logs in {workdir}", file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
            janitor.done()


def verify(args: argparse.Namespace, settings: Any, started: float, janitor: Janitor | None = None) -> int:
    """Run the workers, then report; the exit code of the run."""
    from prnglint.verifier import report, runner, static

    targets = {subject: spec for subject, spec in settings.targets.items() if subject in settings.subjects and subject not in REFERENCES}
    # The linter reads the targets' code while the workers train it.
    lint = static.BackgroundLint(targets, settings.search_path) if targets else None
    with ProgressDisplay(settings.progress) as display:
        try:
            workers = runner.run(settings, display.on_event, janitor.watch_group if janitor is not None else None)
        except runner.RunError as error:
            display.close()
            return fail(args, str(error))
    findings = lint.result() if lint is not None else None
    data = report.build(settings, workers, time.perf_counter() - started, environment.cpu_affinity(), findings)
    problems: list[str] = []
    if args.plot is not None:
        try:
            report.plot(data, args.plot)
        except OSError as error:
            problems.append(f"cannot write the plot to {args.plot}: {error.strerror or error}")
    try:
        write_report(args, data)
    except OSError as error:
        # The run is finished: its report must not be lost with the file.
        reason = f"cannot write the report to {args.output_file}: {error.strerror or error}"
        args.output_file = None
        write_report(args, data)
        problems.append(reason + "; it was written to standard output instead")
    # Each training that could not be verified is named on standard error
    # too, whatever the report's format; the report has the rest.
    problems = [f"bad target: {error['message']}" for error in data.get("errors", [])] + problems
    if problems:
        for problem in problems:
            print(f"prnglint verify: error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    return int(data["exit_code"])


def write_report(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """Render ``data`` in the chosen format to standard output or the output file."""
    from rich.console import Console

    from prnglint.verifier import junit, report

    if args.output_format in ("json", "junit"):
        text = json.dumps(data, indent=2) if args.output_format == "json" else junit.document(data)
        if args.output_file is not None:
            args.output_file.write_text(text + "\n")
        else:
            sys.stdout.write(text + "\n")
        return
    if args.output_file is not None:
        with args.output_file.open("w") as handle:
            report.render(data, Console(file=handle, width=140, no_color=True))
    else:
        report.render(data, Console())


def fail(args: argparse.Namespace, message: str, parser: argparse.ArgumentParser | None = None) -> int:
    """Report an error that prevented the verification; exit code 2."""
    print(f"prnglint verify: error: {message}", file=sys.stderr)
    if args.output_format in ("json", "junit"):
        data = {"tool": "prnglint verify", "ok": False, "exit_code": EXIT_ERROR, "error": message}
        text = json.dumps(data, indent=2) if args.output_format == "json" else junit_error(message)
        try:
            if args.output_file is None:
                raise FileNotFoundError("no output file")
            args.output_file.write_text(text + "\n")
        except OSError:
            # The error may be about that very file: standard output then.
            sys.stdout.write(text + "\n")
    return EXIT_ERROR


def junit_error(message: str) -> str:
    """A JUnit XML document with one errored test case: the verification could not run."""
    from prnglint.verifier import junit

    return junit.error_document(message)


class ProgressDisplay:
    """A rich progress display on standard error, only when it is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> ProgressDisplay:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
        return self

    def on_event(self, worker: Any, event: dict[str, Any]) -> None:
        """Show a worker's progress event."""
        if self._progress is None or event.get("type") != "progress":
            return
        name = f"{worker.name}: {event['task']}"
        if name not in self._tasks:
            self._tasks[name] = self._progress.add_task(name, total=event["total"], note="")
        self._progress.update(self._tasks[name], completed=event["completed"], note=event.get("note", ""))

    def close(self) -> None:
        """Stop drawing (before an error message is printed)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __exit__(self, *exc_info: object) -> None:
        self.close()
