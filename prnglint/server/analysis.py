"""What the language server computes, in prnglint's own terms (no LSP types here).

The server keeps every open document in memory and asks this module to lint
its text, fix it, or suppress a finding in it. Everything here works on
text, never on a file: the editor owns the buffers, and fixes come back as
edits for the editor to apply.

Settings are found for each document exactly as `prnglint PATH` would find
them (the nearest pyproject.toml with a [tool.prnglint] table, from the
file's folder upward), and reread whenever one of those candidate files
changes on disk, so that saving pyproject.toml takes effect at the next lint.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import gc
import json
import os
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prnglint.config import ConfigError, Settings, find_config, load_config
from prnglint.diagnostics import Diagnostic, Edit, Location
from prnglint.files import Excluder
from prnglint.manifest import RuleInfo
from prnglint.source import SourceFile, line_offsets, parse_problem, size_problem, split_lines
from prnglint.suppress import Suppressions

CONFIG_NAMES = ("pyproject.toml",)


# --- Settings ------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentSettings:
    """What applies to one document: its rules and options, or why it cannot be linted."""

    settings: Settings | None
    rules: tuple[RuleInfo, ...] = ()
    excluded: bool = False
    error: str | None = None

    @property
    def options(self) -> Mapping[str, Any]:
        """The rule options of the configuration."""
        return self.settings.rule_options if self.settings is not None else {}


class SettingsFinder:
    """Find the settings of a document as the command line does, and notice when they change on disk.

    The answer for a folder is kept together with the state (modification
    time, size, inode) of every pyproject.toml that `find_config` would look
    at from there; a later question stats those few files again and reuses
    the answer only if none of them changed, appeared or disappeared.
    """

    def __init__(self) -> None:
        self._by_folder: dict[Path, tuple[tuple[Any, ...], Settings | ConfigError]] = {}

    def for_path(self, path: Path | None, fallback: Path) -> DocumentSettings:
        """The settings of the document at `path` (None for a buffer with no file: `fallback` anchors it)."""
        folder = (path.parent if path is not None else fallback).resolve()
        found = self._settings_of(folder)
        if isinstance(found, ConfigError):
            return DocumentSettings(None, error=str(found))
        if path is not None and _is_excluded(path, found):
            return DocumentSettings(found, excluded=True)
        rules = found.rules_for(path, found.enabled_rules()) if path is not None else found.enabled_rules()
        return DocumentSettings(found, tuple(rules))

    def forget(self) -> None:
        """Drop every remembered answer (after a configuration file changed)."""
        self._by_folder.clear()

    def _settings_of(self, folder: Path) -> Settings | ConfigError:
        stamp = _stamp(folder)
        known = self._by_folder.get(folder)
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            config = find_config(folder)
            result: Settings | ConfigError = load_config(config) if config is not None else Settings(root=folder)
            if isinstance(result, Settings):
                _attach_project(result, folder)
        except ConfigError as exc:
            result = exc
        self._by_folder[folder] = (stamp, result)
        return result


def _attach_project(settings: Settings, folder: Path) -> None:
    """As the command line does: the project's other modules and installed packages, for summaries."""
    from prnglint.cache import default_directory
    from prnglint.project import PROJECT_OPTION, EnvironmentError_, make_spec

    config_root = settings.root if settings.config_file is not None else None
    try:
        spec = make_spec(config_root, folder, settings.python, default_directory(settings.cache_dir, settings.root))
    except EnvironmentError_ as exc:
        origin = settings.config_file if settings.config_file is not None else "python"
        raise ConfigError(f"{origin}: {exc}") from None
    settings.rule_options[PROJECT_OPTION] = spec


