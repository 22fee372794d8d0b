"""The fixing algorithm, independent of any real rule: toy rules offer the fixes."""

from __future__ import annotations

import libcst as cst
import pytest

from prnglint.diagnostics import INTERNAL_ERROR, Applicability, Diagnostic, Edit, Fix, Location
from prnglint.engine import FixSpec, InsertStatementBefore, Replace, Rule
from prnglint.fixer import MAX_ROUNDS, fix_source, select_fixes, unified_diff
from prnglint.source import SourceFile, decode_source


class RenameBad(Rule):
    """Toy: `bad` should be `good` (safe)."""

    code = "TST001"
    name = "rename-bad"
    summary = "toy"
    words = (("bad",),)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "bad":
            self.report(node, "bad name", fix=FixSpec(Applicability.SAFE, "rename", (Replace(node, cst.Name("good")),)))


class UnwrapCall(Rule):
    """Toy: `wrap(x)` should be `x` (safe); nested calls give overlapping fixes."""

    code = "TST002"
    name = "unwrap"
    summary = "toy"
    words = (("wrap",),)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "wrap" and len(node.args) == 1:
            self.report(node, "unwrap", fix=FixSpec(Applicability.SAFE, "unwrap", (Replace(node, node.args[0].value),)))


class UnsafeUpper(Rule):
    """Toy: `low` should be `LOW` (unsafe)."""

    code = "TST003"
    name = "upper"
    summary = "toy"
    words = (("low",),)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "low":
            self.report(node, "lower", fix=FixSpec(Applicability.UNSAFE, "upper", (Replace(node, cst.Name("LOW")),)))


class Flip(Rule):
    """Toy that never converges: `a` becomes `b` and `b` becomes `a`."""

    code = "TST004"
    name = "flip"
    summary = "toy"
    words = (("a",), ("b",))

    def visit_Name(self, node: cst.Name) -> None:
        other = {"a": "b", "b": "a"}.get(node.value)
        if other:
            self.report(node, "flip", fix=FixSpec(Applicability.SAFE, "flip", (Replace(node, cst.Name(other)),)))


class Breaker(Rule):
    """Toy whose fix does not parse: `broken` becomes `(`."""

    code = "TST005"
    name = "breaker"
    summary = "toy"
    words = (("broken",),)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "broken":
            self.report(node, "broken", fix=FixSpec(Applicability.SAFE, "break", (Replace(node, "("),)))


class DuplicateParameter(Rule):
    """Toy whose fix libcst accepts and CPython rejects: renames parameter `y` to `x`."""

    code = "TST006"
    name = "duplicate"
    summary = "toy"
    words = (("def",),)

    def visit_Param(self, node: cst.Param) -> None:
        if node.name.value == "y":
            self.report(node, "dup", fix=FixSpec(Applicability.SAFE, "dup", (Replace(node.name, cst.Name("x")),)))


class NeedsImport(Rule):
    """Toy whose fixes share an identical edit: each `np_thing` adds the same import line."""

    code = "TST007"
    name = "needs-import"
    summary = "toy"
    words = (("np_thing",),)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "np_thing":
            anchor = self.context.module.body[0]
            edits = (Replace(node.func, "numpy.thing"), InsertStatementBefore(anchor, "import numpy"))
            self.report(node, "import", fix=FixSpec(Applicability.SAFE, "import", edits))


class Multiline(Rule):
    """Toy whose replacement content uses bare newlines: `one()` becomes a two-line call."""

    code = "TST008"
    name = "multiline"
    summary = "toy"
    words = (("one",),)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "one":
            self.report(node, "multi", fix=FixSpec(Applicability.SAFE, "multi", (Replace(node, "two(\n    1,\n)"),)))


class Greek(Rule):
    """Toy whose fix adds a character latin-1 cannot encode."""

    code = "TST009"
    name = "greek"
    summary = "toy"
    words = (("alpha",),)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "alpha":
            self.report(node, "greek", fix=FixSpec(Applicability.SAFE, "greek", (Replace(node, "α"),)))


