"""`prnglint --fix` (safe fixes only) on copies of real projects: the code parses, and no safe fix rewrites a store.

    python tests/benchmarks/fix_store_check.py [--corpus DIR] [--work DIR] [NAME ...]

For each project folder NAME of the corpus (default: every folder of
/work/scratch/corpus), the script copies it (without `.git`) and then:

1. runs `prnglint --fix --show-fixes` on the copy as a user would (safe
   fixes only), and checks that every changed Python file still parses with
   libcst and, where the original compiled, still compiles, and that every
   changed notebook is still JSON;
2. replays the same fixes file by file through the library (lint, choose the
   safe fixes as the fixer does, apply, repeat), and for every safe PRN003
   fix of every round looks at each use the fix rewrites (an edit that puts
   a new name where the key's name stood) in the text of that round. Read
   independently of PRN003's own analysis (libcst's qualified names, not
   prnglint's), the use must be an argument of a call that draws: a
   `jax.random` sampler or `split`, an Equinox layer's `key=`, or a function
   or method defined in the same file (listed for review). Anything else (a
   container literal, an assignment, a `return`, a call to anything else) is
   a store or an unknown call, and counts as a failure;
3. checks that the replay ends with the text the CLI wrote, so that step 2
   saw every fix step 1 applied.

Prints, per project and in total: Python files, files changed, fixes applied
per code, loop fixes among PRN003's, rewritten uses by kind, failures. Exits
1 if any check fails. A script, not a test: it takes minutes on the corpus.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, QualifiedNameProvider

from prnglint.diagnostics import Applicability, Diagnostic
from prnglint.engine import apply_edits, lint_source
from prnglint.fixer import _edits_of, fixable, select_fixes
from prnglint.registry import load, select_rules
from prnglint.source import read_source

CORPUS = Path("/work/scratch/corpus")
_FILE_LINE = re.compile(r"^- (?P<name>.+):$")
_COUNT_LINE = re.compile(r"^\s+(?P<count>\d+) × (?P<code>\S+) ")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `jax.random` functions that draw from (or split) their key; the others make,
# derive or inspect keys and would not be a draw to rewrite.
_NOT_DRAWS = {"key", "PRNGKey", "wrap_key_data", "fold_in", "clone", "key_data", "key_impl", "key_dtype"}
_LOOP_FIX = re.compile(r"^(Split `[^`]+` at the top of the loop body|Fold the loop index)")
_MAX_ROUNDS = 10


@dataclass
class Tally:
    """What one project (or the total) came to."""

    files: int = 0
    changed: int = 0
    fixes: Counter[str] = field(default_factory=Counter)
    loop_fixes: int = 0
    uses: Counter[str] = field(default_factory=Counter)
    helpers: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.files += other.files
        self.changed += other.changed
        self.fixes.update(other.fixes)
        self.loop_fixes += other.loop_fixes
        self.uses.update(other.uses)
        self.helpers.extend(other.helpers)
        self.failures.extend(other.failures)
        self.errors.extend(other.errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="project folders of the corpus (default: all)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--work", type=Path, default=Path("/tmp/prnglint-fix-store-check"))
    args = parser.parse_args()
    names = args.names or sorted(p.name for p in args.corpus.iterdir() if p.is_dir())
    rules = load(select_rules(None, [], []))
    total = Tally()
    for name in names:
        started = time.perf_counter()
        tally = check_project(args.corpus / name, args.work / name, rules)
        report(name, tally, time.perf_counter() - started)
        total.add(tally)
    report("total", total, None)
    return 1 if total.failures else 0


def check_project(original: Path, copy: Path, rules: tuple) -> Tally:
    tally = Tally()
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", "*.so"))
    listed = subprocess.run(
        [sys.executable, "-m", "prnglint", "--show-files", "."], cwd=copy, capture_output=True, text=True, check=False
    )
    files = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    files = [str(Path(f).resolve().relative_to(copy.resolve())) if Path(f).is_absolute() else f for f in files]
    before = {f: (copy / f).read_bytes() for f in files}
    tally.files = sum(f.endswith(".py") for f in files)
    completed = subprocess.run(
        [sys.executable, "-m", "prnglint", "--fix", "--show-fixes", "--no-cache", "--output-format", "concise", "."],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == 2:
        tally.errors.append(f"the CLI exited 2: {completed.stderr.strip().splitlines()[-1:]}")
    for line in (completed.stdout + completed.stderr).splitlines():
        if re.search(r": E\d{3} ", line):
            tally.errors.append(line.strip())
    current: Counter[str] | None = None
    for line in completed.stderr.splitlines() + completed.stdout.splitlines():
        match = _FILE_LINE.match(line)
        if match:
            current = tally.fixes
            continue
        match = _COUNT_LINE.match(line)
        if match and current is not None:
            current[match.group("code")] += int(match.group("count"))
    for relative, old in before.items():
        new = (copy / relative).read_bytes()
        if new == old:
            continue
        tally.changed += 1
        if relative.endswith(".ipynb"):
            try:
                json.loads(new)
            except ValueError:
                tally.failures.append(f"{relative}: no longer JSON")
            continue
        try:
            cst.parse_module(new)
        except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
            tally.failures.append(f"{relative}: no longer parses ({type(exc).__name__})")
        if _compiles(old, relative) and not _compiles(new, relative):
            tally.failures.append(f"{relative}: no longer compiles")
    for relative in before:
        if relative.endswith(".py"):
            replay(original / relative, relative, (copy / relative).read_bytes(), rules, tally)
    return tally


def replay(path: Path, relative: str, written: bytes, rules: tuple, tally: Tally) -> None:
    """Apply the safe fixes round by round as the fixer does, checking every PRN003 fix's rewritten uses."""
    try:
        source = read_source(path, relative)
    except Exception as exc:  # noqa: BLE001 - unreadable files are the CLI's to report
        tally.errors.append(f"{relative}: unreadable ({exc})")
        return
    text = source.text
    for _ in range(_MAX_ROUNDS):
        diagnostics = lint_source(dataclasses.replace(source, text=text), rules, {})
        if any(d.is_error for d in diagnostics):
            break
        chosen = select_fixes([d for d in diagnostics if fixable(d, unsafe=False)])
        if not chosen:
            break
        for diagnostic in chosen:
            if diagnostic.code == "PRN003" and diagnostic.fix is not None:
                if _LOOP_FIX.match(diagnostic.fix.message):
                    tally.loop_fixes += 1
                check_fix(relative, text, diagnostic, tally)
        candidate = apply_edits(text, _edits_of(chosen, source.newline, text))
        if candidate == text:
            break
        text = candidate
    if source.encode(text) != written:
        tally.failures.append(f"{relative}: the replay did not end with the text the CLI wrote")


