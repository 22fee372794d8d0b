"""Case suites of PRN007, PRN008 and PRN011: every expected finding, and no other.

Each rule has a folder `<module>_cases/` of small modules. A header comment
`# case:` says what a case is about, `# covers:` lists topics; a line ending
in `# expect: PRNxxx` must be reported by that rule, and no other line may
be. A case `<name>.py` with a sibling `<name>.fixed` must turn into exactly
that text when every fix the rule offers (safe or unsafe) is applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
import pytest

from prnglint.diagnostics import Diagnostic
from prnglint.engine import Rule, apply_edits, lint_source, rules_that_may_fire
from prnglint.registry import rules_by_code
from prnglint.source import SourceFile

HERE = Path(__file__).parent
SUITES = {"PRN007": "late_bound_key", "PRN008": "seed_reused", "PRN011": "key_parameter_overwritten"}
_HEADER = re.compile(r"^#\s*(case|covers):\s*(.*)$")


@dataclass
class Case:
    """One file of a suite and what its markers promise."""

    code: str
    name: str
    text: str
    expected: list[int]
    description: str = ""
    covers: list[str] = field(default_factory=list)
    fixed: str | None = None

    @property
    def rule(self) -> type[Rule]:
        return rules_by_code()[self.code]


def load_cases(code: str) -> list[Case]:
    """Every case of one rule's suite, in name order."""
    folder = HERE / f"{SUITES[code]}_cases"
    expect = re.compile(rf"#\s*expect:\s*{code}\b")
    cases = []
    for path in sorted(p for p in folder.glob("*.py") if p.name != "conftest.py"):
        text = path.read_text(encoding="utf-8")
        case = Case(code, path.stem, text, [])
        for number, line in enumerate(text.splitlines(), start=1):
            if expect.search(line):
                case.expected.append(number)
            header = _HEADER.match(line)
            if header is not None:
                key, value = header.groups()
                if key == "case":
                    case.description = value
                else:
                    case.covers = [item.strip() for item in value.split(",")]
        fixed = path.with_suffix(".fixed")
        if fixed.exists():
            case.fixed = fixed.read_text(encoding="utf-8")
        cases.append(case)
    return cases


ALL_CASES = [case for code in SUITES for case in load_cases(code)]


def lint(case: Case, text: str | None = None) -> list[Diagnostic]:
    return lint_source(SourceFile(f"{case.name}.py", case.text if text is None else text), [case.rule], {})


@pytest.mark.parametrize("code", SUITES)
def test_suite_has_true_cases_and_traps(code: str) -> None:
    cases = load_cases(code)
    assert len(cases) >= 15
    assert sum(bool(c.expected) for c in cases) >= 5, "too few true cases"
    assert sum(not c.expected for c in cases) >= 5, "too few traps"
    assert all(c.description for c in cases), [c.name for c in cases if not c.description]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: f"{c.code}-{c.name}")
def test_case_reports_exactly_the_expected_lines(case: Case) -> None:
    diagnostics = lint(case)
    assert all(d.code == case.code for d in diagnostics)
    reported = sorted(d.location.row for d in diagnostics)
    assert reported == case.expected, [f"{d.location.row}: {d.message}" for d in diagnostics]


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.expected], ids=lambda c: f"{c.code}-{c.name}")
def test_filters_let_every_reported_case_through(case: Case) -> None:
    assert case.rule.may_fire(case.text)
    assert rules_that_may_fire(case.text, [case.rule]) == [case.rule]


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.fixed is not None], ids=lambda c: f"{c.code}-{c.name}")
def test_fix_gives_the_expected_text_and_removes_the_finding(case: Case) -> None:
    diagnostics = lint(case)
    edits = [edit for d in diagnostics if d.fix is not None for edit in d.fix.edits]
    assert edits, "expected a fix"
    fixed = apply_edits(case.text, edits)
    cst.parse_module(fixed)
    compile(fixed, case.name, "exec")
    assert fixed == case.fixed
    assert len(lint(case, fixed)) < len(diagnostics)
