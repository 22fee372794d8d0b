"""Run `prnglint --fix --unsafe-fixes` over a copy of installed JAX-ecosystem sources and check the result.

    python tests/benchmarks/fix_corpus.py [--extend-select PRN005] [--keep DIR]

Copies site-packages/{jax,flax,optax,equinox,orbax,chex} to a temporary
folder, runs the fixer on the copy as a user would, and checks that:

- every Python file of the copy still parses (libcst) and, where the
  original compiled, still compiles;
- every file the fixer did not report as fixed is byte-identical to the
  original, and every file it reports as fixed did change;
- a second run finds nothing more to fix.

Prints the counts (files, fixes per code, files changed) and exits 1 if a
check fails. A script, not a test: it takes a minute or more.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import libcst as cst

PACKAGES = ("jax", "flax", "optax", "equinox", "orbax", "chex")
_FILE_LINE = re.compile(r"^- (?P<name>.+):$")
_COUNT_LINE = re.compile(r"^\s+(?P<count>\d+) × (?P<code>\S+) ")


def package_folder(name: str) -> Path:
    """Where an installed top-level package lives (namespace packages included)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def run_fixer(root: Path, extra: list[str]) -> tuple[int, str, float, float]:
    """Run the CLI on `root`'s packages; return its status, standard error, wall and CPU seconds."""
    command = [
        sys.executable, "-m", "prnglint", "--fix", "--unsafe-fixes", "--show-fixes", "--no-cache",
        "--output-format", "concise", *extra, *PACKAGES,
    ]
    start = time.perf_counter()
    cpu_before = _children_cpu()
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    return completed.returncode, completed.stderr, time.perf_counter() - start, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fixed_files(report: str) -> dict[str, Counter[str]]:
    """Parse `--show-fixes` output: fixes per code for each file."""
    result: dict[str, Counter[str]] = {}
    current: Counter[str] | None = None
    for line in report.splitlines():
        match = _FILE_LINE.match(line)
        if match:
            current = result.setdefault(match.group("name"), Counter())
            continue
        match = _COUNT_LINE.match(line)
        if match and current is not None:
            current[match.group("code")] += int(match.group("count"))
    return result


def compiles(data: bytes, name: str) -> bool:
    try:
        compile(data, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extend-select", default="", help="also enable these rules (e.g. PRN005)")
    parser.add_argument("--keep", type=Path, help="copy into this folder and keep it")
    args = parser.parse_args()
    extra = ["--extend-select", args.extend_select] if args.extend_select else []

    work = args.keep or Path(tempfile.mkdtemp(prefix="prnglint-corpus-"))
    originals: dict[str, Path] = {}
    for name in PACKAGES:
        source = package_folder(name)
        shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.so"))
        for path in (work / name).rglob("*.py"):
            relative = path.relative_to(work).as_posix()
            originals[relative] = source / path.relative_to(work / name)

    status, report, seconds, cpu = run_fixer(work, extra)
    fixes = fixed_files(report)
    failures: list[str] = []
    changed = 0
    for relative, original in sorted(originals.items()):
        before = original.read_bytes()
        after = (work / relative).read_bytes()
        reported = relative in fixes
        if after != before:
            changed += 1
            if not reported:
                failures.append(f"{relative}: changed, but no fix was reported for it")
            try:
                cst.parse_module(after)
            except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
                failures.append(f"{relative}: no longer parses ({type(exc).__name__})")
            if compiles(before, relative) and not compiles(after, relative):
                failures.append(f"{relative}: no longer compiles")
            if os.stat(work / relative).st_mode != os.stat(original).st_mode:
                failures.append(f"{relative}: permission bits changed")
        elif reported:
            failures.append(f"{relative}: fixes reported, but the file is unchanged")
    again_status, again_report, _, _ = run_fixer(work, extra)
    if fixed_files(again_report):
        failures.append(f"a second run fixed more: {sorted(fixed_files(again_report))[:5]}")

    per_code: Counter[str] = Counter()
    for counts in fixes.values():
        per_code.update(counts)
    errors = [line for line in report.splitlines() if re.search(r": E\d{3} ", line)]
    print(f"rules: default{' + ' + args.extend_select if args.extend_select else ''}")
    print(f"python files copied: {len(originals)}")
    print(f"fixer exit status: {status} (second run: {again_status}); {seconds:.1f} s wall, {cpu:.1f} s CPU")
    print(f"fixes applied: {sum(per_code.values())} ({', '.join(f'{c} {n}' for c, n in sorted(per_code.items())) or 'none'})")
    print(f"files changed: {changed}; files reported fixed: {len(fixes)}")
    print(f"files byte-identical: {len(originals) - changed}")
    print(f"errors reported by the fixer: {len(errors)}")
    for line in errors[:10]:
        print(f"  {line}")
    print(f"checks failed: {len(failures)}")
    for failure in failures[:20]:
        print(f"  {failure}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
