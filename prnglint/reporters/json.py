"""`--output-format json`: every diagnostic as an object in one JSON list.

The objects have ruff's shape (``code``, ``message``, ``filename``,
``location``, ``end_location``, ``fix``, ``url``, ``noqa_row``, ``cell``) so
that tools that read ruff's JSON read ours. Keys are sorted, as ruff's are,
and the text is UTF-8 with non-ASCII characters written as themselves.
In a notebook, rows are counted within the cell that ``cell`` names (the
1-based position of the cell among all cells), as ruff counts them, and
each fix edit also names its ``cell``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from prnglint.diagnostics import Diagnostic, Edit, Fix, Location
from prnglint.reporters import RunInfo


def report(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    """Write the diagnostics as one indented JSON list."""
    urls = rule_urls()
    json.dump([diagnostic_to_json(d, urls) for d in diagnostics], out, indent=2, sort_keys=True, ensure_ascii=False)
    out.write("\n")


def rule_urls() -> dict[str, str]:
    """The documentation address of every rule, by code."""
    from prnglint.registry import rule_infos

    return {rule.code: rule.url() for rule in rule_infos()}


def diagnostic_to_json(d: Diagnostic, urls: Mapping[str, str]) -> dict[str, Any]:
    """One diagnostic as a JSON-ready dict in ruff's shape."""
    cell = d.extra.get("cell")
    return {
        "cell": cell if isinstance(cell, int) else None,
        "code": d.code,
        "end_location": _location(d.end_location),
        "filename": d.filename,
        "fix": _fix(d.fix, d.extra.get("edit_cells")) if d.fix is not None else None,
        "location": _location(d.location),
        "message": d.message,
        # Where a `# noqa` comment must go to silence this finding; errors of
        # the run (unreadable or unparsable files) cannot be silenced.
        "noqa_row": None if d.is_error else d.location.row,
        "url": urls.get(d.code),
    }


def _fix(fix: Fix, edit_cells: object) -> dict[str, Any]:
    edits = [_edit(edit) for edit in fix.edits]
    if isinstance(edit_cells, (list, tuple)) and len(edit_cells) == len(edits):
        # In a notebook an edit may lie in another cell than its finding (an
        # import added to the first cell); ruff's shape cannot say which, so
        # each edit names its cell too.
        for edit, cell in zip(edits, edit_cells):
            edit["cell"] = cell
    return {
        "applicability": fix.applicability.value,
        "edits": edits,
        "message": fix.message,
    }


def _edit(edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "end_location": _location(edit.end_location),
        "location": _location(edit.location),
    }


def _location(location: Location) -> dict[str, int]:
    return {"column": location.column, "row": location.row}
