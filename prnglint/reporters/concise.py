"""`--output-format concise`: one plain line per diagnostic, `path:row:col: CODE message`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from prnglint.diagnostics import Diagnostic
from prnglint.reporters import RunInfo, location_label, summary_line


def report(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    """Write one line per diagnostic, then the summary."""
    for d in diagnostics:
        out.write(f"{d.filename}:{location_label(d)}: {d.code} {d.message}\n")
    for line in summary_line(diagnostics, run):
        out.write(line + "\n")
