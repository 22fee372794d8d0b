"""Jupyter notebooks: lint the code cells as one program, report per cell, fix in place.

A notebook runs its cells top to bottom in one namespace, so a key made in
cell 2 and used again in cell 5 is the same key: the code cells are joined,
in order, into one program that the engine lints like any file. IPython
syntax that is not Python (``%magic``, ``!shell``, ``obj?``, ``x = !cmd``) is
replaced line for line by a ``pass`` at the same indentation, and cells run
by a non-Python cell magic (``%%bash``) are left out. Between two cells the
program holds a comment line naming the next cell, so that diagnostics map
back to (cell, row) and fixed text splits back into cells exactly.

Diagnostics of a notebook count rows within their cell and carry, in
`Diagnostic.extra`: ``cell`` (the 1-based position of the cell among all
cells, as ruff counts), ``cell_source`` (that cell's text, for excerpts) and
``file_region`` (the span in the notebook's JSON, for annotations). A
message that names another line of the program ("line 7") is rewritten to
name it in the notebook ("cell 4, line 1").

`--fix` rewrites only the ``source`` values of the cells whose code changed;
every other byte of the file (outputs, metadata, key order, indentation,
escapes) is copied from the original.
"""

from __future__ import annotations

import bisect
import codecs
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from json.decoder import scanstring
from pathlib import Path
from typing import TYPE_CHECKING, Any

import libcst as cst

from prnglint.diagnostics import INTERNAL_ERROR, IO_ERROR, Diagnostic, Edit, Fix, Location
from prnglint.engine import Rule, internal_error, io_error, lint_source, split_lines
from prnglint.source import SourceFile

if TYPE_CHECKING:
    from prnglint.fixer import FileFix

NOTEBOOK_SUFFIX = ".ipynb"

# Cell magics whose body is Python run in the notebook's namespace; any other
# cell magic (%%bash, %%writefile, %%html, ...) makes the cell not Python.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "debug", "prun"})

_CELL_MARK = "# <prnglint notebook cell {}>"
# An escape's first line becomes a statement (it may be the only one of a
# block); the lines a trailing backslash continues it onto become comments,
# which may sit at any indentation.
_MAGIC_MARK = "pass  # <prnglint magic {}>"
_MAGIC_CONTINUATION_MARK = "# <prnglint magic {}>"
_MAGIC_MARK_RE = re.compile(r"^[ \t]*(?:pass  )?# <prnglint magic (\d+)>[ \t]*$")
# A line that starts with an IPython escape, or assigns the output of one.
_ESCAPE = re.compile(r"[ \t]*(?:[%!?]|[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*[%!])")
# `obj?`, `obj.attr??` and `np.*load*?` ask IPython for help.
_HELP = re.compile(r"[ \t]*[\w.*]+\?\??[ \t]*$")
_NON_ASCII_ESCAPE = re.compile(r"\\u(?:00[89a-fA-F][0-9a-fA-F]|0[1-9a-fA-F][0-9a-fA-F]{2}|[1-9a-fA-F][0-9a-fA-F]{3})")
_DECODER = json.JSONDecoder()
# Rules name other lines of the file in their messages as "line N".
_LINE_REFERENCE = re.compile(r"\bline (\d+)\b")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class NotebookError(Exception):
    """A file that is not a notebook prnglint can read; the message says why."""


def is_notebook(path: Path | str) -> bool:
    """True for a path that names a Jupyter notebook."""
    return str(path).endswith(NOTEBOOK_SUFFIX)


