"""`--output-format github`: GitHub Actions workflow commands, one per diagnostic.

Each line is ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message``,
which the Actions runner turns into an annotation on that span of the file.
Values are escaped as the runner expects, so a message or path containing
``%``, a line break, ``:`` or ``,`` arrives intact. A finding in a notebook is
placed on the line of the notebook's JSON that holds the source line, and its
message starts with the cell and the row within the cell. Paths are made
relative to the checkout (``GITHUB_WORKSPACE`` when set, else the git work
tree around the current folder), so that annotations land on the right file
even when prnglint runs in a subfolder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from prnglint.diagnostics import Diagnostic
from prnglint.reporters import RunInfo, file_span


def report(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    """Write one `::error` workflow command per diagnostic."""
    for d in diagnostics:
        out.write(workflow_command(d) + "\n")


def workflow_command(d: Diagnostic) -> str:
    """The `::error …::…` line for one diagnostic."""
    start, end = file_span(d)
    properties = [
        ("file", annotation_path(d.filename)),
        ("line", str(start.row)),
        ("col", str(start.column)),
        ("endLine", str(end.row)),
        ("endColumn", str(end.column)),
        ("title", d.code),
    ]
    message = d.message
    cell = d.extra.get("cell")
    if isinstance(cell, int):
        message = f"cell {cell}, line {d.location.row}, column {d.location.column}: {message}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::error {rendered}::{escape_data(message)}"


def annotation_path(filename: str) -> str:
    """The path GitHub resolves an annotation's file from: relative to the checkout.

    The checkout is `GITHUB_WORKSPACE` in Actions, else the git work tree
    containing the current folder; for a file outside it (or no checkout at
    all) the path as shown to the user, which is relative to the working folder.
    """
    workspace = os.environ.get("GITHUB_WORKSPACE")
    top = Path(workspace).absolute() if workspace else _work_tree(Path.cwd())
    if top is None:
        return filename
    try:
        return Path(os.path.abspath(filename)).relative_to(top).as_posix()
    except ValueError:
        return filename


def _work_tree(start: Path) -> Path | None:
    """The folder holding `.git` at or above `start`, if any."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def escape_data(value: str) -> str:
    """Escape the message part of a workflow command (after the second `::`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a `key=value` property of a workflow command; `:` and `,` would end it early."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
