"""What the two rules about suppression comments (PRN100, PRN101) share."""

from __future__ import annotations

from prnglint.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from prnglint.registry import rule_infos
from prnglint.suppress import NOQA, Directive

# Codes in `# noqa: ...` that are prnglint's; the others belong to other tools.
NAMESPACE = "PRN"


def is_known(code: str) -> bool:
    """True if `code` is a rule code or a prefix of one."""
    return any(rule.code.startswith(code) for rule in rule_infos())


def is_ours(directive: Directive, code: str) -> bool:
    """True if `code` in `directive` is meant for prnglint (every code of a `prnglint:` form)."""
    return directive.kind != NOQA or code.startswith(NAMESPACE)


def at(directive: Directive, code: str, message: str, filename: str, fix: Fix | None = None) -> Diagnostic:
    """A finding on the directive's text."""
    return Diagnostic(
        code,
        message,
        filename,
        Location(directive.row, directive.start + 1),
        Location(directive.row, directive.end + 1),
        fix,
    )


def removal(directive: Directive, lines: list[str], keep: list[str], message: str) -> Fix:
    """A safe fix that keeps only the codes `keep` of `directive`, or removes it when none is left."""
    row = directive.row
    line = lines[row - 1].rstrip("\r\n") if row - 1 < len(lines) else ""
    if keep and directive.codes_span is not None:
        start, end = directive.codes_span
        edit = Edit(", ".join(keep), Location(row, start + 1), Location(row, end + 1))
        return Fix(Applicability.SAFE, message, (edit,))
    after = line[directive.end : directive.comment_end]
    if directive.start == directive.comment_start and not after.strip():
        if directive.own_line:
            # The whole line is the directive: remove the line.
            if row < len(lines):
                edit = Edit("", Location(row, 1), Location(row + 1, 1))
            else:
                edit = Edit("", Location(row, 1), Location(row, len(line) + 1))
        else:
            code_end = len(line[: directive.comment_start].rstrip())
            edit = Edit("", Location(row, code_end + 1), Location(row, directive.comment_end + 1))
    elif directive.start == directive.comment_start:
        # Text follows in the same comment: keep it a comment.
        rest = after.lstrip()
        end = directive.end + (len(after) - len(rest))
        edit = Edit("" if rest.startswith("#") else "# ", Location(row, directive.start + 1), Location(row, end + 1))
    else:
        before = line[: directive.start]
        start = len(before.rstrip())
        edit = Edit("", Location(row, start + 1), Location(row, directive.end + 1))
    return Fix(Applicability.SAFE, message, (edit,))