class CrashOnGood(Rule):
    """Toy that crashes on the text its partner RenameBad produces."""

    code = "TST010"
    name = "crash"
    summary = "toy"
    words = (("good",),)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "good":
            raise RuntimeError("boom")


def _fix(text: str, *rules: type[Rule], unsafe: bool = False, name: str = "m.py"):
    return fix_source(SourceFile(name, text), list(rules), {}, unsafe=unsafe)


def test_safe_fix_applies_and_nothing_remains() -> None:
    result = _fix("x = bad + bad\n", RenameBad)
    assert result.text == "x = good + good\n"
    assert [d.code for d in result.applied] == ["TST001", "TST001"]
    assert result.remaining == []
    assert result.rounds == 1
    assert result.error is None


def test_unsafe_fixes_apply_only_on_request() -> None:
    kept = _fix("x = low\n", UnsafeUpper)
    assert kept.text == "x = low\n"
    assert [d.code for d in kept.remaining] == ["TST003"]
    assert kept.applied == []
    fixed = _fix("x = low\n", UnsafeUpper, unsafe=True)
    assert fixed.text == "x = LOW\n"
    assert fixed.remaining == []


def test_overlapping_fixes_are_applied_over_several_rounds() -> None:
    result = _fix("y = wrap(wrap(wrap(1)))\n", UnwrapCall)
    assert result.text == "y = 1\n"
    assert result.rounds == 3
    assert len(result.applied) == 3


def test_non_overlapping_fixes_share_a_round() -> None:
    result = _fix("y = wrap(1) + wrap(2) + bad\n", UnwrapCall, RenameBad)
    assert result.text == "y = 1 + 2 + good\n"
    assert result.rounds == 1


def test_fixes_that_never_converge_leave_the_text_unchanged() -> None:
    result = _fix("a = 1\n", Flip, name="pkg/flip.py")
    assert result.text == "a = 1\n"
    assert result.error is not None
    assert result.error.code == INTERNAL_ERROR
    assert result.error.filename == "pkg/flip.py"
    assert f"did not converge after {MAX_ROUNDS} rounds" in result.error.message
    assert result.applied == []
    # What is reported is what the unchanged file holds.
    assert [d.code for d in result.remaining] == ["TST004"]


def test_deep_nesting_beyond_the_round_limit_is_an_error() -> None:
    deep = "wrap(" * (MAX_ROUNDS + 1) + "1" + ")" * (MAX_ROUNDS + 1)
    result = _fix(f"y = {deep}\n", UnwrapCall)
    assert result.text == f"y = {deep}\n"
    assert result.error is not None and "did not converge" in result.error.message
    within = "wrap(" * MAX_ROUNDS + "1" + ")" * MAX_ROUNDS
    assert _fix(f"y = {within}\n", UnwrapCall).text == "y = 1\n"


def test_a_fix_that_does_not_parse_is_thrown_away_whole() -> None:
    text = "x = bad\ny = broken\n"
    result = _fix(text, RenameBad, Breaker)
    assert result.text == text, "the file must be left untouched, other fixes included"
    assert result.error is not None and "does not parse" in result.error.message
    assert "TST005" in result.error.message
    assert {d.code for d in result.diagnostics} == {"TST001", "TST005", INTERNAL_ERROR}


def test_a_fix_cpython_rejects_is_thrown_away() -> None:
    text = "def f(x, y):\n    return x\n"
    result = _fix(text, DuplicateParameter)
    assert result.text == text
    assert result.error is not None and "duplicate argument" in result.error.message


def test_a_rule_crashing_on_fixed_text_leaves_the_text_unchanged() -> None:
    result = _fix("x = bad\n", RenameBad, CrashOnGood)
    assert result.text == "x = bad\n"
    assert result.error is not None and "RuntimeError: boom" in result.error.message


def test_identical_edits_of_two_fixes_are_applied_once() -> None:
    result = _fix("x = np_thing(1)\ny = np_thing(2)\n", NeedsImport)
    assert result.text == "import numpy\nx = numpy.thing(1)\ny = numpy.thing(2)\n"
    assert result.rounds == 1
    assert len(result.applied) == 2


