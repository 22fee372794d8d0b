"""Apply the fixes rules offer, until nothing is left to fix.

The fixer knows nothing of any rule. Each round it lints the text, keeps the
fixes the caller allows (safe ones, and unsafe ones on request), picks a
maximal set of them whose edits do not overlap (all edits of a fix or none),
applies them, and checks that the result still parses. It stops when a round
has nothing to apply. A result that does not parse, a rule that crashes on a
fixed text, or fixes that keep changing the text past `MAX_ROUNDS` all leave
the text exactly as it was and come back as one error naming the file: a
linter's `--fix` must never make a file worse.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import libcst as cst

from prnglint.diagnostics import INTERNAL_ERROR, IO_ERROR, Applicability, Diagnostic, Edit, Location, internal_error, io_error
from prnglint.engine import Rule, apply_edits, deep_recursion, lint_source
from prnglint.source import SourceError, SourceFile, decode_source, parse_problem, quiet_compile, read_source, size_problem, split_lines
from prnglint.writer import WriteError, write_atomically

MAX_ROUNDS = 10


@dataclass
class FixResult:
    """What fixing one text produced.

    `text` is the fixed text (the original one when nothing applied or when
    fixing failed); `applied` the diagnostics whose fixes were applied, in the
    order of the rounds (positions refer to the text of their round);
    `remaining` the diagnostics of `text`; `original` those of the text as it
    was; `rounds` how many rounds applied something; `error` an E000
    diagnostic when fixing had to be abandoned.
    """

    text: str
    applied: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    original: list[Diagnostic] = field(default_factory=list)
    rounds: int = 0
    error: Diagnostic | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What is left to report: the remaining findings and the fixing error, if any."""
        return [*self.remaining, self.error] if self.error is not None else list(self.remaining)


def fixable(diagnostic: Diagnostic, *, unsafe: bool) -> bool:
    """True if `diagnostic` has a fix that may be applied (unsafe ones only when asked)."""
    fix = diagnostic.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability is Applicability.SAFE or unsafe


def fix_source(
    source: SourceFile,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Any] | None = None,
    *,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> FixResult:
    """Fix `source` with `rules` until no allowed fix is left; never raises for bad input.

    Unsafe fixes are applied only when `unsafe` is true. A file that does not
    parse is returned unchanged with its E999 diagnostic in `remaining`.
    """
    with deep_recursion():
        return _fix_source(source, rules, options, unsafe=unsafe, max_rounds=max_rounds)


def _fix_source(
    source: SourceFile,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Any] | None,
    *,
    unsafe: bool,
    max_rounds: int,
) -> FixResult:
    name = source.filename
    original_text = source.text
    try:
        diagnostics = lint_source(source, rules, options)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the run
        return FixResult(original_text, remaining=[internal_error(name, exc)])
    original = diagnostics
    if any(d.is_error for d in diagnostics):
        return FixResult(original_text, remaining=diagnostics, original=original)
    # CPython rejects some code libcst accepts (a duplicate parameter name, for
    # instance); fixed code is held to CPython's standard whenever the original
    # met it. Found out only when there is something to fix: compiling costs.
    must_compile: bool | None = None
    text = original_text
    applied: list[Diagnostic] = []
    rounds = 0
    newline = source.newline
    while True:
        chosen = select_fixes([d for d in diagnostics if fixable(d, unsafe=unsafe)])
        if not chosen:
            return FixResult(text, applied, diagnostics, original, rounds)
        if rounds == max_rounds:
            codes = _codes(chosen)
            return _abandon(
                source,
                original,
                f"fixes did not converge after {max_rounds} rounds (still changing: {codes}); "
                "the file is left unchanged; please report it",
            )
        edits = _edits_of(chosen, newline, text)
        try:
            candidate = apply_edits(text, edits)
        except (ValueError, IndexError) as exc:
            return _abandon(
                source,
                original,
                f"fixes of {_codes(chosen)} could not be applied ({exc}); the file is left unchanged; please report it",
            )
        if must_compile is None:
            must_compile = _compiles(original_text, name)
        problem = _parse_problem(candidate, name, must_compile)
        if problem is not None:
            problem = f"produced code that does not parse ({problem})"
        else:
            problem = _encoding_problem(source, candidate)
        if problem is not None:
            return _abandon(
                source,
                original,
                f"fixes of {_codes(chosen)} {problem}; the file is left unchanged; please report it",
            )
        if candidate == text:
            # Edits that change nothing fix nothing, and would be offered forever.
            return FixResult(text, applied, diagnostics, original, rounds)
        rounds += 1
        applied.extend(chosen)
        text = candidate
        try:
            diagnostics = lint_source(replace(source, text=text), rules, options)
        except Exception as exc:  # noqa: BLE001
            return _abandon(
                source,
                original,
                f"a rule failed on the text fixed by {_codes(chosen)} ({type(exc).__name__}: {exc}); "
                "the file is left unchanged; please report it",
            )
        if any(d.is_error for d in diagnostics):
            return _abandon(
                source,
                original,
                f"fixes of {_codes(chosen)} produced code that does not parse; "
                "the file is left unchanged; please report it",
            )


