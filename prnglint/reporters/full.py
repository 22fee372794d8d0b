"""`--output-format full` (the default): each finding with its source line and a caret.

Rendered with rich: coloured on a terminal, plain text otherwise and whenever
NO_COLOR is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.text import Text

from prnglint.diagnostics import Diagnostic
from prnglint.source import split_lines
from prnglint.reporters import RunInfo, location_label, source_text, summary_line

_CONTEXT = 1


def report(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    """Write every diagnostic with its source excerpt, then the summary."""
    console = Console(
        file=out,
        force_terminal=run.color,
        no_color=not run.color,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    lines_cache: dict[tuple[str, object], list[str]] = {}
    for d in diagnostics:
        header = Text()
        header.append(d.filename, style="bold")
        header.append(f":{location_label(d)}: ", style="cyan")
        header.append(d.code, style="bold red")
        if d.fix is not None:
            header.append(" [*]", style="cyan")
        header.append(f" {d.message}")
        console.print(header)
        text = source_text(d, run)
        if text is not None and not d.is_error:
            # A notebook's rows count within a cell: excerpts come from that cell.
            key = (d.filename, d.extra.get("cell"))
            if key not in lines_cache:
                lines_cache[key] = [line.rstrip("\r\n") for line in split_lines(text)]
            _excerpt(console, d, lines_cache[key])
        if d.fix is not None and run.show_fix_hints:
            hint = Text("  = help: ", style="cyan")
            hint.append(d.fix.message)
            if d.fix.applicability.value == "unsafe":
                hint.append(" (unsafe: apply with --unsafe-fixes)", style="dim")
            console.print(hint)
        console.print()
    for line in summary_line(diagnostics, run):
        console.print(Text(line, style="bold" if line.startswith("Found") else ""))


def _excerpt(console: Console, d: Diagnostic, lines: list[str]) -> None:
    first = max(1, d.location.row - _CONTEXT)
    last = min(len(lines), d.location.row + _CONTEXT)
    width = len(str(last))
    gutter = " " * width + " |"
    console.print(Text(gutter, style="blue"))
    for row in range(first, last + 1):
        line = lines[row - 1].expandtabs(4) if row - 1 < len(lines) else ""
        number = Text(f"{row:>{width}} | ", style="blue")
        number.append(line)
        console.print(number)
        if row == d.location.row:
            raw = lines[row - 1] if row - 1 < len(lines) else ""
            start = len(raw[: d.location.column - 1].expandtabs(4))
            if d.end_location.row == row:
                end = len(raw[: d.end_location.column - 1].expandtabs(4))
            else:
                end = len(raw.expandtabs(4))
            caret = Text(gutter + " " + " " * start, style="blue")
            caret.append("^" * max(1, end - start), style="bold red")
            caret.append(f" {d.code}", style="bold red")
            console.print(caret)
    console.print(Text(gutter, style="blue"))
