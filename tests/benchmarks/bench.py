"""Speed benchmark of prnglint (a script, not a test): run it, read the figures.

    python tests/benchmarks/bench.py [--runs 3] [--corpus DIR ...] [--jax-repo DIR]

Two cases, each with its own targets (issue 18):

- the installed sources of jax, flax, optax, equinox, orbax and chex (found
  without importing them; `--corpus DIR ...` replaces them), a library
  codebase where few files touch `jax.random`;
- with `--jax-repo DIR`, a checkout of the jax-ml/jax repository (its commit
  is printed; the figures of issue 18 were taken at
  cec06d116c05f0d52adfceee3d3b730fdbcb0ce5), a test-heavy codebase where
  almost every file draws random numbers. `--only-jax-repo` skips the first.

For each case, in one run, as medians of `--runs` runs, each in a fresh process:

- libcst parse-only: one process that reads and parses every `.py` file;
- prnglint cold: the command line on the corpus with an empty cache;
- prnglint warm: the same again, nothing changed (the cache answers);

then, once: one small file (the command line on one short file, end to
end) and growth (`lint_files` on one function of N statements, N doubling up
to 20,000, in process so that start-up does not hide it, judged on CPU time).

It checks that the cold and warm runs report exactly what `--jobs 1
--no-cache` reports, then prints the figures, the ratios and the targets.
Extra arguments after `--` go to every prnglint run (for instance
`-- --ignore PRN003` to see what one rule costs).

prnglint runs from a snapshot of its sources taken at the start, so that
edits made meanwhile (the cache is keyed by the rules' sources) cannot turn a
warm run cold. The parse-only, cold and warm runs take turns, so that a
machine whose load changes during the benchmark weighs on all of them alike;
the CPU seconds (user + system, all processes) are printed beside the wall
times, and the load average at the start and end of each case.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

PACKAGES = ("jax", "flax", "optax", "equinox", "orbax", "chex")

# The targets of issue 18 (cold as a ratio to libcst parse-only, warm in seconds); issue 7's for the rest.
INSTALLED_TARGETS = (0.10, 0.4)
JAX_REPO_TARGETS = (0.20, 0.5)
SMALL_TARGET = 0.35
GROWTH_TARGET = 2.2

PARSE_ONLY = """
import sys, time
from pathlib import Path
import libcst
files = [p for d in sys.argv[1:] for p in sorted(Path(d).rglob("*.py"))]
for p in files:
    libcst.parse_module(p.read_text(encoding="utf-8"))
"""

SMALL_FILE = '''\
"""A short training script with two PRNG anti-patterns."""

import jax
import jax.numpy as jnp

KEY = jax.random.key(0)


def init(shape, key=jax.random.key(1)):
    return jax.random.normal(key, shape)


def loss(params, x, y):
    return jnp.mean((x @ params - y) ** 2)


def train(steps: int, seed: int):
    key = jax.random.key(seed)
    params = init((3, 1), key=key)
    for _ in range(steps):
        key, sub = jax.random.split(key)
        x = jax.random.normal(sub, (8, 3))
        params = params - 0.1 * jax.grad(loss)(params, x, x[:, :1])
    return params
'''


def corpus_folders() -> list[Path]:
    """The installed packages' folders, located without importing them."""
    folders = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders.append(Path(next(iter(spec.submodule_search_locations))))
    return folders