def select_fixes(candidates: Iterable[Diagnostic]) -> list[Diagnostic]:
    """A maximal set of fixes whose edits do not overlap, taken in file order.

    A fix goes in whole or not at all. An edit identical to one already taken
    (two fixes adding the same import, say) is shared, not a conflict. Two
    edits conflict when their spans overlap, or when an insertion touches the
    other edit's span, since the order of the two texts would then be a guess.
    Fixes left out are offered again by the next round's lint.
    """
    taken_edits: set[tuple[int, int, int, int, str]] = set()
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    chosen: list[Diagnostic] = []
    ordered = sorted(candidates, key=lambda d: (_fix_start(d), d.sort_key()))
    for diagnostic in ordered:
        assert diagnostic.fix is not None
        new: list[tuple[tuple[int, int], tuple[int, int]]] = []
        conflict = False
        for edit in diagnostic.fix.edits:
            start = (edit.location.row, edit.location.column)
            end = (edit.end_location.row, edit.end_location.column)
            if end < start:
                conflict = True
                break
            if _identity(edit) in taken_edits:
                continue
            if any(_conflicts((start, end), other) for other in [*spans, *new]):
                conflict = True
                break
            new.append((start, end))
        if conflict:
            continue
        chosen.append(diagnostic)
        spans.extend(new)
        taken_edits.update(_identity(edit) for edit in diagnostic.fix.edits)
    return chosen


