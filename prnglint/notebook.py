"""Jupyter notebooks: lint the code cells as one program, report per cell, fix in place.

A notebook runs its cells top to bottom in one namespace, so a key made in
cell 2 and used again in cell 5 is the same key: the code cells are joined,
in order, into one program that the engine lints like any file. IPython
syntax that is not Python (``%magic``, ``!shell``, ``obj?``, ``x = !cmd``) is
replaced line for line by a ``pass`` at the same indentation, and cells run
by a non-Python cell magic (``%%bash``) are left out. A cell whose first
non-blank line is indented loses that indentation on every line that starts
with it, as IPython's ``leading_indent`` input transformation does before it
runs the cell; columns are mapped back. Between two cells the
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

import codecs
import re
from collections.abc import Mapping, Sequence
import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import libcst as cst

from prnglint.diagnostics import INTERNAL_ERROR, IO_ERROR, Diagnostic, Edit, Fix, Location, internal_error, io_error
from prnglint.engine import Rule, apply_edits, lint_source
from prnglint.ipython import PYTHON_CELL_MAGICS, cell_magic_name, escape_lines
from prnglint.notebook_file import Notebook, NotebookError
from prnglint.source import SourceError, SourceFile, parse_problem, read_file_bytes, split_lines

__all__ = [
    "Notebook",
    "NotebookError",
    "Program",
    "build_program",
    "fix_notebook_bytes",
    "fix_notebook_file",
    "fixed_cell_sources",
    "is_notebook",
    "lint_notebook",
    "lint_notebook_bytes",
    "lint_notebook_path",
]

if TYPE_CHECKING:
    from prnglint.fixer import FileFix

NOTEBOOK_SUFFIX = ".ipynb"

# The marker lines carry a tag that occurs in no cell of the notebook
# (`prnglint`, else `prnglint-1`, ...), so that no text of the user's can be
# taken for one: `{tag}` is filled in first, the number later.
_CELL_MARK = "# <{tag} notebook cell {{}}>"
# An escape's first line becomes a statement (it may be the only one of a
# block); the lines a trailing backslash continues it onto become comments,
# which may sit at any indentation.
_MAGIC_MARK = "pass  # <{tag} magic {{}}>"
_MAGIC_CONTINUATION_MARK = "# <{tag} magic {{}}>"
_MAGIC_MARK_RE = r"^[ \t]*(?:pass  )?# <{tag} magic (\d+)>[ \t]*$"


def _marker_tag(notebook: Notebook) -> str:
    """`prnglint`, or `prnglint-N` for the least N whose markers no cell's text contains."""
    tag, number = "prnglint", 0
    while any(f"<{tag} " in cell.source for cell in notebook.cells):
        number += 1
        tag = f"prnglint-{number}"
    return tag
# Rules name other lines of the file in their messages as "line N".
_LINE_REFERENCE = re.compile(r"\bline (\d+)\b")


def is_notebook(path: Path | str) -> bool:
    """True for a path that names a Jupyter notebook."""
    return str(path).endswith(NOTEBOOK_SUFFIX)


