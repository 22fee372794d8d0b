"""Every rule's own VALID and INVALID examples, and its documentation."""

from __future__ import annotations

import pytest

from prnglint.engine import DOC_HEADINGS, Invalid, Rule, Valid, apply_edits, example_code, lint_source
from prnglint.registry import all_rules
from prnglint.source import SourceFile


def _cases(kind: str) -> list:
    cases = []
    for rule in all_rules():
        examples = rule.VALID if kind == "valid" else rule.INVALID
        for index, example in enumerate(examples):
            cases.append(pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}"))
    return cases


def _lint(rule: type[Rule], code: str):
    return lint_source(SourceFile("example.py", code), [rule], {})


def test_every_rule_has_examples() -> None:
    for rule in all_rules():
        assert len(rule.VALID) >= 3, rule.code
        assert len(rule.INVALID) >= 3, rule.code


@pytest.mark.parametrize(("rule", "example"), _cases("valid"))
def test_valid_example_reports_nothing(rule: type[Rule], example: Valid | str) -> None:
    diagnostics = _lint(rule, example_code(example))
    assert diagnostics == [], [f"{d.location.row}:{d.location.column} {d.message}" for d in diagnostics]


@pytest.mark.parametrize(("rule", "example"), _cases("invalid"))
def test_invalid_example_reports(rule: type[Rule], example: Invalid) -> None:
    code = example_code(example)
    diagnostics = _lint(rule, code)
    assert diagnostics, "expected a finding"
    assert all(d.code == rule.code for d in diagnostics)
    if example.count is not None:
        assert len(diagnostics) == example.count, [d.message for d in diagnostics]
    first = diagnostics[0]
    if example.line is not None:
        assert first.location.row == example.line
    if example.column is not None:
        assert first.location.column == example.column
    if example.message_contains is not None:
        assert any(example.message_contains in d.message for d in diagnostics)
    if example.expected_fix is not None:
        edits = [edit for d in diagnostics if d.fix is not None for edit in d.fix.edits]
        assert edits, "expected a fix"
        assert apply_edits(code, edits) == example_code(example.expected_fix)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_documentation_has_every_heading(rule: type[Rule]) -> None:
    doc = rule.documentation()
    positions = [doc.find(f"## {heading}") for heading in DOC_HEADINGS]
    assert all(p >= 0 for p in positions), [h for h, p in zip(DOC_HEADINGS, positions) if p < 0]
    assert positions == sorted(positions), "headings out of order"
    assert rule.code.startswith("PRN") and len(rule.code) == 6
    assert rule.name and rule.summary and rule.words


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_word_filter_is_sound_on_invalid_examples(rule: type[Rule]) -> None:
    # The filter may skip a file only if the rule cannot fire there; every
    # invalid example fires, so each must pass the filter.
    for example in rule.INVALID:
        assert rule.may_fire(example_code(example))


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.fix_applicability is not None], ids=lambda r: r.code)
def test_fixable_rules_declare_fixes_in_examples(rule: type[Rule]) -> None:
    assert any(example.expected_fix is not None for example in rule.INVALID)