# --- Reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell: its 1-based position among all cells, type, text and where its source sits in the JSON."""

    number: int
    kind: str
    source: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook and the JSON text it came from."""

    filename: str
    text: str
    raw: bytes
    cells: tuple[Cell, ...]
    is_python: bool

    @classmethod
    def parse(cls, raw: bytes, filename: str) -> Notebook:
        """Read a notebook's bytes; raises NotebookError when they are not an nbformat 4 notebook."""
        try:
            text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotebookError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NotebookError(f"not a valid notebook: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            if isinstance(data, dict) and isinstance(data.get("worksheets"), list):
                raise NotebookError("nbformat 3 notebooks are not supported; convert it with `jupyter nbconvert --to notebook`")
            raise NotebookError("not a valid notebook: no `cells` list")
        spans = _source_spans(text)
        if len(spans) != len(data["cells"]):
            raise NotebookError("not a valid notebook: could not locate every cell's source")
        cells: list[Cell] = []
        for position, (cell, span) in enumerate(zip(data["cells"], spans), start=1):
            if not isinstance(cell, dict):
                raise NotebookError(f"not a valid notebook: cell {position} is not an object")
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(part, str) for part in source):
                source = "".join(source)
            if not isinstance(source, str) or span is None and source:
                raise NotebookError(f"not a valid notebook: cell {position} has no text source")
            cells.append(Cell(position, str(cell.get("cell_type", "")), source, span or (-1, -1)))
        return cls(filename, text, raw, tuple(cells), _is_python(data))

    def with_sources(self, sources: Mapping[int, str]) -> str:
        """The JSON text with the source of each cell number in `sources` replaced, every other byte kept."""
        style = _Style.of(self.text)
        text = self.text
        for number in sorted(sources, reverse=True):
            cell = self.cells[number - 1]
            start, end = cell.span
            if start < 0:
                raise NotebookError(f"cell {number} has no source to replace")
            text = text[:start] + _render_source(text, start, end, sources[number], style) + text[end:]
        return text


def _is_python(data: dict[str, Any]) -> bool:
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        entry = metadata.get(table)
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            return entry[key].lower() == "python"
    return True


def _skip_whitespace(text: str, index: int) -> int:
    match = _WHITESPACE.match(text, index)
    assert match is not None
    return match.end()


def _members(text: str, index: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of each member of the JSON object starting at `index`."""
    if text[index : index + 1] != "{":
        raise NotebookError("not a valid notebook: expected an object")
    index = _skip_whitespace(text, index + 1)
    if text[index : index + 1] == "}":
        return
    while True:
        if text[index : index + 1] != '"':
            raise NotebookError("not a valid notebook: expected a key")
        key, index = scanstring(text, index + 1)
        index = _skip_whitespace(text, index)
        index = _skip_whitespace(text, index + 1)  # past ':'
        _, end = _DECODER.raw_decode(text, index)
        yield key, index, end
        index = _skip_whitespace(text, end)
        if text[index : index + 1] != ",":
            return
        index = _skip_whitespace(text, index + 1)


def _items(text: str, index: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each item of the JSON array starting at `index`."""
    if text[index : index + 1] != "[":
        raise NotebookError("not a valid notebook: expected an array")
    index = _skip_whitespace(text, index + 1)
    if text[index : index + 1] == "]":
        return
    while True:
        _, end = _DECODER.raw_decode(text, index)
        yield index, end
        index = _skip_whitespace(text, end)
        if text[index : index + 1] != ",":
            return
        index = _skip_whitespace(text, index + 1)


def _source_spans(text: str) -> list[tuple[int, int] | None]:
    """Where each cell's `source` value lies in the JSON text (None for a cell without one)."""
    spans: list[tuple[int, int] | None] = []
    for key, start, _ in _members(text, _skip_whitespace(text, 0)):
        if key != "cells":
            continue
        spans = []
        for cell_start, _ in _items(text, start):
            span = None
            if text[cell_start] == "{":
                for cell_key, value_start, value_end in _members(text, cell_start):
                    if cell_key == "source":
                        span = (value_start, value_end)
            spans.append(span)
    return spans


# --- Writing a cell's source back in the file's own style ---------------------------


@dataclass(frozen=True)
class _Style:
    ensure_ascii: bool
    newline: str
    indent_unit: str | None

    @classmethod
    def of(cls, text: str) -> _Style:
        # Jupyter writes non-ASCII characters as themselves; some tools escape them.
        ensure_ascii = text.isascii() and _NON_ASCII_ESCAPE.search(text) is not None
        newline = "\r\n" if "\r\n" in text else "\n"
        match = re.search(r"\{\r?\n([ \t]+)\"", text)
        return cls(ensure_ascii, newline, match.group(1) if match else None)


def _render_source(text: str, start: int, end: int, source: str, style: _Style) -> str:
    """`source` as a JSON value laid out like the value at text[start:end]."""
    old = text[start:end]
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=style.ensure_ascii)
    parts = [json.dumps(line, ensure_ascii=style.ensure_ascii) for line in source.splitlines(keepends=True)]
    if not parts:
        return "[]"
    items = list(_items(text, start))
    if items:
        opening = text[start + 1 : items[0][0]]
        closing = text[items[-1][1] : end - 1]
        separator = text[items[0][1] : items[1][0]] if len(items) > 1 else "," + opening
    else:
        # An empty list gives no layout to copy: derive it from the line of the `"source"` key.
        line = text[text.rfind("\n", 0, start) + 1 : start]
        key_indent = line[: len(line) - len(line.lstrip(" \t"))]
        if style.indent_unit is None:
            opening, closing, separator = "", "", ", "
        else:
            opening = style.newline + key_indent + style.indent_unit
            closing = style.newline + key_indent
            separator = "," + opening
    return "[" + opening + separator.join(parts) + closing + "]"


