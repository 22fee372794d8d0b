"""PRN100: a suppression comment that suppresses nothing."""

from __future__ import annotations

from prnglint.diagnostics import Applicability, Diagnostic
from prnglint.engine import Invalid, Rule, Valid
from prnglint.rules import _suppressions
from prnglint.source import split_lines
from prnglint.suppress import ALL, FILE_NOQA, NOQA, WORDS, Suppressions


class UnusedSuppression(Rule):
    """
    ## What it does
    Finds prnglint suppressions that suppress nothing: a `# noqa: PRN...`
    code, a `# prnglint: ignore[...]` on the line, or a file-level
    `# prnglint: noqa` / `# prnglint: ignore-file[...]`, when no finding of
    that code was reported where it applies. Codes of other tools in a
    `# noqa` (`E501`, `F401`) and a bare `# noqa` are left alone: they may
    serve another linter. Codes that name no rule, and misplaced file-level
    forms, are PRN101's. The rule runs after every other rule, on what they
    reported, as ruff's RUF100 does; it is off by default.

    ## Why is this bad?
    A suppression outlives the finding it was written for: the code is fixed
    or moved, and the comment stays, ready to hide the next real finding on
    that line (or in that file) without anyone noticing. A suppression for a
    rule that is not enabled hides nothing today and surprises whoever
    enables the rule.

    ## Example
    ```python
    import jax

    def init(seed):
        return jax.random.key(seed)  # noqa: PRN001
    ```

    ## Use instead
    ```python
    import jax

    def init(seed):
        return jax.random.key(seed)
    ```

    ## Fix safety
    The fix removes the unused codes from the comment, or the whole
    directive when none is left (the whole line for a comment line of its
    own), and keeps any other text of the comment. It is safe: what it
    removes suppressed nothing in this run. Run it with the rules you run in
    CI enabled, since a suppression for a rule left out of the run is unused
    by definition.
    """

    code = "PRN100"
    name = "unused-suppression"
    summary = "suppression comment that suppresses no finding"
    words = WORDS
    default_enabled = False
    fix_applicability = Applicability.SAFE
    reads_suppressions = True

    VALID = [
        Valid("x = compute()  # noqa: E501\n"),
        Valid("x = compute()  # noqa\n"),
        Valid('text = "# noqa: PRN001"\n'),
        Valid("x = 1  # noqa: PRN999\n"),
    ]
    INVALID = [
        Invalid(
            "import jax\n\ndef init(seed):\n    return jax.random.key(seed)  # noqa: PRN001\n",
            count=1,
            line=4,
            column=34,
            message_contains="`PRN001`",
            expected_fix="import jax\n\ndef init(seed):\n    return jax.random.key(seed)\n",
        ),
        Invalid(
            "x = compute()  # noqa: E501, PRN003\n",
            count=1,
            expected_fix="x = compute()  # noqa: E501\n",
        ),
        Invalid(
            "# prnglint: ignore-file[PRN003]\nimport jax\n",
            count=1,
            line=1,
            message_contains="in this file",
            expected_fix="import jax\n",
        ),
        Invalid(
            "x = 1  # type: ignore  # prnglint: ignore[PRN002]\n",
            count=1,
            expected_fix="x = 1  # type: ignore\n",
        ),
        Invalid("# prnglint: noqa\nx = 1\n", count=1, expected_fix="x = 1\n"),
    ]

    @classmethod
    def check_suppressions(cls, filename: str, text: str, suppressions: Suppressions) -> list[Diagnostic]:
        """Every directive, or code of one, that suppressed nothing in this run."""
        found: list[Diagnostic] = []
        lines = split_lines(text)
        for directive in suppressions.directives:
            if directive.problem is not None or directive.misplaced:
                continue
            if directive.codes:
                candidates = [
                    code
                    for code in directive.codes
                    if _suppressions.is_ours(directive, code) and _suppressions.is_known(code)
                ]
            elif directive.kind == FILE_NOQA:
                candidates = [ALL]
            else:
                # A bare `# noqa` may be meant for another linter.
                continue
            unused = [code for code in candidates if code not in directive.used]
            if not unused:
                continue
            keep = [code for code in directive.codes if code not in unused]
            where = "in this file" if directive.file_wide else "on this line"
            if unused == [ALL]:
                message = f"Unused suppression `{directive.text}`: no finding {where} to suppress"
            else:
                named = ", ".join(f"`{code}`" for code in unused)
                message = f"Unused suppression of {named} in `{directive.text}`: no such finding {where}"
            fix_message = "Remove the unused codes" if keep else "Remove the unused suppression"
            fix = _suppressions.removal(directive, lines, keep, fix_message)
            found.append(_suppressions.at(directive, cls.code, message, filename, fix))
        return found
