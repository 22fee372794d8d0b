"""``prnglint verify``: prove that a training reproduces bit for bit.

``main(argv)`` is what ``prnglint verify ARGS...`` and ``python -m
prnglint.verifier ARGS...`` call. It parses the arguments, runs the worker
processes (``runner``), judges and renders the report (``report``) and returns
the exit code: 0 when every proof holds, 1 when one fails, 2 when the
verification could not be carried out (bad arguments, a bad target, a worker
that died or timed out).

This module imports neither JAX nor anything that does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from prnglint.verifier import environment
from prnglint.verifier.protocol import REFERENCES, TargetError, split_target

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
    parser.add_argument("--target", metavar="MODULE:FACTORY", help="verify your own training: FACTORY() returns an object with init(seed) and step(state)")
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
    parser.add_argument("--output-format", choices=("text", "json"), default="text", help="report format (default: text)")
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
    if args.target is not None:
        if args.framework is not None:
            raise UsageError("give either --target or --framework, not both")
        try:
            split_target(args.target)
        except TargetError as error:
            raise UsageError(str(error)) from error
        subjects: tuple[str, ...] = ("target",)
        targets = {"target": args.target}
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


def main(argv: list[str] | None = None) -> int:
    """Run ``prnglint verify`` with ``argv`` (without the program name); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits 2 on bad arguments and 0 for --help.
        return int(exit_.code or 0)

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="verify-", dir=args.workdir))
    else:
        workdir = Path(tempfile.mkdtemp(prefix="prnglint-verify-"))
    started = time.perf_counter()
    try:
        try:
            settings = settings_from(args, workdir)
        except UsageError as error:
            return fail(args, f"{error}", parser)
        return verify(args, settings, started)
    finally:
        if args.keep:
            print(f"prnglint verify: kept checkpoints and logs in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def verify(args: argparse.Namespace, settings: Any, started: float) -> int:
    """Run the workers, then report; the exit code of the run."""
    from prnglint.verifier import report, runner

    with ProgressDisplay(settings.progress) as display:
        try:
            workers = runner.run(settings, display.on_event)
        except runner.RunError as error:
            display.close()
            return fail(args, str(error))
    data = report.build(settings, workers, time.perf_counter() - started, environment.cpu_affinity())
    try:
        if args.plot is not None:
            report.plot(data, args.plot)
        write_report(args, data)
    except OSError as error:
        return fail(args, f"cannot write the report: {error}")
    return int(data["exit_code"])


def write_report(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """Render ``data`` in the chosen format to standard output or the output file."""
    from rich.console import Console

    from prnglint.verifier import report

    if args.output_format == "json":
        text = json.dumps(data, indent=2)
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
    if args.output_format == "json":
        text = json.dumps({"tool": "prnglint verify", "ok": False, "exit_code": EXIT_ERROR, "error": message}, indent=2)
        if args.output_file is not None:
            args.output_file.write_text(text + "\n")
        else:
            sys.stdout.write(text + "\n")
    return EXIT_ERROR


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