# --- The program ------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """The code cells joined into one Python text, and where each of its lines came from.

    `origins[i]` is (cell number, row in cell) for line i + 1 of `text`, or
    None for the comment lines that mark where a cell starts. `magics` maps
    each placeholder number to the IPython line it stands for.
    """

    text: str
    origins: tuple[tuple[int, int] | None, ...]
    cells: tuple[int, ...]
    added_newline: frozenset[int]
    magics: tuple[str, ...]


def build_program(notebook: Notebook) -> Program:
    """Join the notebook's Python code cells into one program (see the module docstring)."""
    lines: list[str] = []
    origins: list[tuple[int, int] | None] = []
    included: list[int] = []
    added_newline: set[int] = set()
    magics: list[str] = []
    for cell in notebook.cells:
        if cell.kind != "code" or not cell.source.strip():
            continue
        cell_lines = split_lines(cell.source)
        first = next(i for i, line in enumerate(cell_lines) if line.strip())
        cell_magic = cell_lines[first].lstrip().startswith("%%")
        if cell_magic and _cell_magic_name(cell_lines[first]) not in PYTHON_CELL_MAGICS:
            continue
        if not cell_lines[-1].endswith(("\n", "\r")):
            cell_lines[-1] += "\n"
            added_newline.add(cell.number)
        if included:
            lines.append(_CELL_MARK.format(cell.number) + "\n")
            origins.append(None)
        included.append(cell.number)
        escapes = _escape_lines(cell_lines)
        if cell_magic:
            escapes[first] = False
        for row, line in enumerate(cell_lines, start=1):
            if row - 1 in escapes:
                body = line.rstrip("\r\n")
                indent = body[: len(body) - len(body.lstrip(" \t"))]
                mark = _MAGIC_CONTINUATION_MARK if escapes[row - 1] else _MAGIC_MARK
                lines.append(f"{indent}{mark.format(len(magics))}{line[len(body):]}")
                magics.append(line)
            else:
                lines.append(line)
            origins.append((cell.number, row))
    return Program("".join(lines), tuple(origins), tuple(included), frozenset(added_newline), tuple(magics))


def _cell_magic_name(line: str) -> str:
    return line.strip()[2:].split(maxsplit=1)[0] if line.strip()[2:] else ""


def _escape_lines(lines: Sequence[str]) -> dict[int, bool]:
    """Indices of the lines that are IPython escapes rather than Python.

    The value says whether the line continues the escape of the line before.

    Only a line that starts a logical line can be one: a `%` that continues
    an expression in brackets is the modulo operator, and a `!` inside a
    triple-quoted string is text. A small scanner tracks brackets, strings and
    backslash continuations to tell them apart.
    """
    escapes: dict[int, bool] = {}
    depth = 0
    quote: str | None = None
    continued = False
    for index, line in enumerate(lines):
        at_start = depth == 0 and quote is None and not continued
        body = line.rstrip("\r\n")
        if (at_start and _is_escape(body)) or index in escapes:
            escapes.setdefault(index, False)
            # An escape line ending in a backslash goes on onto the next line.
            continued = False
            if body.endswith("\\") and index + 1 < len(lines):
                escapes[index + 1] = True
            continue
        depth, quote, continued = _scan(body, depth, quote)
    return escapes


def _is_escape(body: str) -> bool:
    stripped = body.strip()
    if not stripped or stripped.startswith("#"):
        return False
    return _ESCAPE.match(body) is not None or _HELP.match(body) is not None