def _conflicts(a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    (a_start, a_end), (b_start, b_end) = a, b
    if a_start == a_end or b_start == b_end:
        # An insertion conflicts with anything it touches, ends included.
        return a_start <= b_end and b_start <= a_end
    return a_start < b_end and b_start < a_end


def _identity(edit: Edit) -> tuple[int, int, int, int, str]:
    return (edit.location.row, edit.location.column, edit.end_location.row, edit.end_location.column, edit.content)


def _fix_start(diagnostic: Diagnostic) -> tuple[int, int]:
    assert diagnostic.fix is not None
    first = min(diagnostic.fix.edits, key=lambda e: (e.location, e.end_location))
    return (first.location.row, first.location.column)


def _edits_of(chosen: Sequence[Diagnostic], newline: str, text: str | None = None) -> list[Edit]:
    """The edits of the chosen fixes, shared ones once, line endings matched to the file.

    With `text`, an edit takes the line ending of the line it lands on, so
    that a file with mixed line endings keeps each region's own; `newline`
    (the file's dominant ending) serves where that line has none.
    """
    seen: set[tuple[int, int, int, int, str]] = set()
    edits: list[Edit] = []
    lines = split_lines(text) if text is not None and "\r" in text else None
    for diagnostic in chosen:
        assert diagnostic.fix is not None
        for edit in diagnostic.fix.edits:
            if _identity(edit) in seen:
                continue
            seen.add(_identity(edit))
            ending = newline
            if lines is not None and 0 < edit.location.row <= len(lines):
                line = lines[edit.location.row - 1]
                ending = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else "\r" if line.endswith("\r") else newline
            edits.append(_with_newline(edit, ending))
    return edits


def _with_newline(edit: Edit, newline: str) -> Edit:
    """Write a rule's bare `\\n` as the file's own line ending, so CRLF files stay CRLF."""
    if "\n" not in edit.content:
        return edit
    content = edit.content.replace("\r\n", "\n")
    if newline != "\n":
        content = content.replace("\n", newline)
    return edit if content == edit.content else Edit(content, edit.location, edit.end_location)


def _parse_problem(text: str, filename: str, must_compile: bool) -> str | None:
    """Why `text` is not acceptable Python, or None when it is."""
    problem = size_problem(text) or parse_problem(text)
    if problem is not None:
        return problem
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"line {exc.raw_line}: {str(exc.message).strip().splitlines()[0] if exc.message else 'invalid syntax'}"
    except RecursionError:
        return "the code nests too deeply to parse"
    if must_compile:
        try:
            quiet_compile(text, filename)
        except SyntaxError as exc:
            return f"line {exc.lineno}: {exc.msg}"
        except (ValueError, RecursionError, MemoryError) as exc:
            return str(exc)
    return None


def _encoding_problem(source: SourceFile, text: str) -> str | None:
    """Why `text` cannot be written back in `source`'s encoding, or None when it can."""
    try:
        data = source.encode(text)
    except UnicodeEncodeError as exc:
        return f"produced {exc.object[exc.start:exc.end]!r}, which {source.encoding} cannot encode"
    try:
        again = decode_source(data, source.filename)
    except SourceError as exc:
        return f"produced a file that cannot be read back ({exc})"
    if (again.text, again.encoding, again.bom) != (text, source.encoding, source.bom):
        return "would change how the file is decoded (its coding cookie moved)"
    return None


def _compiles(text: str, filename: str) -> bool:
    try:
        quiet_compile(text, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _codes(diagnostics: Iterable[Diagnostic]) -> str:
    return ", ".join(sorted({d.code for d in diagnostics}))


def _abandon(source: SourceFile, original: list[Diagnostic], reason: str) -> FixResult:
    error = Diagnostic(INTERNAL_ERROR, f"cannot fix: {reason}", source.filename, Location(1, 1), Location(1, 1))
    return FixResult(source.text, [], original, original, 0, error)


@dataclass
class FileFix:
    """The outcome of fixing one file on disk.

    `diagnostics` is what to report for the file as it now is on disk (or
    would be, when nothing is written); `applied` the findings whose fixes
    took effect (or would have); `before` and `after` the texts to diff.
    """

    path: Path
    name: str
    diagnostics: list[Diagnostic]
    applied: list[Diagnostic] = field(default_factory=list)
    source: SourceFile | None = None
    after: str | None = None
    written: bool = False
    # Input that could not be decoded, given back as it came (standard input).
    unreadable: bytes | None = None

    @property
    def before(self) -> str | None:
        """The text as it was read, or None if it could not be read."""
        return self.source.text if self.source is not None else None

    @property
    def changed(self) -> bool:
        """True if the fixes change the file's text."""
        return self.source is not None and self.after is not None and self.source.text != self.after

    def encoded_after(self) -> bytes:
        """The fixed text encoded as the file was (encoding, byte-order mark); unreadable input as it came."""
        if self.source is None or self.after is None:
            return self.unreadable or b""
        if not self.changed and self.source.raw is not None:
            return self.source.raw
        return self.source.encode(self.after)


def fix_file(
    path: Path,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Any] | None = None,
    *,
    unsafe: bool = False,
    write: bool = True,
    name: str | None = None,
) -> FileFix:
    """Read, fix and (when `write` is true and something changed) atomically rewrite one file.

    Every problem (unreadable file, failed fix, failed write) comes back as a
    diagnostic of the file; a file that is not written keeps its findings.
    """
    name = name or str(path)
    try:
        source = read_source(path, name)
    except SourceError as exc:
        return FileFix(path, name, [io_error(name, str(exc))])
    result = fix_source(source, rules, options, unsafe=unsafe)
    outcome = FileFix(path, name, result.diagnostics, result.applied, source, result.text)
    if not write or not outcome.changed:
        return outcome
    assert source.raw is not None
    try:
        write_atomically(path, outcome.encoded_after(), expected=source.raw)
    except WriteError as exc:
        failure = Diagnostic(IO_ERROR, f"cannot write the fixes: {exc}", name, Location(1, 1), Location(1, 1))
        return FileFix(path, name, [*result.original, failure], [], source, source.text)
    outcome.written = True
    return outcome


@dataclass(frozen=True)
class FixTask:
    """One file to fix: where it is, how to name it, the rules that apply to it."""

    path: Path
    name: str
    rules: tuple[type[Rule], ...]


# Below this many files, starting worker processes costs more than it saves.
POOL_MIN_FILES = 4


def fix_files(
    tasks: Sequence[FixTask],
    options: Mapping[str, Any] | None = None,
    *,
    unsafe: bool = False,
    write: bool = True,
    jobs: int = 1,
) -> list[FileFix]:
    """Fix many files, in up to `jobs` worker processes; the outcomes come in the order of `tasks`.

    Each file is read, fixed and written by one worker, so no two workers
    touch the same file. Notebooks (``.ipynb``) go to the notebook fixer.
    """
    from prnglint.workers import exit_cleanly_on_termination

    # One file reached by two names (a symbolic link, a hard link) is fixed
    # once, by the first; the others are fixed after it, so that two workers
    # never race each other on one file, and see that nothing is left to do.
    first: list[int] = []
    again: list[int] = []
    seen: set[tuple[int, int]] = set()
    for index, task in enumerate(tasks):
        try:
            info = os.stat(task.path)
            identity = (info.st_dev, info.st_ino)
        except OSError:
            first.append(index)
            continue
        (again if identity in seen else first).append(index)
        seen.add(identity)
    # SIGTERM or SIGHUP (`timeout`, a closed terminal) while a file is being written must not leave it half-way.
    with exit_cleanly_on_termination():
        outcomes = dict(zip(first, _fix_files([tasks[i] for i in first], options, unsafe=unsafe, write=write, jobs=jobs)))
        for index in again:
            outcomes[index] = _fix_task(tasks[index], options, unsafe, write)
    return [outcomes[index] for index in range(len(tasks))]


def _fix_files(tasks: Sequence[FixTask], options: Mapping[str, Any] | None, *, unsafe: bool, write: bool, jobs: int) -> list[FileFix]:
    workers = min(jobs, len(tasks))
    if workers < 2 or len(tasks) < POOL_MIN_FILES:
        return [_fix_task(task, options, unsafe, write) for task in tasks]
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    from prnglint.workers import pool_context, run_isolated, start_worker

    outcomes: dict[int, FileFix] = {}
    orphaned: list[int] = []
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=pool_context(), initializer=start_worker, initargs=(os.getpid(),)
        )
        futures = {}
        for index, task in enumerate(tasks):
            try:
                futures[pool.submit(_fix_task, task, options, unsafe, write)] = index
            except BrokenProcessPool:
                # A worker crashed before every file was handed out: the rest are fixed one by one below.
                orphaned.append(index)
    except OSError:
        # No processes to be had (a sandbox, a process limit): fix here instead.
        return [_fix_task(task, options, unsafe, write) for task in tasks]
    try:
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcomes[index] = future.result()
            except BrokenProcessPool:
                orphaned.append(index)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=not orphaned)
    if orphaned:
        # A worker died (a native crash) and took the pool with it: fix what is left one file per process.
        run_isolated(
            sorted(orphaned),
            lambda index: _fix_task(tasks[index], options, unsafe, write),
            lambda index, how: _died(tasks[index], how),
            workers,
            outcomes.__setitem__,
        )
    return [outcomes[index] for index in range(len(tasks))]


