"""`--output-format sarif`: a SARIF 2.1.0 log, as GitHub code scanning reads it.

What GitHub needs and ruff's SARIF lacks: file addresses relative to the
repository (``uriBaseId: %SRCROOT%``), so that alerts land on the right file
whatever folder CI checked out into, and ``partialFingerprints``, so that an
alert keeps its identity when unrelated lines move. The fingerprint hashes
the rule, the reported line's text (stripped of indentation) and how many
times that same rule and text occurred earlier in the file; inserting or
deleting other lines changes none of the three.

Files that could not be read or parsed are not findings of a rule: they are
reported as notifications of the run, which is then marked unsuccessful.
"""

from __future__ import annotations

import hashlib
import json
import os.path
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from prnglint import __version__
from prnglint.diagnostics import Diagnostic, Edit, Location
from prnglint.engine import Rule
from prnglint.source import split_lines
from prnglint.reporters import RunInfo, file_span, source_text

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/prnglint/prnglint"
SRCROOT = "%SRCROOT%"


def report(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    """Write one SARIF log with a single run holding every diagnostic."""
    json.dump(sarif_log(diagnostics, run), out, indent=2, ensure_ascii=False)
    out.write("\n")


def sarif_log(diagnostics: Sequence[Diagnostic], run: RunInfo, *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict; `root` is the repository (found from the working folder by default)."""
    from prnglint.registry import all_rules

    root = (root or repository_root(Path.cwd())).resolve()
    rules = list(all_rules())
    index = {rule.code: i for i, rule in enumerate(rules)}
    findings = [d for d in diagnostics if not d.is_error]
    errors = [d for d in diagnostics if d.is_error]
    fingerprints = _fingerprints(findings, run)
    results = [_result(d, index, root, fingerprints[i]) for i, d in enumerate(findings)]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "prnglint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": not errors,
                        "toolExecutionNotifications": [_notification(d, root) for d in errors],
                    }
                ],
                "results": results,
            }
        ],
    }


def repository_root(start: Path) -> Path:
    """The git work tree holding `start` (where GitHub resolves paths from), else `start`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


# --- rules ----------------------------------------------------------------------


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    documentation = rule.documentation()
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": _pascal_case(rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _section(documentation, "What it does") or rule.summary},
        "help": {"text": documentation, "markdown": documentation},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": "error", "enabled": rule.default_enabled},
        "properties": {"tags": ["jax", "prng", "correctness"], "precision": "high"},
    }
    if rule.fix_applicability is not None:
        descriptor["properties"]["fixApplicability"] = rule.fix_applicability.value
    return descriptor


def _pascal_case(kebab: str) -> str:
    # SARIF asks for an identifier-like name; GitHub shows it beside the id.
    return "".join(part.capitalize() for part in kebab.split("-"))


def _section(documentation: str, heading: str) -> str:
    """The text under `## heading`, joined into paragraphs."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", documentation, re.MULTILINE | re.DOTALL)
    if not match:
        return ""
    paragraphs = [" ".join(line.strip() for line in block.splitlines()) for block in match.group(1).strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


# --- results --------------------------------------------------------------------


def _result(d: Diagnostic, index: dict[str, int], root: Path, fingerprint: str) -> dict[str, Any]:
    start, end = file_span(d)
    artifact = _artifact_location(d.filename, root)
    result: dict[str, Any] = {
        "ruleId": d.code,
        "level": "error",
        "message": {"text": _message(d)},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(start, end)}}],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    cell = d.extra.get("cell")
    if isinstance(cell, int):
        result["properties"] = {"cell": cell, "cellRegion": _region(d.location, d.end_location)}
    elif d.fix is not None:
        # A notebook's fix edits cell text, not the JSON on disk, so only plain files carry fixes.
        result["fixes"] = [
            {
                "description": {"text": f"{d.fix.message} ({d.fix.applicability.value} fix)"},
                "artifactChanges": [
                    {"artifactLocation": artifact, "replacements": [_replacement(edit) for edit in d.fix.edits]}
                ],
            }
        ]
    return result


def _message(d: Diagnostic) -> str:
    cell = d.extra.get("cell")
    if isinstance(cell, int):
        return f"cell {cell}, line {d.location.row}, column {d.location.column}: {d.message}"
    return d.message


def _replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": _region(edit.location, edit.end_location),
        "insertedContent": {"text": edit.content},
    }


def _region(start: Location, end: Location) -> dict[str, int]:
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": max(end.row, start.row),
        "endColumn": end.column if end.row > start.row else max(end.column, start.column),
    }


def _notification(d: Diagnostic, root: Path) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": d.message},
        "descriptor": {"id": d.code},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_location(d.filename, root),
                    "region": _region(*file_span(d)),
                }
            }
        ],
    }


def _artifact_location(filename: str, root: Path) -> dict[str, Any]:
    """A repository-relative address when the file is inside `root`, else an absolute one."""
    path = Path(filename)
    absolute = path if path.is_absolute() else Path.cwd() / path
    # normpath, not resolve(): resolving symlinks could move a linked file out of the repository.
    absolute = Path(os.path.normpath(absolute))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri() if absolute.is_absolute() else quote(path.as_posix())}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def _directory_uri(root: Path) -> str:
    uri = root.as_uri()
    return uri if uri.endswith("/") else uri + "/"


# --- fingerprints -----------------------------------------------------------------


def _fingerprints(findings: Sequence[Diagnostic], run: RunInfo) -> list[str]:
    """`primaryLocationLineHash` of each finding: hash of (rule, line text) and its occurrence number."""
    seen: dict[tuple[str, str, str], int] = {}
    lines_cache: dict[tuple[str, object], list[str]] = {}
    order = sorted(range(len(findings)), key=lambda i: _file_order(findings[i]))
    out = [""] * len(findings)
    for i in order:
        d = findings[i]
        text = _line_text(d, run, lines_cache)
        digest = hashlib.sha256(f"{d.code}\0{text}".encode()).hexdigest()[:16]
        key = (d.filename, d.code, text)
        seen[key] = seen.get(key, 0) + 1
        out[i] = f"{digest}:{seen[key]}"
    return out


def _file_order(d: Diagnostic) -> tuple[str, int, int, int, str]:
    cell = d.extra.get("cell")
    return (d.filename, cell if isinstance(cell, int) else 0, d.location.row, d.location.column, d.code)


def _line_text(d: Diagnostic, run: RunInfo, cache: dict[tuple[str, object], list[str]]) -> str:
    key = (d.filename, d.extra.get("cell"))
    if key not in cache:
        text = source_text(d, run)
        if text is None:
            text = _read(d.filename)
        cache[key] = [line.strip() for line in split_lines(text)] if text is not None else []
    lines = cache[key]
    return lines[d.location.row - 1] if 0 < d.location.row <= len(lines) else ""


def _read(filename: str) -> str | None:
    # Results that come from a cache may lack their source; read the file then.
    from prnglint.source import SourceError, read_source

    try:
        return read_source(Path(filename)).text
    except SourceError:
        return None
