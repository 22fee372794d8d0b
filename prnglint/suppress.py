"""Suppression comments.

On the reported line: ``# noqa`` (everything), ``# noqa: PRN001, PRN003`` and
``# prnglint: ignore[PRN001]``. Anywhere in the file, on a comment of its own:
``# prnglint: noqa`` (the whole file) and ``# prnglint: ignore-file[PRN001]``.
A code also matches by prefix (``PRN`` suppresses every rule), as ruff does.
Only real comments count: the text is tokenized, so a ``# noqa`` inside a
string does nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_CODES = r"[A-Z]+[0-9]*(?:\s*,\s*[A-Z]+[0-9]*)*"
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_IGNORE = re.compile(rf"#\s*prnglint:\s*ignore\[(?P<codes>{_CODES})\]")
_FILE_NOQA = re.compile(r"#\s*prnglint:\s*noqa\b")
_FILE_IGNORE = re.compile(rf"#\s*prnglint:\s*ignore-file\[(?P<codes>{_CODES})\]")

ALL = "*"


def _split_codes(text: str) -> set[str]:
    return {code.strip().upper() for code in text.split(",") if code.strip()}


@dataclass
class Suppressions:
    """What the comments of one file suppress."""

    by_row: dict[int, set[str]] = field(default_factory=dict)
    file_wide: set[str] = field(default_factory=set)

    @classmethod
    def from_source(cls, text: str) -> Suppressions:
        """Collect the suppression comments of `text` (cheap when there are none)."""
        result = cls()
        if "noqa" not in text and "prnglint:" not in text:
            return result
        for row, comment in _comments(text):
            match = _FILE_NOQA.search(comment)
            if match:
                result.file_wide.add(ALL)
                continue
            match = _FILE_IGNORE.search(comment)
            if match:
                result.file_wide |= _split_codes(match.group("codes"))
                continue
            for pattern in (_NOQA, _IGNORE):
                match = pattern.search(comment)
                if match:
                    codes = match.group("codes")
                    result.by_row.setdefault(row, set()).update(_split_codes(codes) if codes else {ALL})
        return result

    def is_suppressed(self, code: str, row: int) -> bool:
        """True if a diagnostic `code` reported on `row` is suppressed."""
        return _matches(code, self.file_wide) or _matches(code, self.by_row.get(row, ()))

    def suppressing_row(self, row: int) -> set[str]:
        """The codes suppressed on `row` (``*`` for a bare noqa)."""
        return set(self.by_row.get(row, ()))


def _matches(code: str, suppressed: set[str] | tuple[()]) -> bool:
    return any(item == ALL or code.startswith(item) for item in suppressed)


def _comments(text: str) -> list[tuple[int, str]]:
    comments: list[tuple[int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments.append((token.start[0], token.string))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Tokenizing stops at the error; the comments seen so far still count.
        pass
    return comments