def _died(task: FixTask, how: str) -> FileFix:
    message = f"internal error: the process fixing this file died ({how}); please report it"
    return FileFix(task.path, task.name, [Diagnostic(INTERNAL_ERROR, message, task.name, Location(1, 1), Location(1, 1))])


def _fix_task(task: FixTask, options: Mapping[str, Any] | None, unsafe: bool, write: bool) -> FileFix:
    if task.path.suffix == ".ipynb":
        from prnglint.notebook import fix_notebook_file

        return fix_notebook_file(task.path, task.rules, options, unsafe=unsafe, write=write, name=task.name)
    return fix_file(task.path, task.rules, options, unsafe=unsafe, write=write, name=task.name)


def fix_stream(
    raw: bytes,
    name: str,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Any] | None = None,
    *,
    unsafe: bool = False,
) -> FileFix:
    """Fix code read from a stream (standard input); nothing is written, `encoded_after()` is the output.

    Undecodable input comes back with its E902 diagnostic, and `encoded_after()`
    returns it unchanged, so that a pipe through `--fix -` never loses code.
    """
    try:
        source = decode_source(raw, name)
    except SourceError as exc:
        return FileFix(Path(name), name, [io_error(name, str(exc))], unreadable=raw)
    result = fix_source(source, rules, options, unsafe=unsafe)
    return FileFix(Path(name), name, result.diagnostics, result.applied, source, result.text)


def unified_diff(before: str, after: str, filename: str) -> str:
    """A unified diff from `before` to `after`, as `diff -u` and ruff's `--diff` print it."""
    old = split_lines(before)
    new = split_lines(after)
    lines = difflib.unified_diff(old, new, fromfile=filename, tofile=filename, lineterm="\n")
    out: list[str] = []
    for line in lines:
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            # The last line of a file without a final newline, marked as diff marks it.
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
