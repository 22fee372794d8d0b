"""Output formats: one module per format, all rendering the same diagnostics.

A reporter is a function ``report(diagnostics, run, out)``; `REPORTERS` maps
each `--output-format` name to the module and function that implement it, so
that only the chosen format is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from prnglint.diagnostics import Diagnostic, Location

REPORTERS: dict[str, str] = {
    "full": "prnglint.reporters.full:report",
    "concise": "prnglint.reporters.concise:report",
    "json": "prnglint.reporters.json:report",
    "json-lines": "prnglint.reporters.json_lines:report",
    "github": "prnglint.reporters.github:report",
    "sarif": "prnglint.reporters.sarif:report",
}

# Formats read by programs rather than people: always UTF-8, never coloured.
MACHINE_FORMATS = frozenset({"json", "json-lines", "github", "sarif"})


@dataclass
class RunInfo:
    """What a reporter may need besides the diagnostics."""

    sources: Mapping[str, str] = field(default_factory=dict)
    color: bool = False
    files_checked: int = 0
    fixed: int = 0
    unsafe_fixes: bool = False
    show_fix_hints: bool = True
    rule_names: Mapping[str, str] = field(default_factory=dict)
    # -q/--quiet: the findings and nothing else.
    quiet: bool = False


Reporter = Callable[[Sequence[Diagnostic], RunInfo, TextIO], None]


def get_reporter(name: str) -> Reporter:
    """The reporter function for an output format name."""
    module_name, _, attribute = REPORTERS[name].partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def file_span(d: Diagnostic) -> tuple[Location, Location]:
    """Where `d` lies in the file as stored on disk.

    That is `d`'s own span, except in a notebook, where `d` counts rows within
    a cell and the notebook reader records the span in the notebook's JSON.
    """
    region = d.extra.get("file_region")
    # Plain integers (row, column, end row, end column), so that a cache can store them as JSON.
    if isinstance(region, (list, tuple)) and len(region) == 4 and all(isinstance(v, int) for v in region):
        return Location(region[0], region[1]), Location(region[2], region[3])
    return d.location, d.end_location


def location_label(d: Diagnostic) -> str:
    """`row:column`, preceded by `cell N:` in a notebook (as ruff writes it)."""
    cell = d.extra.get("cell")
    prefix = f"cell {cell}:" if isinstance(cell, int) else ""
    return f"{prefix}{d.location.row}:{d.location.column}"


def source_text(d: Diagnostic, run: RunInfo) -> str | None:
    """The text `d`'s rows and columns refer to: the file, or for a notebook the cell."""
    cell_source = d.extra.get("cell_source")
    if isinstance(cell_source, str):
        return cell_source
    return run.sources.get(d.filename)


def summary_line(diagnostics: Sequence[Diagnostic], run: RunInfo) -> list[str]:
    """The closing lines: how many findings, and how many a fix can resolve."""
    findings = [d for d in diagnostics if not d.is_error]
    errors = [d for d in diagnostics if d.is_error]
    lines: list[str] = []
    if run.quiet:
        return lines
    if run.fixed:
        # As ruff words it: what was found in all, what --fix fixed and what is left.
        total = run.fixed + len(findings)
        lines.append(f"Found {total} finding{'s' if total != 1 else ''} ({run.fixed} fixed, {len(findings)} remaining).")
    elif findings:
        lines.append(f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''}.")
    if findings:
        safe = sum(1 for d in findings if d.fix is not None and d.fix.applicability.value == "safe")
        unsafe = sum(1 for d in findings if d.fix is not None and d.fix.applicability.value == "unsafe")
        if run.show_fix_hints and (safe or (unsafe and run.unsafe_fixes)):
            count = safe + (unsafe if run.unsafe_fixes else 0)
            lines.append(f"[*] {count} fixable with the `--fix` option.")
            if unsafe and not run.unsafe_fixes:
                lines.append(f"({unsafe} more fixable with `--fix --unsafe-fixes`.)")
        elif run.show_fix_hints and unsafe:
            lines.append(f"No safe fixes ({unsafe} fixable with `--fix --unsafe-fixes`).")
    elif not errors and not run.fixed:
        # A run that checked nothing must not look like a clean one.
        lines.append("All checks passed!" if run.files_checked else "No files were checked.")
    if errors:
        lines.append(f"{len(errors)} file{'s' if len(errors) != 1 else ''} could not be checked.")
    return lines