def count(folders: Sequence[Path]) -> tuple[int, int]:
    files = [p for folder in folders for p in folder.rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    return len(files), lines


_SNAPSHOT: Path | None = None


def snapshot(into: Path) -> Path:
    """Copy prnglint's package (with its rules and reporters) into `into`; return the folder to put on the path."""
    global _SNAPSHOT
    package = into / "prnglint"
    spec = importlib.util.find_spec("prnglint")
    assert spec is not None and spec.submodule_search_locations
    shutil.copytree(next(iter(spec.submodule_search_locations)), package, ignore=shutil.ignore_patterns("__pycache__"))
    for sub in ("rules", "reporters"):
        found = importlib.util.find_spec(f"prnglint.{sub}")
        if found is not None and found.submodule_search_locations and not (package / sub).exists():
            shutil.copytree(next(iter(found.submodule_search_locations)), package / sub, ignore=shutil.ignore_patterns("__pycache__"))
    _SNAPSHOT = into
    # find_spec imported the working tree's package: forget it, so that the
    # in-process growth figures come from the snapshot too.
    for name in [name for name in sys.modules if name == "prnglint" or name.startswith("prnglint.")]:
        del sys.modules[name]
    return into


def timed(command: Sequence[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, CPU seconds (the child and its workers) and the result of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CI", None)  # not that it matters: output is captured, never a terminal
    if _SNAPSHOT is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(_SNAPSHOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def prnglint(*args: str) -> list[str]:
    return [sys.executable, "-m", "prnglint", *args]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def growth_source(size: int) -> str:
    """One function of `size` statements, every one of which the rules look at."""
    body = []
    for i in range(size // 4):
        body += [
            f"    key, sub{i} = jax.random.split(key)",
            f"    x{i} = jax.random.normal(sub{i}, (3,))",
            f"    y{i} = jnp.tanh(x{i}) * {i}",
            f"    total = total + y{i}.sum()",
        ]
    return "import jax\nimport jax.numpy as jnp\n\n\ndef big(key):\n    total = 0.0\n" + "\n".join(body) + "\n    return total\n"


def growth(sizes: Sequence[int], runs: int, folder: Path) -> list[tuple[int, float, float]]:
    """(N, wall, CPU seconds) `lint_files` takes on one file of N statements, in process (start-up would hide the growth)."""
    from prnglint.config import Settings
    from prnglint.files import FoundFile
    from prnglint.runner import lint_files

    settings = Settings()
    figures = []
    for size in sizes:
        path = folder / f"growth_{size}.py"
        path.write_text(growth_source(size), encoding="utf-8")
        walls, cpus = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            lint_files([FoundFile(path, explicit=True)], settings)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - start_cpu)
        figures.append((size, median(walls), median(cpus)))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--small-runs", type=int, default=7, help="runs of the one-small-file figure")
    parser.add_argument("--corpus", type=Path, nargs="*", help="folders to lint (default: the installed JAX stack)")
    parser.add_argument("--jax-repo", type=Path, help="a checkout of the jax-ml/jax repository: measure it too")
    parser.add_argument("--only-jax-repo", action="store_true", help="with --jax-repo: skip the first corpus")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument(
        "--overlay",
        type=Path,
        help="a folder whose files (prnglint/files.py, ...) replace the snapshot's: measure a change before making it",
    )
    parser.add_argument("extra", nargs="*", help="after --: arguments for every prnglint run")
    args = parser.parse_args(argv)
    if args.only_jax_repo and args.jax_repo is None:
        parser.error("--only-jax-repo needs --jax-repo DIR")
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, prnglint args: {' '.join(args.extra) or '(defaults)'}")
    work = Path(tempfile.mkdtemp(prefix="prnglint-bench-"))
    try:
        _prepare(args, work)
        status = 0
        cases: list[tuple[str, list[Path], tuple[float, float]]] = []
        if not args.only_jax_repo:
            cases.append(("installed sources" if not args.corpus else "corpus", args.corpus or corpus_folders(), INSTALLED_TARGETS))
        if args.jax_repo is not None:
            cases.append((f"jax repository at {_commit(args.jax_repo)}", [args.jax_repo], JAX_REPO_TARGETS))
        for name, folders, targets in cases:
            status = max(status, _case(args, name, folders, targets, work))
        _once(args, work)
        return status
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _commit(folder: Path) -> str:
    """The checked-out commit of `folder`, or a note that it is not a git checkout."""
    done = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "(not a git checkout)"


def _prepare(args: argparse.Namespace, work: Path) -> None:
    sys.path.insert(0, str(snapshot(work / "snapshot")))
    if args.overlay is not None:
        for source in sorted(p for p in args.overlay.rglob("*") if p.is_file()):
            target = work / "snapshot" / source.relative_to(args.overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            print(f"overlay: {source.relative_to(args.overlay)}")
    # Installing a wheel byte-compiles it; without this, every run (this
    # machine sets PYTHONDONTWRITEBYTECODE) would compile prnglint's sources again.
    compileall.compile_dir(work / "snapshot", quiet=1)


def _case(args: argparse.Namespace, name: str, folders: list[Path], targets: tuple[float, float], work: Path) -> int:
    """Parse-only, cold and warm on one corpus, in turns; 1 if any run's output differs from the reference."""
    cold_target, warm_target = targets
    paths = [str(f) for f in folders]
    common = [*args.extra]
    files, lines = count(folders)
    print()
    print(f"== {name}: {', '.join(str(f) for f in folders)}: {files:,} files, {lines:,} lines")
    print(f"load average at start: {_load()} (other processes' share of the CPUs skews every figure)")
    _, _, reference = timed(prnglint(*paths, "--jobs", "1", "--no-cache", *common), work)
    if reference.returncode not in (0, 1):
        print(f"note: the reference run exited {reference.returncode}:\n{reference.stdout[-2000:]}{reference.stderr[-2000:]}")

    parse, cold, warm = Figures(), Figures(), Figures()
    mismatches, new_entries = 0, 0
    for run in range(args.runs):
        wall, cpu, done = timed([sys.executable, "-c", PARSE_ONLY, *paths], work)
        if done.returncode != 0:
            print(done.stderr)
            return 2
        parse.add(wall, cpu)
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
        wall, cpu, done = timed(prnglint(*paths, "--cache-dir", str(cache), *common), work)
        cold.add(wall, cpu)
        mismatches += done.stdout != reference.stdout
        entries = _entries(cache)
        for _ in range(args.runs):
            wall, cpu, done = timed(prnglint(*paths, "--cache-dir", str(cache), *common), work)
            warm.add(wall, cpu)
            mismatches += done.stdout != reference.stdout
        new_entries += _entries(cache) - entries

    print()
    print(f"{'':34}{'wall':>9}  {'cpu':>7}   wall of each run")
    print(f"{'libcst parse-only, one process':34}{parse.line()}")
    print(f"{'prnglint cold (default jobs)':34}{cold.line()}")
    print(f"{'prnglint warm (cache)':34}{warm.line()}")
    print()
    ratio = cold.wall / parse.wall
    print(f"cold / parse-only                 {ratio:8.3f}     target <= {cold_target}  {_verdict(ratio <= cold_target)}")
    print(f"cold cpu / parse-only cpu         {cold.cpu / parse.cpu:8.3f}")
    print(f"warm                              {warm.wall:8.2f} s   target <= {warm_target} s  {_verdict(warm.wall <= warm_target)}")
    print(f"parse-only / cold                 {parse.wall / cold.wall:8.1f} x")
    print(f"cold / warm                       {cold.wall / warm.wall:8.1f} x")
    output_lines = len(reference.stdout.splitlines())
    same = "yes" if mismatches == 0 else f"NO ({mismatches} runs differ)"
    print(f"output identical to --jobs 1 --no-cache: {same} ({output_lines} lines of output)")
    if new_entries:
        print(f"note: warm runs wrote {new_entries} cache entries")
    print(f"load average at end: {_load()}")
    return 0 if mismatches == 0 else 1


def _once(args: argparse.Namespace, work: Path) -> None:
    """The one-small-file and growth figures, which do not depend on the corpus."""
    common = [*args.extra]
    small_file = work / "small.py"
    small_file.write_text(SMALL_FILE, encoding="utf-8")
    small = Figures()
    for _ in range(args.small_runs):
        wall, cpu, done = timed(prnglint(str(small_file), "--no-cache", *common), work)
        small.add(wall, cpu)
    findings = sum(1 for line in done.stdout.splitlines() if ": PRN" in line)
    print()
    print(f"{f'one small file ({findings} findings)':34}{small.line()}")
    print(f"one small file                    {small.wall:8.2f} s   target <= {SMALL_TARGET} s  {_verdict(small.wall <= SMALL_TARGET)}")
    if not args.skip_growth:
        figures = growth([2_500, 5_000, 10_000, 20_000], args.runs, work)
        print()
        print("growth: one function of N statements, lint_files in process (medians; ratio to half the size)")
        previous = None
        for size, wall, cpu in figures:
            ratios = f"x{wall / previous[0]:.2f} wall, x{cpu / previous[1]:.2f} cpu" if previous else ""
            print(f"  {size:>6,} statements  {wall:7.2f} s wall  {cpu:7.2f} s cpu  {ratios}")
            previous = (wall, cpu)
        worst_wall = max(b[1] / a[1] for a, b in zip(figures, figures[1:]))
        worst_cpu = max(b[2] / a[2] for a, b in zip(figures, figures[1:]))
        print(
            f"worst doubling ratio (cpu)        {worst_cpu:8.2f}     target <= {GROWTH_TARGET}  {_verdict(worst_cpu <= GROWTH_TARGET)}"
            f"   (wall: {worst_wall:.2f}; CPU time is what other processes disturb least)"
        )
    print(f"load average at end: {_load()}")


def _load() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


class Figures:
    """Wall and CPU seconds of repeated runs; medians."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []

    def add(self, wall: float, cpu: float) -> None:
        self.walls.append(wall)
        self.cpus.append(cpu)

    @property
    def wall(self) -> float:
        return median(self.walls)

    @property
    def cpu(self) -> float:
        return median(self.cpus)

    def line(self) -> str:
        return f"{self.wall:8.2f} s {median(self.cpus):7.2f} s   {_list(self.walls)}"


def _entries(cache: Path) -> int:
    return sum(1 for p in cache.rglob("*") if p.is_file())


def _list(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