def test_suppressed_findings_are_not_fixed() -> None:
    result = _fix("x = bad  # noqa: TST001\ny = bad\n", RenameBad)
    assert result.text == "x = bad  # noqa: TST001\ny = good\n"


def test_edit_newlines_follow_the_file_on_crlf() -> None:
    result = _fix("x = one()\r\ny = 2\r\n", Multiline)
    assert result.text == "x = two(\r\n    1,\r\n)\r\ny = 2\r\n"
    assert "\n" not in result.text.replace("\r\n", "")


def test_a_fix_the_file_encoding_cannot_hold_is_refused() -> None:
    raw = "# -*- coding: latin-1 -*-\nname = 'café'\nalpha = 1\n".encode("latin-1")
    source = decode_source(raw, "latin.py")
    result = fix_source(source, [Greek], {})
    assert result.text == source.text
    assert result.error is not None and "cannot encode" in result.error.message


def test_unparsable_input_is_returned_with_its_syntax_error() -> None:
    result = _fix("x = bad(\n", RenameBad)
    assert result.text == "x = bad(\n"
    assert [d.code for d in result.remaining] == ["E999"]
    assert result.error is None


def _diagnostic(*edits: tuple[tuple[int, int], tuple[int, int], str], code: str = "X001") -> Diagnostic:
    fix = Fix(
        Applicability.SAFE,
        "fix",
        tuple(Edit(content, Location(*start), Location(*end)) for start, end, content in edits),
    )
    first = edits[0][0]
    return Diagnostic(code, "m", "f.py", Location(*first), Location(*first), fix)


@pytest.mark.parametrize(
    ("first", "second", "together"),
    [
        (((1, 1), (1, 5), "a"), ((1, 5), (1, 9), "b"), True),  # adjacent replacements
        (((1, 1), (1, 5), "a"), ((1, 4), (1, 9), "b"), False),  # overlapping replacements
        (((1, 5), (1, 5), "a"), ((1, 5), (1, 9), "b"), False),  # insertion at a replacement's start
        (((1, 9), (1, 9), "a"), ((1, 5), (1, 9), "b"), False),  # insertion at a replacement's end
        (((1, 3), (1, 3), "a"), ((1, 3), (1, 3), "b"), False),  # two different insertions at one point
        (((1, 3), (1, 3), "a"), ((1, 3), (1, 3), "a"), True),  # the same insertion twice: shared
        (((1, 1), (2, 1), "a"), ((2, 1), (2, 4), "b"), True),  # a line replaced, then the next line
    ],
)
def test_select_fixes_conflicts(first, second, together: bool) -> None:
    chosen = select_fixes([_diagnostic(first), _diagnostic(second)])
    assert len(chosen) == (2 if together else 1)


def test_select_fixes_takes_a_fix_whole_or_not_at_all() -> None:
    both = _diagnostic(((1, 1), (1, 3), "x"), ((3, 1), (3, 3), "y"), code="A001")
    clash = _diagnostic(((3, 2), (3, 5), "z"), code="B001")
    free = _diagnostic(((5, 1), (5, 2), "w"), code="C001")
    chosen = select_fixes([clash, both, free])
    assert [d.code for d in chosen] == ["A001", "C001"]


def test_unified_diff_marks_a_missing_final_newline() -> None:
    diff = unified_diff("a = 1\nb = 2", "a = 1\nb = 3", "m.py")
    assert diff.splitlines() == [
        "--- m.py",
        "+++ m.py",
        "@@ -1,2 +1,2 @@",
        " a = 1",
        "-b = 2",
        "\\ No newline at end of file",
        "+b = 3",
        "\\ No newline at end of file",
    ]
    assert unified_diff("same\n", "same\n", "m.py") == ""


def test_a_file_libcst_does_not_reproduce_exactly_is_reported_but_not_fixed() -> None:
    # libcst drops the blank line before a whitespace-only last line; its positions would then
    # describe another text than the file's, so an edit could land in the wrong place.
    text = "x = bad\n\n \n"
    assert cst.parse_module(text).code != text
    result = _fix(text, RenameBad)
    assert result.text == text
    assert [d.code for d in result.remaining] == ["TST001"]
    assert result.remaining[0].fix is None
