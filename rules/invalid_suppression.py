"""PRN101: a suppression comment prnglint cannot apply as written."""

from __future__ import annotations

from prnglint.diagnostics import Diagnostic
from prnglint.engine import Invalid, Rule, Valid
from prnglint.rules import _suppressions
from prnglint.suppress import WORDS, Suppressions


class InvalidSuppression(Rule):
    """
    ## What it does
    Finds suppression comments that do not do what they say: a code that
    names no prnglint rule (`# noqa: PRN999`, `# prnglint: ignore[PRN03]`
    is fine as a prefix, `ignore[E501]` is not a prnglint code); a
    file-level `# prnglint: noqa` or `# prnglint: ignore-file[...]` written
    after code, where it counts for that line only; and directives prnglint
    cannot read (`# noqa:` without codes, `# prnglint: ignroe[PRN001]`,
    `ignore` without brackets). Codes of other tools in a `# noqa`
    (`E501`, `F401`) are left alone.

    ## Why is this bad?
    Each is a suppression that silently fails: a mistyped code suppresses
    nothing while the author believes the finding is handled, and a
    file-level form placed after code leaves the rest of the file checked
    although it reads as if it were not. Either way the run's result is not
    what the comment promises.

    ## Example
    ```python
    import jax

    KEY = jax.random.key(0)  # noqa: PRN01O
    ```

    ## Use instead
    ```python
    import jax

    KEY = jax.random.key(0)  # noqa: PRN001
    ```

    ## Fix safety
    There is no fix: only the author knows which code or which scope was
    meant.
    """

    code = "PRN101"
    name = "invalid-suppression"
    summary = "suppression comment with an unknown code, a misplaced file-level form or bad syntax"
    words = WORDS
    reads_suppressions = True

    VALID = [
        Valid("x = compute()  # noqa: E501, F401\n"),
        Valid("# prnglint: noqa\nx = 1\n"),
        Valid("x = 1  # noqa: PRN001\n# prnglint: ignore-file[PRN00]\n"),
        Valid('note = "# prnglint: ignore[PRN999]"\n'),
    ]
    INVALID = [
        Invalid("x = 1  # noqa: PRN999\n", count=1, line=1, column=8, message_contains="`PRN999`"),
        Invalid("x = 1  # prnglint: ignore[E501]\n", count=1, message_contains="`E501`"),
        Invalid("x = 1  # prnglint: noqa\n", count=1, message_contains="line of its own"),
        Invalid("x = 1  # prnglint: ignore-file[PRN001]\n", count=1, message_contains="line of its own"),
        Invalid("x = 1  # noqa:\n", count=1, message_contains="must be followed by rule codes"),
        Invalid("x = 1  # prnglint: ignroe[PRN001]\n", count=1, message_contains="unknown directive"),
        Invalid("x = 1  # prnglint: ignore[prn001]\n", count=1, message_contains="not a rule code"),
    ]

    @classmethod
    def check_suppressions(cls, filename: str, text: str, suppressions: Suppressions) -> list[Diagnostic]:
        """A finding for each directive that is unreadable, misplaced or names an unknown code."""
        found: list[Diagnostic] = []
        for directive in suppressions.directives:
            if directive.problem is not None:
                message = f"Invalid suppression `{directive.text}`: {directive.problem}; it suppresses nothing"
                found.append(_suppressions.at(directive, cls.code, message, filename))
                continue
            if directive.misplaced:
                message = (
                    f"`{directive.text}` applies to the whole file only on a line of its own; "
                    "after code it suppresses this line only"
                )
                found.append(_suppressions.at(directive, cls.code, message, filename))
            unknown = [
                code
                for code in directive.codes
                if _suppressions.is_ours(directive, code) and not _suppressions.is_known(code)
            ]
            if unknown:
                named = ", ".join(f"`{code}`" for code in unknown)
                noun = "names no prnglint rule" if len(unknown) == 1 else "name no prnglint rule"
                message = f"{named} in `{directive.text}` {noun}, so it suppresses nothing (see `prnglint rules`)"
                found.append(_suppressions.at(directive, cls.code, message, filename))
        return found
