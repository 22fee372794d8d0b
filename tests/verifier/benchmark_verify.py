"""Benchmark ``prnglint verify``: the median wall time of several runs, with the machine's load.

Not a test (pytest collects ``test_*.py`` only). Run it from anywhere::

    python tests/verifier/benchmark_verify.py                      # defaults, 3 runs
    python tests/verifier/benchmark_verify.py --runs 5 -- --processes 2
    python tests/verifier/benchmark_verify.py -- --no-compile-cache

Each run is a fresh ``prnglint verify`` process with a JSON report; before a
run the script waits (up to ``--wait`` seconds) until the one-minute load
average is below ``--max-load``, because other benchmarks share the machine.
Every line shows the load before and after the run and the CPU time the
hypervisor took away meanwhile (steal), the two things that make a run slow
without any change to the code.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen


def steal_ticks() -> int:
    """CPU time taken by the hypervisor so far, in clock ticks (0 where unknown)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return 0
    return int(fields[8]) if len(fields) > 8 else 0


def wait_for_quiet(max_load: float, wait: float) -> None:
    """Sleep until the one-minute load is below ``max_load`` or ``wait`` seconds passed."""
    deadline = time.monotonic() + wait
    while load_average()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(2)


def one_run(verify_args: list[str], report: Path) -> tuple[float, int, dict]:
    """Wall seconds, exit code and JSON report of one ``prnglint verify``."""
    command = [sys.executable, "-m", "prnglint", "verify", *verify_args, "--output-format", "json", "--output-file", str(report)]
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    data = json.loads(report.read_text()) if report.exists() else {}
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
    return wall, done.returncode, data


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per run and the median."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-load", type=float, default=1.0, help="wait for a lower one-minute load before each run")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait at most for that load")
    parser.add_argument("verify_args", nargs="*", help="arguments for prnglint verify (after --)")
    args = parser.parse_args(argv)

    walls: list[float] = []
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as folder:
        for index in range(args.runs):
            wait_for_quiet(args.max_load, args.wait)
            before, steal = load_average(), steal_ticks()
            wall, code, data = one_run(args.verify_args, Path(folder) / f"report-{index}.json")
            after, stolen = load_average(), steal_ticks() - steal
            walls.append(wall)
            compilation = data.get("compilation", {})
            print(
                f"run {index + 1}: {wall:.2f} s wall, exit {code}, "
                f"load {before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f} -> {after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f}, "
                f"steal {stolen / os.sysconf('SC_CLK_TCK'):.2f} s, "
                f"compiled {compilation.get('compiled', '?')}, loaded from cache {compilation.get('loaded_from_cache', '?')}",
                flush=True,
            )
    print(f"median of {len(walls)}: {statistics.median(walls):.2f} s wall (prnglint verify {' '.join(args.verify_args)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
