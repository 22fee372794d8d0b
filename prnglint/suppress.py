"""Suppression comments, read strictly.

On the reported line: ``# noqa`` (everything), ``# noqa: PRN001, PRN003`` and
``# prnglint: ignore[PRN001]``. For the whole file, on a comment line of its
own (as ruff requires): ``# prnglint: noqa`` (everything),
``# prnglint: noqa: PRN001`` and ``# prnglint: ignore-file[PRN001]``. A
file-level form written after code counts for its line only, and is
reported as misplaced (PRN101). A code also matches by prefix (``PRN``
suppresses every rule), as in ruff.

Only real comments count: the text is tokenized, so a ``# noqa`` inside a
string does nothing. A finding on a line that cannot hold a comment (inside
a multi-line string, or ending in a backslash) is suppressed by a comment on
the line where that statement can take one (the string's last line), which
is also where `add_noqa` writes. Each directive records which codes
suppressed something, for PRN100 (unused suppressions).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prnglint.diagnostics import Diagnostic

# `noqa` in the two spellings ruff users write; codes are upper case (PRN003,
# or a prefix such as PRN); several are separated by commas or spaces.
_CODE = r"[A-Z]+[0-9]*"
_CODE_LIST = rf"{_CODE}(?:\s*,\s*{_CODE}|\s+[A-Z]+[0-9]+)*"
_NOQA = re.compile(rf"#\s*(?:noqa|NOQA)(?![\w-])(?P<colon>\s*:\s*(?P<codes>{_CODE_LIST})?)?")
_PRNGLINT = re.compile(r"#\s*prnglint:\s*(?P<word>[\w-]*)")
_FILE_NOQA_CODES = re.compile(rf"\s*:\s*(?P<codes>{_CODE_LIST})?")
_BRACKET = re.compile(r"\[(?P<codes>[^\]]*)\]")

ALL = "*"

NOQA = "noqa"
IGNORE = "ignore"
FILE_NOQA = "file-noqa"
FILE_IGNORE = "file-ignore"
INVALID = "invalid"

# The words a file must contain for any directive to be in it (the suppression rules' word filter).
WORDS: tuple[tuple[str, ...], ...] = (("noqa",), ("NOQA",), ("prnglint:",))


@dataclass
class Directive:
    """One suppression written in a comment (a comment may hold several).

    Columns are 0-based offsets into the line. `codes` is empty for a bare
    ``# noqa`` or ``# prnglint: noqa``. `problem` says why a directive is
    not understood (it then suppresses nothing).
    """

    kind: str
    row: int
    start: int
    end: int
    text: str
    codes: tuple[str, ...] = ()
    codes_span: tuple[int, int] | None = None
    own_line: bool = False
    comment_start: int = 0
    comment_end: int = 0
    problem: str | None = None
    used: set[str] = field(default_factory=set)

    @property
    def file_wide(self) -> bool:
        """True for a file-level form on a line of its own."""
        return self.kind in (FILE_NOQA, FILE_IGNORE) and self.own_line

    @property
    def misplaced(self) -> bool:
        """True for a file-level form after code on its line: it counts for that line only."""
        return self.kind in (FILE_NOQA, FILE_IGNORE) and not self.own_line

    @property
    def suppresses(self) -> set[str]:
        """The codes (or prefixes) it suppresses; ``*`` for everything."""
        if self.problem is not None:
            return set()
        return set(self.codes) if self.codes else {ALL}

    def matches(self, code: str) -> str | None:
        """The entry of `suppresses` that matches `code`, preferring the exact code, or None."""
        entries = self.suppresses
        if code in entries:
            return code
        for entry in sorted(entries, key=len, reverse=True):
            if entry == ALL or code.startswith(entry):
                return entry
        return None


@dataclass
class Suppressions:
    """What the comments of one file suppress."""

    directives: list[Directive] = field(default_factory=list)
    # Rows that cannot hold a comment, mapped to the row where their statement can.
    comment_rows: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_source(cls, text: str) -> Suppressions:
        """Collect the suppression comments of `text` (cheap when there are none)."""
        result = cls()
        if not any(all(word in text for word in group) for group in WORDS):
            return result
        lines = text.splitlines()
        comments, result.comment_rows = _scan(text, lines)
        for row, column, comment in comments:
            line = lines[row - 1] if row - 1 < len(lines) else comment
            own_line = not line[:column].strip()
            result.directives.extend(_parse_comment(row, column, comment, own_line))
        return result

    @property
    def by_row(self) -> dict[int, set[str]]:
        """The codes suppressed on each row (``*`` for everything); file-wide forms excluded."""
        rows: dict[int, set[str]] = {}
        for directive in self.directives:
            if not directive.file_wide and directive.suppresses:
                rows.setdefault(directive.row, set()).update(directive.suppresses)
        return rows

    @property
    def file_wide(self) -> set[str]:
        """The codes suppressed in the whole file."""
        return {code for d in self.directives if d.file_wide for code in d.suppresses}

    def comment_row(self, row: int) -> int:
        """The row where a comment suppressing a finding reported on `row` goes."""
        return self.comment_rows.get(row, row)

    def is_suppressed(self, code: str, row: int) -> bool:
        """True if a diagnostic `code` reported on `row` is suppressed."""
        return self._suppressor(code, row) is not None

    def suppressing_row(self, row: int) -> set[str]:
        """The codes suppressed on `row` (``*`` for a bare noqa)."""
        return set(self.by_row.get(self.comment_row(row), ()))

    def filter(self, diagnostics: Iterable[Diagnostic], *, record: bool = True) -> list[Diagnostic]:
        """The diagnostics no directive suppresses; with `record`, each directive notes what it suppressed."""
        kept: list[Diagnostic] = []
        for d in diagnostics:
            # A finding about a directive is never suppressed by that directive itself.
            itself = (d.location.row, d.location.column - 1) if not record else None
            found = None if d.is_error else self._suppressor(d.code, d.location.row, itself)
            if found is None:
                kept.append(d)
            elif record:
                directive, entry = found
                directive.used.add(entry)
        return kept

    def _suppressor(self, code: str, row: int, skip: tuple[int, int] | None = None) -> tuple[Directive, str] | None:
        """The directive that suppresses `code` on `row` and the entry that matched: the line's first, then the file's.

        `skip` is the (row, start) of a directive that does not count.
        """
        target = self.comment_row(row)
        for directive in self.directives:
            if directive.row == target and not directive.file_wide and (directive.row, directive.start) != skip:
                entry = directive.matches(code)
                if entry is not None:
                    return directive, entry
        for directive in self.directives:
            if directive.file_wide and (directive.row, directive.start) != skip:
                entry = directive.matches(code)
                if entry is not None:
                    return directive, entry
        return None


def _scan(text: str, lines: Sequence[str]) -> tuple[list[tuple[int, int, str]], dict[int, int]]:
    """The comments of `text` as (row, column, text), and the rows that cannot hold a comment."""
    comments: list[tuple[int, int, str]] = []
    moved: dict[int, int] = {}
    string_kinds = {tokenize.STRING}
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END", "TSTRING_START", "TSTRING_MIDDLE", "TSTRING_END"):
        if hasattr(tokenize, name):
            string_kinds.add(getattr(tokenize, name))
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments.append((token.start[0], token.start[1], token.string))
            elif token.type in string_kinds and token.end[0] > token.start[0]:
                for row in range(token.start[0], token.end[0]):
                    moved[row] = token.end[0]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Tokenizing stops at the error; the comments seen so far still count.
        pass
    for row, line in enumerate(lines, start=1):
        if row not in moved and line.endswith("\\") and not line.lstrip().startswith("#"):
            moved[row] = row + 1
    # Follow chains (a backslash line before a multi-line string, ...).
    for row in sorted(moved, reverse=True):
        target = moved[row]
        while target in moved and moved[target] != target:
            target = moved[target]
        moved[row] = target
    return comments, moved


def _codes_of(text: str) -> tuple[tuple[str, ...], str | None]:
    """The codes of a bracket or `noqa:` list, and a problem if one is not a code."""
    parts = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    bad = [part for part in parts if not re.fullmatch(_CODE, part)]
    if bad:
        return tuple(parts), f"`{bad[0]}` is not a rule code (codes are upper case, such as PRN003)"
    if not parts:
        return (), "no codes between the brackets"
    return tuple(dict.fromkeys(parts)), None


def _parse_comment(row: int, column: int, comment: str, own_line: bool) -> list[Directive]:
    directives: list[Directive] = []
    common = {"row": row, "own_line": own_line, "comment_start": column, "comment_end": column + len(comment)}
    for match in _NOQA.finditer(comment):
        start, end = column + match.start(), column + match.end()
        codes_text = match.group("codes")
        if match.group("colon") is not None and codes_text is None:
            problem = "`# noqa:` must be followed by rule codes such as PRN003 (a bare `# noqa` suppresses everything)"
            directives.append(Directive(INVALID, start=start, end=end, text=match.group(0), problem=problem, **common))
            continue
        codes = tuple(dict.fromkeys(re.split(r"[\s,]+", codes_text.strip()))) if codes_text else ()
        span = (column + match.start("codes"), column + match.end("codes")) if codes_text else None
        directives.append(Directive(NOQA, start=start, end=end, text=match.group(0), codes=codes, codes_span=span, **common))
    for match in _PRNGLINT.finditer(comment):
        word = match.group("word")
        start = column + match.start()
        rest = comment[match.end() :]
        if word == "noqa":
            tail = _FILE_NOQA_CODES.match(rest)
            if tail is not None and tail.group("codes"):
                codes = tuple(dict.fromkeys(re.split(r"[\s,]+", tail.group("codes").strip())))
                span = (column + match.end() + tail.start("codes"), column + match.end() + tail.end("codes"))
                end = column + match.end() + tail.end()
                text = comment[match.start() : match.end() + tail.end()]
                directives.append(Directive(FILE_NOQA, start=start, end=end, text=text, codes=codes, codes_span=span, **common))
            else:
                directives.append(Directive(FILE_NOQA, start=start, end=column + match.end(), text=match.group(0), **common))
            continue
        if word in ("ignore", "ignore-file"):
            bracket = _BRACKET.match(rest)
            kind = IGNORE if word == "ignore" else FILE_IGNORE
            if bracket is None:
                problem = f"`# prnglint: {word}` must be followed by codes in brackets, such as `{word}[PRN003]`"
                directives.append(Directive(INVALID, start=start, end=column + match.end(), text=match.group(0), problem=problem, **common))
                continue
            codes, problem = _codes_of(bracket.group("codes"))
            end = column + match.end() + bracket.end()
            span = (column + match.end() + bracket.start("codes"), column + match.end() + bracket.end("codes"))
            text = comment[match.start() : match.end() + bracket.end()]
            directive = Directive(kind, start=start, end=end, text=text, codes=codes, codes_span=span, problem=problem, **common)
            directives.append(directive)
            continue
        problem = f"unknown directive `prnglint: {word}` (known: `noqa`, `ignore[...]`, `ignore-file[...]`)"
        directives.append(Directive(INVALID, start=start, end=column + match.end(), text=match.group(0), problem=problem, **common))
    directives.sort(key=lambda d: d.start)
    return directives


# --- --add-noqa ----------------------------------------------------------------------


def add_noqa(text: str, findings: Iterable[tuple[int, str]]) -> tuple[str, int]:
    """`text` with `# noqa: CODE` added where each (row, code) finding is reported; and how many lines changed.

    A code joins the line's existing `# noqa: ...` list; a line whose finding
    lies inside a multi-line string gets the comment on the string's last
    line, where it suppresses the finding. Line endings are kept.
    """
    suppressions = Suppressions.from_source(text)
    wanted: dict[int, list[str]] = {}
    for row, code in findings:
        if suppressions.is_suppressed(code, row):
            continue
        target = suppressions.comment_row(row)
        codes = wanted.setdefault(target, [])
        if code not in codes:
            codes.append(code)
    if not wanted:
        return text, 0
    lines = text.splitlines(keepends=True)
    for row, codes in wanted.items():
        if row - 1 >= len(lines):
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        existing = [d for d in suppressions.directives if d.row == row and d.kind == NOQA and d.codes_span is not None]
        if existing:
            directive = existing[0]
            start, end = directive.codes_span  # type: ignore[misc]
            merged = [*directive.codes, *(code for code in codes if code not in directive.codes)]
            body = body[:start] + ", ".join(merged) + body[end:]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        lines[row - 1] = body + ending
    return "".join(lines), len(wanted)
