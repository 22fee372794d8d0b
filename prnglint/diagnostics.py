"""The diagnostic model shared by the engine, the fixer and every reporter.

Rows and columns are 1-based everywhere a user can see them; columns count
Unicode code points, as ruff's do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Applicability(str, Enum):
    """How safe it is to apply a fix without a human looking at it."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based (row, column) position in a file."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between two locations (end exclusive) by `content`."""

    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    """A set of edits that together resolve one diagnostic."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """Another place of the file a finding refers to (where a key was first consumed, say)."""

    message: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a rule's code and message at a span of a file.

    `code` is a rule code (``PRN003``) or, for files that could not be read or
    parsed, ``E902`` (I/O or decoding), ``E999`` (syntax) or ``E000`` (a bug
    of prnglint met on that file); those are errors of the run, not findings,
    and make the exit status 2.
    """

    code: str
    message: str
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = None
    # Extra context some output formats show (a notebook cell, for instance).
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    # Other places the finding refers to, for output that can link them (an editor's related information).
    related: tuple[Related, ...] = field(default=(), compare=False, hash=False)

    @property
    def is_error(self) -> bool:
        """True for problems of the run itself (unreadable or unparsable file)."""
        return self.code in ERROR_CODES

    def sort_key(self) -> tuple[str, int, int, int, str]:
        """The stable order every reporter uses: file, notebook cell (0 elsewhere), row, column, code."""
        cell = self.extra.get("cell")
        return (self.filename, cell if isinstance(cell, int) else 0, self.location.row, self.location.column, self.code)


IO_ERROR = "E902"
SYNTAX_ERROR = "E999"
INTERNAL_ERROR = "E000"
ERROR_CODES = frozenset({IO_ERROR, SYNTAX_ERROR, INTERNAL_ERROR})


def error_at(filename: str, code: str, message: str, row: int, column: int) -> Diagnostic:
    """An error diagnostic (no end of its own) at one position."""
    return Diagnostic(code, message, filename, Location(row, column), Location(row, column))


def internal_error(filename: str, exc: BaseException) -> Diagnostic:
    """A diagnostic for a bug of prnglint met while linting one file."""
    return error_at(
        filename,
        INTERNAL_ERROR,
        f"internal error while linting ({type(exc).__name__}: {exc}); please report it",
        1,
        1,
    )


def io_error(filename: str, reason: str) -> Diagnostic:
    """A diagnostic for a file that could not be read or decoded."""
    return error_at(filename, IO_ERROR, f"cannot read: {reason}", 1, 1)