def _scan(body: str, depth: int, quote: str | None) -> tuple[int, str | None, bool]:
    """Bracket depth, open string and backslash continuation after one line."""
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if quote is not None:
            if c == "\\":
                i += 2
                continue
            if body.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if c == "#":
            break
        if c in "\"'":
            quote = c * 3 if body.startswith(c * 3, i) else c
            i += len(quote)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif c == "\\" and i == n - 1:
            return depth, quote, True
        i += 1
    if quote is not None and len(quote) == 1:
        # A one-quote string ends with its line unless a backslash carries it on.
        if body.endswith("\\") and not body.endswith("\\\\"):
            return depth, quote, True
        quote = None
    return depth, quote, False


# --- Linting ----------------------------------------------------------------------


def lint_notebook(notebook: Notebook, rules: Sequence[type[Rule]], options: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """Lint a notebook's code cells as one program; diagnostics count rows within cells."""
    if not notebook.is_python:
        return []
    program = build_program(notebook)
    if not program.cells:
        return []
    applicable = [rule for rule in rules if rule.applies_to_notebooks]
    diagnostics = lint_source(SourceFile(notebook.filename, program.text), applicable, options)
    mapper = _Mapper(notebook, program)
    return sorted((mapper.diagnostic(d) for d in diagnostics), key=_cell_order)


def _cell_order(d: Diagnostic) -> tuple[int, Location, str]:
    cell = d.extra.get("cell")
    return (cell if isinstance(cell, int) else 0, d.location, d.code)


def lint_notebook_bytes(raw: bytes, name: str, rules: Sequence[type[Rule]], options: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """Lint a notebook given as bytes; bad input and prnglint's own bugs become one diagnostic."""
    try:
        notebook = Notebook.parse(raw, name)
    except NotebookError as exc:
        return [io_error(name, str(exc))]
    try:
        return lint_notebook(notebook, rules, options)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the run
        return [internal_error(name, exc)]


def lint_notebook_path(path: Path, name: str, rules: Sequence[type[Rule]], options: Mapping[str, Any] | None = None) -> list[Diagnostic]:
    """Read and lint one notebook file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [io_error(name, _os_reason(exc))]
    return lint_notebook_bytes(raw, name, rules, options)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


class _Mapper:
    """Translates program positions into (cell, row, column) and into the notebook's JSON."""

    def __init__(self, notebook: Notebook, program: Program) -> None:
        self.notebook = notebook
        self.program = program
        self._line_offsets: list[int] | None = None
        self._cell_lines: dict[int, list[str]] = {}

    def diagnostic(self, d: Diagnostic) -> Diagnostic:
        """`d` with rows counted within its cell and the notebook extras set."""
        cell, start = self._start(d.location)
        end = max(self._end(d.end_location, cell), start)
        extra: dict[str, object] = dict(d.extra)
        extra["cell"] = cell
        extra["cell_source"] = self.notebook.cells[cell - 1].source
        fix = None
        if d.fix is not None:
            mapped = self._fix(d.fix)
            if mapped is not None:
                fix, extra["edit_cells"] = mapped
        try:
            extra["file_region"] = (*self._in_file(cell, start), *self._in_file(cell, end))
        except (IndexError, ValueError, NotebookError):
            pass  # without it, annotations fall back to the cell's rows; the finding itself stands
        message = _LINE_REFERENCE.sub(lambda match: self._line_label(int(match.group(1)), cell), d.message)
        return replace(d, message=message, location=start, end_location=end, fix=fix, extra=extra)

    def _line_label(self, row: int, cell: int) -> str:
        """A program row named in a message ("line 7"), as the user finds it in the notebook."""
        origin = self._origin(row)
        if origin is None:
            return f"line {row}"
        return f"line {origin[1]}" if origin[0] == cell else f"cell {origin[0]}, line {origin[1]}"

    def _origin(self, row: int) -> tuple[int, int] | None:
        origins = self.program.origins
        return origins[row - 1] if 0 < row <= len(origins) else None

    def _start(self, location: Location) -> tuple[int, Location]:
        origin = self._origin(location.row)
        if origin is None:
            # A position on a cell marker (a syntax error at a cell's start, say) belongs to the next cell.
            following = [o for o in self.program.origins[location.row :] if o is not None]
            origin = following[0] if following else next(o for o in reversed(self.program.origins) if o is not None)
            return origin[0], Location(origin[1], 1)
        return origin[0], Location(origin[1], location.column)

    def _end(self, location: Location, cell: int) -> Location:
        """An end position in `cell`; one beyond the cell is clamped to the cell's end."""
        inside = self._end_in(location, cell)
        if inside is not None:
            return inside
        lines = self._lines(cell)
        return Location(len(lines), len(lines[-1].rstrip("\r\n")) + 1) if lines else Location(1, 1)

    def _end_in(self, location: Location, cell: int) -> Location | None:
        origin = self._origin(location.row)
        if origin is not None and origin[0] == cell:
            return Location(origin[1], location.column)
        before = self._origin(location.row - 1)
        if location.column == 1 and before is not None and before[0] == cell:
            # The end of a span that takes the cell's last line ending with it.
            return Location(before[1] + 1, 1)
        return None

    def _fix(self, fix: Fix) -> tuple[Fix, list[int]] | None:
        """The fix with each edit in its cell's rows, and the cell of each edit; None if an edit spans cells."""
        edits: list[Edit] = []
        cells: list[int] = []
        for edit in fix.edits:
            origin = self._origin(edit.location.row)
            end = self._end_in(edit.end_location, origin[0]) if origin is not None else None
            if origin is None or end is None:
                return None
            edits.append(Edit(edit.content, Location(origin[1], edit.location.column), end))
            cells.append(origin[0])
        return Fix(fix.applicability, fix.message, tuple(edits)), cells

    def _lines(self, cell: int) -> list[str]:
        if cell not in self._cell_lines:
            self._cell_lines[cell] = split_lines(self.notebook.cells[cell - 1].source)
        return self._cell_lines[cell]

    def _in_file(self, cell: int, location: Location) -> tuple[int, int]:
        """The (row, column) in the notebook's JSON of a position in a cell."""
        lines = self._lines(cell)
        offset = sum(len(line) for line in lines[: location.row - 1]) + location.column - 1
        offset = min(offset, len(self.notebook.cells[cell - 1].source))
        text = self.notebook.text
        start, end = self.notebook.cells[cell - 1].span
        literals = list(_items(text, start)) if text[start] == "[" else [(start, end)]
        absolute = None
        for literal_start, literal_end in literals:
            literal = text[literal_start:literal_end]
            length = len(json.loads(literal))
            if offset < length or (literal_start, literal_end) == literals[-1]:
                absolute = literal_start + _raw_index(literal, min(offset, length))
                break
            offset -= length
        if absolute is None:
            raise NotebookError("empty source")
        if self._line_offsets is None:
            self._line_offsets = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
        row = bisect.bisect_right(self._line_offsets, absolute)
        return row, absolute - self._line_offsets[row - 1] + 1


def _raw_index(literal: str, decoded: int) -> int:
    """The index in a JSON string literal (quotes included) of its `decoded`-th character."""
    i = 1
    count = 0
    while count < decoded:
        if literal[i] == "\\":
            if literal[i + 1] == "u":
                code = int(literal[i + 2 : i + 6], 16)
                i += 6
                if 0xD800 <= code < 0xDC00 and literal.startswith("\\u", i):
                    i += 6  # a surrogate pair is one character
            else:
                i += 2
        else:
            i += 1
        count += 1
    return i


# --- Fixing -----------------------------------------------------------------------


def fixed_cell_sources(notebook: Notebook, program: Program, fixed_text: str) -> dict[int, str]:
    """The new source of every cell whose code the fixed program changed.

    Raises NotebookError when the fixed text no longer splits into the
    notebook's cells (a fix removed a cell marker), or a changed cell no
    longer parses on its own; the notebook must then be left as it was.
    """
    lines = split_lines(fixed_text)
    marks = {_CELL_MARK.format(number): number for number in program.cells[1:]}
    pieces: dict[int, list[str]] = {program.cells[0]: []}
    current = program.cells[0]
    expected = iter(program.cells[1:])
    for line in lines:
        number = marks.get(line.strip())
        if number is not None:
            if number != next(expected, None):
                raise NotebookError("a fix moved a cell boundary; the notebook is left unchanged")
            current = number
            pieces[current] = []
            continue
        pieces[current].append(line)
    if next(expected, None) is not None:
        raise NotebookError("a fix removed a cell boundary; the notebook is left unchanged")
    changed: dict[int, str] = {}
    for number, cell_lines in pieces.items():
        original = notebook.cells[number - 1].source
        with_marks = "".join(cell_lines)
        restored = "".join(_restore_magic(line, program.magics) for line in cell_lines)
        if number in program.added_newline and restored.endswith("\n"):
            restored = restored[:-1]
            if restored.endswith("\r"):
                restored = restored[:-1]
        if restored == original:
            continue
        try:
            cst.parse_module(with_marks)
        except (cst.ParserSyntaxError, RecursionError):
            raise NotebookError(f"the fixed code of cell {number} does not parse on its own; the notebook is left unchanged") from None
        changed[number] = restored
    return changed


def _restore_magic(line: str, magics: Sequence[str]) -> str:
    body = line.rstrip("\r\n")
    match = _MAGIC_MARK_RE.match(body)
    if match is None:
        return line
    return magics[int(match.group(1))]


def fix_notebook_bytes(
    raw: bytes,
    name: str,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Any] | None = None,
    *,
    unsafe: bool = False,
    path: Path | None = None,
) -> FileFix:
    """Fix a notebook given as bytes; nothing is written. The outcome's `after` is the new JSON text."""
    from prnglint.fixer import FileFix, fix_source

    path = path or Path(name)
    try:
        notebook = Notebook.parse(raw, name)
    except NotebookError as exc:
        return FileFix(path, name, [io_error(name, str(exc))], unreadable=raw)
    # The fixed JSON is written back as the original was encoded: UTF-8, with its byte-order mark if it had one.
    before = SourceFile(name, notebook.text, bom=raw.startswith(codecs.BOM_UTF8), raw=raw)
    try:
        program = build_program(notebook)
        if not notebook.is_python or not program.cells:
            return FileFix(path, name, [], [], before, notebook.text)
        applicable = [rule for rule in rules if rule.applies_to_notebooks]
        result = fix_source(SourceFile(name, program.text), applicable, options, unsafe=unsafe)
        if result.error is not None or not result.applied:
            # Nothing changed: what the fixer found is what there is, mapped back onto the cells.
            mapper = _Mapper(notebook, program)
            remaining = sorted((mapper.diagnostic(d) for d in result.remaining), key=_cell_order)
            if result.error is not None:
                remaining.append(result.error)
            return FileFix(path, name, remaining, [], before, notebook.text)
        try:
            after = notebook.with_sources(fixed_cell_sources(notebook, program, result.text))
            fixed = Notebook.parse(before.encode(after), name)
        except NotebookError as exc:
            failure = Diagnostic(INTERNAL_ERROR, f"cannot fix: {exc}", name, Location(1, 1), Location(1, 1))
            return FileFix(path, name, [*lint_notebook(notebook, rules, options), failure], [], before, notebook.text)
        return FileFix(path, name, lint_notebook(fixed, rules, options), result.applied, before, after)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the run
        return FileFix(path, name, [internal_error(name, exc)], [], before, notebook.text)


def fix_notebook_file(
    path: Path,
    rules: Sequence[type[Rule]],
    options: Mapping[str, Any] | None = None,
    *,
    unsafe: bool = False,
    write: bool = True,
    name: str | None = None,
) -> FileFix:
    """Read, fix and (when `write` is true and something changed) atomically rewrite one notebook."""
    from prnglint.writer import WriteError, write_atomically

    name = name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        from prnglint.fixer import FileFix

        return FileFix(path, name, [io_error(name, _os_reason(exc))])
    outcome = fix_notebook_bytes(raw, name, rules, options, unsafe=unsafe, path=path)
    if not write or not outcome.changed or outcome.after is None:
        return outcome
    try:
        write_atomically(path, outcome.encoded_after(), expected=raw)
    except WriteError as exc:
        failure = Diagnostic(IO_ERROR, f"cannot write the fixes: {exc}", name, Location(1, 1), Location(1, 1))
        return replace(outcome, diagnostics=[*lint_notebook_bytes(raw, name, rules, options), failure], applied=[], after=outcome.before)
    outcome.written = True
    return outcome