def _stamp(folder: Path) -> tuple[Any, ...]:
    """The state of every configuration file `find_config` reads from `folder` upward."""
    states: list[Any] = []
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            try:
                stat = os.stat(candidate / name)
            except OSError:
                states.append(None)
                continue
            states.append((stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(states)


def _is_excluded(path: Path, settings: Settings) -> bool:
    """True if the configuration's exclusions cover `path` (as with --force-exclude)."""
    try:
        relative = path.resolve().relative_to(settings.root).as_posix()
    except (ValueError, OSError):
        return False
    return Excluder([*settings.exclude, *settings.extend_exclude]).excluded(relative)


def is_config_file(path: Path) -> bool:
    """True for a file whose change can change the settings of open documents."""
    return path.name in CONFIG_NAMES


# --- Linting -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFailure:
    """A rule that raised on a document: its findings are missing from the result."""

    code: str
    error: str
    traceback: str


@dataclass
class LintOutcome:
    """The diagnostics of one document, and the rules that failed on it."""

    diagnostics: list[Diagnostic]
    failures: list[RuleFailure] = field(default_factory=list)
    # Other files the findings were drawn from (path -> SHA-256), for re-linting dependents.
    dependencies: dict[str, str] = field(default_factory=dict)


def lint_text(
    name: str, text: str, rules: Sequence[RuleInfo], options: Mapping[str, Any], *, previous: Any = None
) -> tuple[LintOutcome, Any]:
    """Lint one Python text; a rule that raises is left out and named, the others still report.

    `previous` is the tree this function returned for an earlier version of
    the text (or None): only the statements the edit touched are parsed
    again. Returns the outcome and the tree to pass next time.
    """
    from prnglint.engine import deep_recursion, lint_source
    from prnglint.prefilter import rules_that_may_fire
    from prnglint.server.incremental import reparse

    source = SourceFile(name, text)
    tree = None
    # The engine refuses some texts before libcst sees them (too large, or one its parser would crash on):
    # leave those to it, unparsed.
    if rules_that_may_fire(text, rules, prefilter=False) and size_problem(text) is None and parse_problem(text) is None:
        with deep_recursion(), _no_collection():
            tree = reparse(previous, text)
    parsed = tree.parsed() if tree is not None else None
    return _recorded(lambda: _isolated(lambda chosen: lint_source(source, chosen, options, parsed=parsed), rules)), tree


@dataclass(frozen=True)
class CellText:
    """One cell of an open notebook: whether it is code, whether it is Python, and its text."""

    is_code: bool
    is_python: bool
    text: str


def notebook_from_cells(name: str, cells: Sequence[CellText]) -> Any:
    """The `prnglint.notebook.Notebook` of a notebook the editor holds, cell numbers as in the editor."""
    from prnglint.notebook import Notebook

    data = {
        "cells": [
            {
                # A code cell in another language is left out of the program, as a raw cell is.
                "cell_type": ("code" if cell.is_python else "raw") if cell.is_code else "markdown",
                "metadata": {},
                "source": cell.text,
            }
            for cell in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return Notebook.parse(json.dumps(data).encode("utf-8"), name)


def lint_cells(name: str, cells: Sequence[CellText], rules: Sequence[RuleInfo], options: Mapping[str, Any]) -> LintOutcome:
    """Lint a notebook's cells as one program, as the command line does; rows count within cells."""
    from prnglint.notebook import lint_notebook

    notebook = notebook_from_cells(name, cells)
    return _recorded(lambda: _isolated(lambda chosen: lint_notebook(notebook, chosen, options), rules))


def _recorded(lint: Any) -> LintOutcome:
    """`lint()`'s outcome, with the other files its findings depend on."""
    from prnglint.project import recording

    with recording() as dependencies:
        outcome = lint()
    outcome.dependencies = dependencies
    return outcome


def _isolated(lint: Any, rules: Sequence[RuleInfo]) -> LintOutcome:
    """Run `lint` with every rule at once; if that raises, once per rule, to keep what the others find."""
    from prnglint.diagnostics import Diagnostic as _Diagnostic

    with _no_collection():
        try:
            return LintOutcome(list(lint(list(rules))))
        except Exception:  # noqa: BLE001 - find out which rule it was, below
            pass
        diagnostics: list[_Diagnostic] = []
        failures: list[RuleFailure] = []
        for rule in rules:
            try:
                diagnostics.extend(lint([rule]))
            except Exception as exc:  # noqa: BLE001 - one rule's bug must not hide the others' findings
                failures.append(RuleFailure(rule.code, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        diagnostics.sort(key=_Diagnostic.sort_key)
        return LintOutcome(_unique(diagnostics), failures)


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """As the runner does: the cyclic collector rescanning a syntax tree while it is built only costs time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """One E999 for a file that does not parse, though every rule met it on its own."""
    seen: set[Any] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        identity = (d.code, d.location, d.end_location, d.message, d.extra.get("cell"))
        if identity in seen:
            continue
        seen.add(identity)
        out.append(d)
    return out


# --- Fixing -----------------------------------------------------------------------------


def fix_all_text(name: str, text: str, rules: Sequence[RuleInfo], options: Mapping[str, Any]) -> str | None:
    """The text with every safe fix applied (as `prnglint --fix`), or None when nothing changes."""
    from prnglint.fixer import fix_source
    from prnglint.registry import load

    result = fix_source(SourceFile(name, text), load(rules), options)
    if result.error is not None or result.text == text:
        return None
    return result.text


def fix_all_cells(name: str, cells: Sequence[CellText], rules: Sequence[RuleInfo], options: Mapping[str, Any]) -> dict[int, str]:
    """The new text of every cell (1-based numbers) that the safe fixes change."""
    from prnglint.notebook import Notebook, fix_notebook_bytes
    from prnglint.registry import load

    notebook = notebook_from_cells(name, cells)
    outcome = fix_notebook_bytes(notebook.raw, name, load(rules), options)
    if not outcome.changed or outcome.after is None or any(d.code == "E000" for d in outcome.diagnostics):
        return {}
    fixed = Notebook.parse(outcome.after.encode("utf-8"), name)
    return {
        cell.number: after.source
        for cell, after in zip(notebook.cells, fixed.cells)
        if cell.source != after.source
    }


def text_edits(before: str, after: str) -> list[Edit]:
    """The line-level edits that turn `before` into `after` (small, so the editor keeps its cursor and folds)."""
    old = split_lines(before)
    new = split_lines(after)
    starts = line_offsets(before)[:-1]
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = starts[i1] if i1 < len(old) else len(before)
        end = starts[i2] if i2 < len(old) else len(before)
        edits.append(Edit("".join(new[j1:j2]), location_of(starts, start), location_of(starts, end)))
    return edits


def location_of(starts: list[int], offset: int) -> Location:
    """The 1-based location of character `offset`, given the offsets where lines start."""
    index = bisect.bisect_right(starts, offset) - 1
    return Location(index + 1, offset - starts[index] + 1)


# --- Suppressing ------------------------------------------------------------------------


def noqa_edit(text: str, row: int, code: str) -> Edit | None:
    """The edit that adds `code` to the `# noqa` comment of `row` (or adds one), or None if none can work.

    The edit is checked by reading the suppressions of the edited text: at the
    end of a line that a string continues past, a `#` would be part of the
    string and suppress nothing, and nothing is offered there.
    """
    lines = split_lines(text)
    if not 1 <= row <= len(lines):
        return None
    line = lines[row - 1]
    body = line.rstrip("\r\n")
    existing = Suppressions.from_source(text).suppressing_row(row)
    if existing and ("*" in existing or any(code.startswith(c) for c in existing)):
        return None
    comment = f"# noqa: {code}"
    marker = body.rfind("# noqa:")
    if existing and marker >= 0:
        edit = Edit(f", {code}", Location(row, _end_of_codes(body, marker) + 1), Location(row, _end_of_codes(body, marker) + 1))
    else:
        stripped = body.rstrip()
        edit = Edit(f"  {comment}", Location(row, len(stripped) + 1), Location(row, len(body) + 1))
    from prnglint.engine import apply_edits

    after = apply_edits(text, [edit])
    if not Suppressions.from_source(after).is_suppressed(code, row):
        return None
    return edit


def _end_of_codes(body: str, marker: int) -> int:
    """The 0-based column just after the last code of the `# noqa:` comment starting at `marker`."""
    index = marker + len("# noqa:")
    end = index
    while index < len(body):
        char = body[index]
        if char.isalnum():
            index += 1
            end = index
        elif char in " ,\t":
            index += 1
        else:
            break
    return end