# --- The program ------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """The code cells joined into one Python text, and where each of its lines came from.

    `origins[i]` is (cell number, row in cell) for line i + 1 of `text`, or
    None for the comment lines that mark where a cell starts; `cells` the
    numbers of the cells in the program, in order; `added_newline` those
    whose last line had no line ending until the program gave it one; and
    `magics[n]` the IPython line that placeholder `n` stands for; `tag`
    the word of the marker lines, found in no cell; `dedents[cell]` the
    indentation IPython removes from the lines of a cell that begins
    indented (see `leading_indent`).
    """

    text: str
    origins: tuple[tuple[int, int] | None, ...]
    cells: tuple[int, ...]
    added_newline: frozenset[int]
    magics: tuple[str, ...]
    tag: str = "prnglint"
    dedents: dict[int, str] = field(default_factory=dict)


_LEADING_INDENT = re.compile(r"[ \t]+")


def leading_indent(lines: Sequence[str]) -> tuple[list[str], str]:
    """The cell's lines as IPython runs them, and the indentation it removed ("" if none).

    IPython (7 and later) strips the indentation of a cell's first non-blank
    line from every line that starts with the same text, so a cell pasted
    with a leading space runs. Lines that do not start with it are kept.
    """
    first = next((line for line in lines if line.strip()), "")
    match = _LEADING_INDENT.match(first)
    if match is None:
        return list(lines), ""
    space = match.group(0)
    return [line[len(space) :] if line.startswith(space) else line for line in lines], space


def build_program(notebook: Notebook) -> Program:
    """Join the notebook's Python code cells into one program (see the module docstring)."""
    lines: list[str] = []
    origins: list[tuple[int, int] | None] = []
    included: list[int] = []
    added_newline: set[int] = set()
    magics: list[str] = []
    dedents: dict[int, str] = {}
    tag = _marker_tag(notebook)
    cell_mark = _CELL_MARK.format(tag=tag)
    magic_mark = _MAGIC_MARK.format(tag=tag)
    continuation_mark = _MAGIC_CONTINUATION_MARK.format(tag=tag)
    for cell in notebook.cells:
        if cell.kind != "code" or not cell.source.strip():
            continue
        cell_lines, dedent = leading_indent(split_lines(cell.source))
        if dedent:
            dedents[cell.number] = dedent
        first = next(i for i, line in enumerate(cell_lines) if line.strip())
        cell_magic = cell_lines[first].lstrip().startswith("%%")
        if cell_magic and cell_magic_name(cell_lines[first]) not in PYTHON_CELL_MAGICS:
            continue
        if not cell_lines[-1].endswith(("\n", "\r")):
            cell_lines[-1] += "\n"
            added_newline.add(cell.number)
        if included:
            lines.append(cell_mark.format(cell.number) + "\n")
            origins.append(None)
        included.append(cell.number)
        escapes = escape_lines(cell_lines)
        if cell_magic:
            escapes[first] = False
        for row, line in enumerate(cell_lines, start=1):
            if row - 1 in escapes:
                body = line.rstrip("\r\n")
                indent = body[: len(body) - len(body.lstrip(" \t"))]
                mark = continuation_mark if escapes[row - 1] else magic_mark
                lines.append(f"{indent}{mark.format(len(magics))}{line[len(body):]}")
                magics.append(line)
            else:
                lines.append(line)
            origins.append((cell.number, row))
    return Program("".join(lines), tuple(origins), tuple(included), frozenset(added_newline), tuple(magics), tag, dedents)


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
        raw = read_file_bytes(path)
    except SourceError as exc:
        return [io_error(name, str(exc))]
    return lint_notebook_bytes(raw, name, rules, options)


class _Mapper:
    """Translates program positions into (cell, row, column) and into the notebook's JSON."""

    def __init__(self, notebook: Notebook, program: Program) -> None:
        self.notebook = notebook
        self.program = program
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
        related = []
        for other in d.related:
            other_cell, other_start = self._start(other.location)
            related.append(replace(other, location=other_start, end_location=max(self._end(other.end_location, other_cell), other_start)))
            extra.setdefault("related_cells", []).append(other_cell)  # type: ignore[union-attr]
        return replace(d, message=message, location=start, end_location=end, fix=fix, extra=extra, related=tuple(related))

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
        return origin[0], Location(origin[1], location.column + self._shift(*origin))

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
            return Location(origin[1], location.column + self._shift(*origin))
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
            if origin[0] in self.program.dedents:
                mapped = self._indented_edit(edit, origin)
                if mapped is None:
                    return None
                edits.append(mapped)
            else:
                edits.append(Edit(edit.content, Location(origin[1], edit.location.column), end))
            cells.append(origin[0])
        return Fix(fix.applicability, fix.message, tuple(edits)), cells

    def _indented_edit(self, edit: Edit, origin: tuple[int, int]) -> Edit | None:
        """An edit of the program in the rows of a cell that begins indented, or None if it cannot be exact.

        The new lines it writes get the indentation IPython removes when the
        line they are written into has it; the edit is offered only if the
        cell it produces runs, under IPython's transformation, exactly as the
        program's edit reads.
        """
        cell, row = origin
        dedent = self.program.dedents[cell]
        end_origin = self._origin(edit.end_location.row)
        if end_origin is None or end_origin[0] != cell:
            end_origin = (cell, row + edit.end_location.row - edit.location.row)
        shift = self._shift(cell, row)
        content = edit.content
        if shift and edit.location.column == 1:
            start = Location(row, 1)
            content = dedent + content if content else content
        else:
            start = Location(row, edit.location.column + shift)
        if shift:
            pieces = content.split("\n")
            ends_at_line_start = edit.end_location.column == 1
            content = "\n".join(
                [pieces[0]] + [dedent + piece if piece or (i == len(pieces) - 2 and not ends_at_line_start) else piece for i, piece in enumerate(pieces[1:])]
            )
        end_shift = self._shift(*end_origin) if edit.end_location.column > 1 else 0
        end = Location(end_origin[1], edit.end_location.column + end_shift)
        mapped = Edit(content, start, end)
        lines = self._lines(cell)
        seen, _ = leading_indent(lines)
        program_edit = Edit(edit.content, Location(row, edit.location.column), Location(end_origin[1], edit.end_location.column))
        try:
            expected = apply_edits("".join(seen), [program_edit])
            result, space = leading_indent(split_lines(apply_edits("".join(lines), [mapped])))
        except IndexError:
            return None
        return mapped if space == dedent and "".join(result) == expected else None

    def _shift(self, cell: int, row: int) -> int:
        """How many columns IPython's leading-indent removal took from the start of (cell, row)."""
        dedent = self.program.dedents.get(cell)
        if not dedent:
            return 0
        lines = self._lines(cell)
        return len(dedent) if 0 < row <= len(lines) and lines[row - 1].startswith(dedent) else 0

    def _lines(self, cell: int) -> list[str]:
        if cell not in self._cell_lines:
            self._cell_lines[cell] = split_lines(self.notebook.cells[cell - 1].source)
        return self._cell_lines[cell]

    def _in_file(self, cell: int, location: Location) -> tuple[int, int]:
        """The (row, column) in the notebook's JSON of a position in a cell."""
        lines = self._lines(cell)
        offset = sum(len(line) for line in lines[: location.row - 1]) + location.column - 1
        return self.notebook.position_in_file(cell, offset)



