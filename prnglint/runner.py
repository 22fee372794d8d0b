"""Run the engine over many files.

This is the one place that turns found files into per-file results; the
CLI, the fixer and the benchmarks all go through `lint_files`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prnglint.config import Settings
from prnglint.diagnostics import Diagnostic
from prnglint.engine import Rule, internal_error, io_error, lint_source
from prnglint.files import FoundFile
from prnglint.notebook import is_notebook, lint_notebook_path
from prnglint.source import SourceError, SourceFile, read_source


@dataclass
class FileResult:
    """The diagnostics of one file (errors of the run included)."""

    path: Path
    diagnostics: list[Diagnostic]
    source: SourceFile | None = None


def display_name(path: Path) -> str:
    """How a path is shown to the user: relative to the working folder when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def lint_file(path: Path, rules: Sequence[type[Rule]], settings: Settings, *, keep_source: bool = False) -> FileResult:
    """Read and lint one file; unreadable files become an E902 diagnostic."""
    name = display_name(path)
    if is_notebook(path):
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


def lint_files(files: Sequence[FoundFile], settings: Settings, *, keep_source: bool = False) -> list[FileResult]:
    """Lint every file with the rules the settings select for it, in order."""
    enabled = settings.enabled_rules()
    results: list[FileResult] = []
    for found in files:
        rules = settings.rules_for(found.path, enabled)
        results.append(lint_file(found.path, rules, settings, keep_source=keep_source))
    return results
