"""How PRN003's cost grows with the size of a function: a benchmark, not a test.

Run:  python tests/benchmarks/bench_key_reuse_growth.py [--repeat N]

For each shape of generated code it times PRN003 on a function of size n and
of size 2n and prints the ratio; linear growth gives about 2. It also counts
the Python function calls one run makes (under cProfile), whose ratio is the
same measure of work without the noise of a busy machine. Times are CPU
times (`time.process_time`) of the rule alone on an already parsed module
(best of --repeat runs), so that other processes, libcst's parser and its
position metadata (computed by the engine for any file with findings) do not
blur them; the parse time is printed alongside for scale.

Shapes:
- statements: a straight function of n statements mixing splits, draws,
  if/else, loops, try/except, closures and a reuse every 50 lines;
- many-keys: n statements where every two introduce a key of their own
  (`k_17 = jax.random.fold_in(key, 17)`), each used by a branch;
- elif: an if/elif chain with n branches (libcst itself recurses on elif
  chains, which limits n to a few hundred);
- nested: n nested ifs (Python allows under 100 levels of indentation);
- exclusive: n statements of tests that exclude each other (`if flag:` …
  `if not flag:`, `x is None` … `x is not None`, literal cases of one
  value, in an `elif` chain and in separate `if`s), the path facts of
  `feasibility` at work.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable

import libcst as cst
from libcst.metadata import PositionProvider

from prnglint.engine import FileContext
from prnglint.rules.key_reuse import KeyReuse

_BLOCK = """\
    key, sub = jax.random.split(key)
    x = x + jax.random.normal(sub, (3,))
    if x.sum() > 0:
        key, sub = jax.random.split(key)
        y = jax.random.uniform(sub)
    else:
        y = 0.0
    for i in range(3):
        key, sub = jax.random.split(key)
        x = x + jax.random.normal(sub, (3,))
    try:
        z = jax.random.bernoulli(jax.random.fold_in(key, 1))
    except ValueError:
        z = None
    def draw():
        return jax.random.normal(sub)
    w = draw()
"""
_BLOCK_STATEMENTS = 19  # statements in _BLOCK, counting nested ones
_REUSE = "    r = jax.random.normal(sub) + jax.random.uniform(sub)\n"


def statements(n: int) -> str:
    """A function of about `n` statements of everyday key handling."""
    lines = ["import jax\n", "\n", "\n", "def train(key, x):\n"]
    count = 0
    while count < n:
        lines.append(_BLOCK)
        count += _BLOCK_STATEMENTS
        if count % 50 < _BLOCK_STATEMENTS:
            lines.append(_REUSE)
            count += 1
    lines.append("    return x\n")
    return "".join(lines)


def many_keys(n: int) -> str:
    """`n` statements; every two make a key of their own and use it in a branch."""
    lines = ["import jax\n", "\n", "\n", "def train(key, x, flags):\n"]
    for index in range(n // 2):
        lines.append(f"    k_{index} = jax.random.fold_in(key, {index})\n")
        lines.append(f"    if flags[{index}]: x = x + jax.random.normal(k_{index})\n")
    lines.append("    return x\n")
    return "".join(lines)


def elif_chain(n: int) -> str:
    """An if/elif chain of `n` branches, each drawing with the same key."""
    lines = ["import jax\n", "\n", "\n", "def pick(key, c):\n", "    x = jax.random.normal(key)\n", "    if c == 0:\n"]
    lines.append("        y = jax.random.uniform(key)\n")
    for index in range(1, n):
        lines.append(f"    elif c == {index}:\n")
        lines.append("        y = jax.random.uniform(key)\n")
    lines.append("    return y\n")
    return "".join(lines)


def nested(n: int) -> str:
    """`n` nested ifs, a split at every level and a reuse at the bottom."""
    lines = ["import jax\n", "\n", "\n", "def deep(key, c):\n"]
    for index in range(n):
        indent = "    " * (index + 1)
        lines.append(f"{indent}key, sub = jax.random.split(key)\n")
        lines.append(f"{indent}if c > {index}:\n")
    indent = "    " * (n + 1)
    lines.append(f"{indent}a = jax.random.normal(sub)\n{indent}b = jax.random.normal(sub)\n")
    return "".join(lines)


def exclusive(n: int) -> str:
    """About `n` statements of branches whose tests exclude each other, with a split after each group."""
    lines = ["import jax\n", "\n", "\n", "def pick(key, flag, scale, mode):\n"]
    block = (
        "    if flag:\n        a = jax.random.normal(key)\n"
        "    if not flag:\n        a = jax.random.uniform(key)\n"
        "    if scale is None:\n        b = jax.random.normal(key)\n"
        "    elif mode == 'a':\n        b = jax.random.uniform(key)\n"
        "    elif mode == 'b':\n        b = jax.random.laplace(key)\n"
        "    if mode == 'c' and scale is not None:\n        b = jax.random.gumbel(key)\n"
        "    key, sub = jax.random.split(key)\n"
    )
    for _ in range(max(1, n // 14)):
        lines.append(block)
    lines.append("    return key\n")
    return "".join(lines)


def _rule_time(module: cst.Module, text: str, repeat: int) -> tuple[float, int]:
    best = float("inf")
    findings = 0
    for _ in range(repeat):
        context = FileContext("bench.py", text, module, {})
        # The engine computes positions for every file with findings; do it
        # before the clock starts so that only the rule's own work is timed.
        context.metadata(PositionProvider)
        start = time.process_time()
        cst.visit_batched(module, [KeyReuse(context)])
        best = min(best, time.process_time() - start)
        findings = len(context.reports)
    return best, findings


def _rule_calls(module: cst.Module, text: str) -> int:
    """Python function calls made by one run of the rule: a measure of work that load does not blur."""
    context = FileContext("bench.py", text, module, {})
    context.metadata(PositionProvider)
    profile = cProfile.Profile()
    profile.enable()
    cst.visit_batched(module, [KeyReuse(context)])
    profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def measure(name: str, make: Callable[[int], str], size: int, repeat: int) -> None:
    """Print the rule's time and work on sizes `size` and `2 * size`, and their ratios."""
    times: list[float] = []
    calls: list[int] = []
    for n in (size, 2 * size):
        text = make(n)
        start = time.process_time()
        module = cst.parse_module(text)
        parse = time.process_time() - start
        rule, findings = _rule_time(module, text, repeat)
        times.append(rule)
        calls.append(_rule_calls(module, text))
        lines = text.count("\n")
        print(
            f"  {name:<10} n={n:>6} lines={lines:>6}  parse {parse:7.3f}s  PRN003 {rule:7.3f}s"
            f"  calls {calls[-1]:>9}  findings {findings}"
        )
    print(f"  {name:<10} ratio 2n/n: time {times[1] / times[0]:.2f}, calls {calls[1] / calls[0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    """Run every shape and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is kept")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))  # libcst recurses on elif chains
    print("PRN003 cost against function size (CPU seconds, best of", args.repeat, "runs)")
    measure("statements", statements, 10_000, args.repeat)
    measure("many-keys", many_keys, 10_000, args.repeat)
    measure("elif", elif_chain, 100, args.repeat)
    measure("nested", nested, 45, args.repeat)
    measure("exclusive", exclusive, 10_000, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
