"""Run the engine over many files: filter, look up the cache, lint what is left.

This is the one place that turns found files into per-file results; the
CLI, the fixer and the benchmarks all go through `lint_files`.

A run has three steps. The main process reads every file and sets aside
those where no selected rule's words occur (most files of a large codebase);
they need no parse and no cache entry. It looks the others up in the cache.
What is left is linted, in a pool of worker processes when there is enough
of it to pay for one (big files first, small ones in chunks), and stored in
the cache. Workers and the cache exchange plain rows (`cache.encode`), never
libcst nodes, and every path decodes the same rows, so a run gives the same
diagnostics whatever `jobs` is and whether the cache answered or not.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prnglint.config import Settings
from prnglint.diagnostics import INTERNAL_ERROR, Diagnostic, internal_error, io_error
from prnglint.prefilter import rules_that_may_fire
from prnglint.files import FoundFile
from prnglint.source import SourceError, SourceFile, read_file_bytes, read_source

if TYPE_CHECKING:
    from prnglint.registry import AnyRule
    from prnglint.cache import Cache, Row
    from prnglint.progress import ProgressFactory

# Below this much text to lint, forking workers costs more than it saves
# (about 2,500 lines: a quarter of a second of libcst on one core).
POOL_MIN_CHARS = 100_000
POOL_MIN_FILES = 2
# Chunks per worker: enough that the last chunks even out the workers' ends,
# few enough that handing them out costs nothing.
CHUNKS_PER_WORKER = 16

PYTHON = "python"
NOTEBOOK = "notebook"

# A linted file's rows and the other files they depend on (path -> SHA-256 of its bytes).
Linted = tuple[list["Row"], dict[str, str]]


def is_notebook(path: Path) -> bool:
    """`prnglint.notebook.is_notebook`, without importing the notebook reader for runs that have none."""
    return str(path).endswith(".ipynb")


@dataclass
class FileResult:
    """The diagnostics of one file (errors of the run included)."""

    path: Path
    diagnostics: list[Diagnostic]
    source: SourceFile | None = None


def display_name(path: Path) -> str:
    """How a path is shown to the user: relative to the working folder when below it.

    Bytes of the name that are not UTF-8 are shown as ``\\xNN`` escapes and
    control characters escaped, so that every output format says the same.
    """
    try:
        return printable_path(str(path.resolve().relative_to(Path.cwd())))
    except (ValueError, OSError, RuntimeError):
        return printable_path(str(path))


def printable_path(text: str) -> str:
    """`text` (a path as Python decodes it) with undecodable bytes and control characters escaped."""
    if text.isprintable():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # `os.fsdecode` keeps an undecodable byte as a lone surrogate: show the byte.
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class _DisplayNames:
    """`display_name` for the many files of a run, resolving each folder once."""

    def __init__(self) -> None:
        self._below = os.path.join(str(Path.cwd()), "")
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path) -> str:
        try:
            if path.is_symlink():
                resolved = str(path.resolve())
            else:
                parent = os.path.dirname(path)
                folder = self._folders.get(parent)
                if folder is None:
                    folder = self._folders[parent] = str(Path(parent).resolve())
                resolved = os.path.join(folder, os.path.basename(path))
        except (OSError, RuntimeError):
            # RuntimeError: a loop of symbolic links.
            return printable_path(str(path))
        # `resolve` gives normalised absolute paths: a prefix test is `relative_to`.
        return printable_path(resolved[len(self._below) :] if resolved.startswith(self._below) else str(path))


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def lint_file(path: Path, rules: Sequence[AnyRule], settings: Settings, *, keep_source: bool = False) -> FileResult:
    """Read and lint one file in this process; unreadable files become an E902 diagnostic."""
    from prnglint.engine import lint_source

    name = display_name(path)
    if is_notebook(path):
        from prnglint.notebook import lint_notebook_path

        # A notebook's findings carry their cell's text; there is no one source to keep.
        return FileResult(path, lint_notebook_path(path, name, rules, settings.rule_options))
    try:
        source = read_source(path, name)
    except SourceError as exc:
        return FileResult(path, [io_error(name, str(exc))])
    try:
        diagnostics = lint_source(source, rules, settings.rule_options)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the run
        return FileResult(path, [internal_error(name, exc)])
    # Reporters show source lines of the files with findings; keep only those.
    return FileResult(path, diagnostics, source if keep_source or diagnostics else None)


@dataclass(frozen=True)
class _Work:
    """One file left to lint after the filter and the cache."""

    index: int
    path: Path
    name: str
    kind: str
    payload: str | bytes  # the text of a Python file, the bytes of a notebook
    rules: tuple[AnyRule, ...]
    source: SourceFile | None
    key: str | None

    def task(self) -> tuple[int, str, str, str | bytes, tuple[str, ...]]:
        """What a worker process receives: plain values only."""
        return (self.index, self.name, self.kind, self.payload, tuple(rule.code for rule in self.rules))


def lint_files(
    files: Sequence[FoundFile],
    settings: Settings,
    *,
    keep_source: bool = False,
    jobs: int = 1,
    cache: Cache | None = None,
    progress: ProgressFactory | None = None,
) -> list[FileResult]:
    """Lint every file with the rules the settings select for it; results in the order of `files`.

    `jobs` is the number of worker processes (1: lint in this process); a
    pool is started only when enough text is left to lint. `cache` answers
    files linted before and stores the rest; `progress` makes a progress bar
    for the files left to lint, or None.
    """
    enabled = settings.enabled_rules()
    names = _DisplayNames()
    results: list[FileResult | None] = [None] * len(files)
    work: list[_Work] = []
    for index, found in enumerate(files):
        if found.problem is not None:
            # Never opened: a named pipe would block, a device would never end.
            results[index] = FileResult(found.path, [io_error(names(found.path), found.problem)])
            continue
        rules = settings.rules_for(found.path, enabled)
        result = _answer_without_linting(index, found.path, names(found.path), rules, settings, cache, keep_source, work)
        if result is not None:
            results[index] = result
    if work:
        bar = progress(len(work)) if progress is not None else None
        try:

            def done(item: _Work, linted: Linted) -> None:
                results[item.index] = _finish(item, linted, cache, keep_source)
                if bar is not None:
                    bar.advance()

            _lint_work(work, settings.rule_options, jobs, done)
        finally:
            if bar is not None:
                bar.close()
    assert all(result is not None for result in results)
    return results  # type: ignore[return-value]


def _answer_without_linting(
    index: int,
    path: Path,
    name: str,
    rules: Sequence[AnyRule],
    settings: Settings,
    cache: Cache | None,
    keep_source: bool,
    work: list[_Work],
) -> FileResult | None:
    """The result of a file that needs no linting (unreadable, filtered out, cached), else queue it in `work`."""
    if is_notebook(path):
        try:
            raw = read_file_bytes(path)
        except SourceError as exc:
            return FileResult(path, [io_error(name, str(exc))])
        key = cache.key(raw, [NOTEBOOK, *(rule.code for rule in rules)]) if cache is not None else None
        cached = cache.get(key, name) if cache is not None and key is not None else None
        if cached is not None:
            return FileResult(path, cached)
        work.append(_Work(index, path, name, NOTEBOOK, raw, tuple(rules), None, key))
        return None
    try:
        source = read_source(path, name)
    except SourceError as exc:
        return FileResult(path, [io_error(name, str(exc))])
    # The words are a substring search: cheaper than a cache lookup, and
    # they settle most files. The `ast` pre-check is left to the workers.
    if not rules_that_may_fire(source.text, rules, prefilter=False):
        return FileResult(path, [], source if keep_source else None)
    key = None
    if cache is not None:
        key = cache.key(source.raw if source.raw is not None else source.encode(source.text), [r.code for r in rules])
        cached = cache.get(key, name)
        if cached is not None:
            return FileResult(path, cached, source if keep_source or cached else None)
    work.append(_Work(index, path, name, PYTHON, source.text, tuple(rules), source, key))
    return None


def _finish(item: _Work, linted: Linted, cache: Cache | None, keep_source: bool) -> FileResult:
    from prnglint.cache import decode

    rows, dependencies = linted
    diagnostics = [decode(row, item.name) for row in rows]
    # A prnglint bug may be fixed by the next release or be a passing failure; never remember it.
    if cache is not None and item.key is not None and not any(d.code == INTERNAL_ERROR for d in diagnostics):
        cache.put(item.key, rows, dependencies)
    return FileResult(item.path, diagnostics, item.source if keep_source or diagnostics else None)


# --- Linting, in this process or in a pool ---------------------------------------------


def _lint_one(name: str, kind: str, payload: str | bytes, rules: Sequence[AnyRule], options: Mapping[str, Any]) -> Linted:
    """Lint one file's text (or notebook bytes): its rows and the other files they depend on; prnglint's own bugs become E000."""
    from prnglint.cache import encode
    from prnglint.engine import lint_source
    from prnglint.project import recording

    # A syntax tree is hundreds of thousands of objects and no cycles: the
    # cyclic garbage collector, scanning them again and again while they are
    # built, made a file twice as long take more than twice as long. Reference
    # counting frees the tree; collection resumes after the file.
    collecting = gc.isenabled()
    gc.disable()
    dependencies: dict[str, str] = {}
    try:
        with recording() as dependencies:
            diagnostics = _lint_payload(name, kind, payload, rules, options)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the run
        diagnostics = [internal_error(name, exc)]
    finally:
        if collecting:
            gc.enable()
    return [encode(d) for d in diagnostics], dependencies


def _lint_payload(name: str, kind: str, payload: str | bytes, rules: Sequence[AnyRule], options: Mapping[str, Any]) -> list[Diagnostic]:
    from prnglint.engine import lint_source

    if kind == NOTEBOOK:
        from prnglint.notebook import lint_notebook_bytes

        assert isinstance(payload, bytes)
        return lint_notebook_bytes(payload, name, rules, options)
    assert isinstance(payload, str)
    return lint_source(SourceFile(name, payload), rules, options)


def _lint_work(
    work: list[_Work],
    options: Mapping[str, Any],
    jobs: int,
    done: Callable[[_Work, Linted], None],
) -> None:
    total = sum(len(item.payload) for item in work)
    workers = min(jobs, len(work))
    if workers < 2 or len(work) < POOL_MIN_FILES or total < POOL_MIN_CHARS:
        for item in work:
            done(item, _lint_one(item.name, item.kind, item.payload, item.rules, options))
        return
    _lint_in_pool(work, options, workers, done)


def _chunks(work: list[_Work], workers: int) -> list[list[_Work]]:
    """Big files first, each alone; small files grouped so each chunk is a similar amount of text."""
    ordered = sorted(work, key=lambda item: len(item.payload), reverse=True)
    target = max(1, sum(len(item.payload) for item in work) // (workers * CHUNKS_PER_WORKER))
    chunks: list[list[_Work]] = []
    current: list[_Work] = []
    size = 0
    for item in ordered:
        current.append(item)
        size += len(item.payload)
        if size >= target:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _lint_in_pool(
    work: list[_Work],
    options: Mapping[str, Any],
    workers: int,
    done: Callable[[_Work, Linted], None],
) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    from prnglint.cache import encode
    from prnglint.registry import load_codes
    from prnglint.workers import pool_context, run_isolated

    by_index = {item.index: item for item in work}
    # Load the rules (and libcst) before the workers fork, so that they start with them.
    from prnglint.registry import load

    for rules in {item.rules for item in work}:
        load(rules)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=pool_context(),
        initializer=_start_worker,
        initargs=(dict(options), os.getpid()),
    )
    try:
        futures = {pool.submit(_lint_chunk, [item.task() for item in chunk]): chunk for chunk in _chunks(work, workers)}
    except OSError:
        # No processes to be had (a sandbox, a process limit): lint here instead.
        pool.shutdown(wait=False, cancel_futures=True)
        for item in work:
            done(item, _lint_one(item.name, item.kind, item.payload, item.rules, options))
        return
    orphaned: list[_Work] = []
    try:
        for future in as_completed(futures):
            try:
                finished = future.result()
            except BrokenProcessPool:
                # A worker died (a native crash): every chunk not yet back is lost with the pool.
                orphaned.extend(futures[future])
                continue
            except Exception as exc:  # noqa: BLE001 - a worker that failed takes only its own files down
                for item in futures[future]:
                    done(item, ([encode(internal_error(item.name, exc))], {}))
                continue
            for index, linted in finished:
                done(by_index[index], linted)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=not orphaned)
    if orphaned:
        # Again, one file per process: only the file that kills its process is lost.
        run_isolated(
            sorted(orphaned, key=lambda item: item.index),
            lambda item: _lint_one(item.name, item.kind, item.payload, load_codes(item.task()[4]), options),
            lambda item, how: ([encode(_died(item.name, how))], {}),
            workers,
            done,
        )


def _died(name: str, how: str) -> Diagnostic:
    from prnglint.diagnostics import Location

    message = f"internal error: the process linting this file died ({how}); please report it"
    return Diagnostic(INTERNAL_ERROR, message, name, Location(1, 1), Location(1, 1))


# --- In a worker process --------------------------------------------------------------

_worker_options: Mapping[str, Any] = {}


def _start_worker(options: Mapping[str, Any], parent: int) -> None:
    global _worker_options
    _worker_options = options
    from prnglint.workers import start_worker

    start_worker(parent)
    # What the parent had loaded (libcst, the rules) lives as long as the
    # worker: keep it out of the garbage collector's way.
    import gc

    gc.freeze()


def _lint_chunk(tasks: list[tuple[int, str, str, str | bytes, tuple[str, ...]]]) -> list[tuple[int, Linted]]:
    """Lint a chunk of files in a worker; returns each file's index, rows and dependencies."""
    from prnglint.registry import load_codes

    return [
        (index, _lint_one(name, kind, payload, load_codes(codes), _worker_options))
        for index, name, kind, payload, codes in tasks
    ]