# --- Fixing -----------------------------------------------------------------------


def fixed_cell_sources(notebook: Notebook, program: Program, fixed_text: str) -> dict[int, str]:
    """The new source of every cell whose code the fixed program changed.

    Raises NotebookError when the fixed text no longer splits into the
    notebook's cells (a fix removed a cell marker), or a changed cell no
    longer parses on its own; the notebook must then be left as it was.
    """
    lines = split_lines(fixed_text)
    cell_mark = _CELL_MARK.format(tag=program.tag)
    marks = {cell_mark.format(number): number for number in program.cells[1:]}
    magic_mark = re.compile(_MAGIC_MARK_RE.format(tag=re.escape(program.tag)))
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
        restored = "".join(_restore_magic(line, program.magics, magic_mark) for line in cell_lines)
        if number in program.added_newline and restored.endswith("\n"):
            restored = restored[:-1]
            if restored.endswith("\r"):
                restored = restored[:-1]
        dedent = program.dedents.get(number)
        if dedent:
            restored = _indent_back(original, restored, dedent, number)
        if restored == original:
            continue
        try:
            cst.parse_module(with_marks)
        except (cst.ParserSyntaxError, RecursionError):
            raise NotebookError(f"the fixed code of cell {number} does not parse on its own; the notebook is left unchanged") from None
        changed[number] = restored
    return changed


def _indent_back(original: str, fixed: str, dedent: str, number: int) -> str:
    """The fixed code of a cell that begins indented, with IPython's removed indentation put back.

    Unchanged lines get back exactly what they had; a new or rewritten line
    gets the indentation if the original line it stands beside had it. The
    result must turn back into `fixed` under IPython's transformation, or
    the notebook is not fixed.
    """
    original_lines = split_lines(original)
    seen, _ = leading_indent(original_lines)
    fixed_lines = split_lines(fixed)
    had = [line.startswith(dedent) for line in original_lines]
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, seen, fixed_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(original_lines[i1:i2])
            continue
        for offset, line in enumerate(fixed_lines[j1:j2]):
            beside = min(i1 + offset, i2 - 1) if i2 > i1 else i1
            if beside >= len(had):
                beside = len(had) - 1
            indented = bool(line.strip()) and beside >= 0 and had[beside]
            out.append(dedent + line if indented else line)
    restored = "".join(out)
    again, space = leading_indent(split_lines(restored))
    if space != dedent or "".join(again) != fixed:
        raise NotebookError(
            f"cell {number} begins indented (IPython removes that indentation before it runs the cell) and its "
            "fixed code cannot be indented back exactly; the notebook is left unchanged"
        )
    return restored


def _check_parses(notebook: Notebook) -> None:
    """Raise NotebookError unless the code of `notebook`, as it would be written, parses: every cell, read afresh."""
    text = build_program(notebook).text
    problem = parse_problem(text)
    if problem is None:
        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            problem = f"line {exc.raw_line}"
        except RecursionError:
            problem = "it nests too deeply"
    if problem is not None:
        raise NotebookError(f"the fixed notebook's code does not parse ({problem}); the notebook is left unchanged")


def _restore_magic(line: str, magics: Sequence[str], mark: re.Pattern[str]) -> str:
    body = line.rstrip("\r\n")
    match = mark.match(body)
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
            _check_parses(fixed)
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
        raw = read_file_bytes(path)
    except SourceError as exc:
        from prnglint.fixer import FileFix

        return FileFix(path, name, [io_error(name, str(exc))])
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