def check_fix(relative: str, text: str, diagnostic: Diagnostic, tally: Tally) -> None:
    """Classify every use a safe PRN003 fix rewrites, in `text` (the text the fix was made for)."""
    assert diagnostic.fix is not None and diagnostic.fix.applicability is Applicability.SAFE
    lines = text.splitlines(keepends=True)
    wrapper = MetadataWrapper(cst.parse_module(text))
    positions = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    qualified = wrapper.resolve(QualifiedNameProvider)
    names = {
        (span.start.line, span.start.column + 1): node
        for node, span in positions.items()
        if isinstance(node, cst.Name)
    }
    for edit in diagnostic.fix.edits:
        if edit.location == edit.end_location or not _IDENTIFIER.match(edit.content):
            continue  # the inserted split or fold
        row, column = edit.location.row, edit.location.column
        old = lines[row - 1][column - 1 : edit.end_location.column - 1] if edit.end_location.row == row else ""
        node = names.get((row, column))
        if node is None or node.value != old:
            tally.failures.append(f"{relative}:{row}:{column}: a safe PRN003 fix rewrites `{old}`, which is not a name")
            continue
        kind = classify(node, parents, qualified, wrapper.module)
        tally.uses[kind] += 1
        if kind == "same-file helper":
            tally.helpers.append(f"{relative}:{row}: {_call_text(node, parents, wrapper.module)}")
        elif kind.startswith("NOT A DRAW"):
            tally.failures.append(f"{relative}:{row}:{column}: a safe PRN003 fix rewrites a use that is {kind}")


def classify(node: cst.Name, parents: dict, qualified: dict, module: cst.Module) -> str:
    parent = parents.get(node)
    if not isinstance(parent, cst.Arg):
        return f"NOT A DRAW ({type(parent).__name__} holds the key)"
    call = parents.get(parent)
    if not isinstance(call, cst.Call):
        return "NOT A DRAW (an argument outside a call)"
    found = qualified.get(call.func, ())
    if callable(found):
        found = found()  # libcst computes qualified names lazily
    names = {q.name for q in found}
    for name in names:
        if name.startswith("jax.random.") and name.rsplit(".", 1)[1] not in _NOT_DRAWS:
            return "jax.random draw"
        if name.startswith(("equinox.nn.", "eqx.nn.")) and parent.keyword is not None and parent.keyword.value == "key":
            return "Equinox layer key="
    if _defined_here(call.func, module, parents):
        return "same-file helper"
    return f"NOT A DRAW (a call to {module.code_for_node(call.func)})"


def _defined_here(func: cst.BaseExpression, module: cst.Module, parents: dict) -> bool:
    """A plain name of a function defined in the file, or `self.method` of a method of the enclosing class."""
    defined: set[str] = set()
    for node in _walk(module):
        if isinstance(node, cst.FunctionDef):
            defined.add(node.name.value)
    if isinstance(func, cst.Name):
        return func.value in defined
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return func.attr.value in defined
    return False


def _walk(root: cst.CSTNode):
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _call_text(node: cst.Name, parents: dict, module: cst.Module) -> str:
    call = parents.get(parents.get(node))
    return module.code_for_node(call).splitlines()[0][:100] if call is not None else "?"


def _compiles(data: bytes, name: str) -> bool:
    try:
        compile(data, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def report(name: str, tally: Tally, seconds: float | None) -> None:
    took = f" ({seconds:.0f} s)" if seconds is not None else ""
    print(f"== {name}{took}")
    print(f"   python files: {tally.files}; files changed: {tally.changed}")
    fixes = ", ".join(f"{code} {count}" for code, count in sorted(tally.fixes.items())) or "none"
    print(f"   safe fixes applied: {sum(tally.fixes.values())} ({fixes}); PRN003 loop fixes among them: {tally.loop_fixes}")
    uses = ", ".join(f"{kind} {count}" for kind, count in sorted(tally.uses.items())) or "none"
    print(f"   uses rewritten by safe PRN003 fixes: {uses}")
    for helper in tally.helpers[:40]:
        print(f"     helper: {helper}")
    print(f"   errors reported: {len(tally.errors)}")
    for error in tally.errors[:10]:
        print(f"     {error}")
    print(f"   checks failed: {len(tally.failures)}")
    for failure in tally.failures[:30]:
        print(f"     {failure}")


if __name__ == "__main__":
    sys.exit(main())
