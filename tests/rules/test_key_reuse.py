"""PRN003 on the case suite in `key_reuse_cases/`: every expected finding, and no other.

Each case is a small module. Its header comments say what it is about
(`# case:`, `# covers:`), how JAX's runtime checker judges it when it is
runnable (`# jax:`, see test_key_reuse_differential.py) and, optionally, rule
options (`# options: {...}`) and the fixes it must be offered (`# fix: safe`,
`# fix: safe, unsafe`, `# fix: none`). A line ending in `# expect: PRN003` must be
reported by PRN003, one ending in `# expect: PRN012` by PRN012 (deliberate
reuse, which shares PRN003's analysis); no other line may be reported. A case named `<name>.py` with a sibling
`<name>.fixed` must turn into exactly that text when its fixes are applied.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from prnglint.diagnostics import Applicability, Diagnostic
from prnglint.engine import apply_edits, lint_source, rules_that_may_fire
from prnglint.rules.deliberate_key_reuse import DeliberateKeyReuse
from prnglint.rules.key_reuse import KeyReuse
from prnglint.source import SourceFile

CASES_DIR = Path(__file__).parent / "key_reuse_cases"
_EXPECT = re.compile(r"#\s*expect:\s*(PRN003|PRN012)\b")
_HEADER = re.compile(r"^#\s*(case|covers|jax|options|fix):\s*(.*)$")


@dataclass
class Case:
    """One file of the suite and what its header and markers promise."""

    name: str
    text: str
    expected: list[int]
    description: str = ""
    deliberate: list[int] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    runtime: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    fixed: str | None = None
    fix: list[str] | None = None  # the applicabilities of the fixes offered, or ["none"]


def load_cases() -> list[Case]:
    """Every case of the suite, in name order."""
    cases = []
    for path in sorted(CASES_DIR.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        case = Case(path.stem, text, [])
        for number, line in enumerate(text.splitlines(), start=1):
            expect = _EXPECT.search(line)
            if expect is not None:
                (case.expected if expect.group(1) == "PRN003" else case.deliberate).append(number)
            header = _HEADER.match(line)
            if header is None:
                continue
            key, value = header.groups()
            if key == "case":
                case.description = value
            elif key == "covers":
                case.covers = [item.strip() for item in value.split(",")]
            elif key == "jax":
                case.runtime = value.strip()
            elif key == "options":
                case.options = json.loads(value)
            elif key == "fix":
                case.fix = sorted(item.strip() for item in value.split(","))
        fixed = path.with_suffix(".fixed")
        if fixed.exists():
            case.fixed = fixed.read_text(encoding="utf-8")
        cases.append(case)
    return cases


def lint(text: str, options: dict[str, Any] | None = None) -> list[Diagnostic]:
    """PRN003's and PRN012's findings on `text` (everything PRN003 reported before PRN012 existed)."""
    return lint_source(SourceFile("case.py", text), [KeyReuse, DeliberateKeyReuse], options or {})


CASES = load_cases()


def test_suite_is_large_and_covers_every_part_of_the_rule() -> None:
    assert len(CASES) >= 60
    covered = " ".join(item for case in CASES for item in case.covers)
    for topic in (
        "consumption",
        "split twice",
        "fold_in on a consumed key",
        "the same fold_in",
        "mixing split and fold_in",
        "same-module summaries",
        "configuration",
        "known non-consuming uses",
        "clone",
        "if/else",
        "elif",
        "match",
        "try/except",
        "try/finally",
        "with",
        "return",
        "raise",
        "break",
        "continue",
        "for loops",
        "while loops",
        "comprehensions",
        "generator expressions",
        "jax.lax.scan bodies",
        "jax.lax.fori_loop bodies",
        "jax.lax.while_loop bodies",
        "closures",
        "attribute paths",
        "elements of split results",
        "unpacked parts of split results",
        "NNX stream calls",
        "Equinox key= arguments",
        "legacy keys",
        "typed keys",
        "module-level code",
        "real-world trap",
        "real-world bug",
        "deliberate reuse in tests",
        "never by name",
    ):
        assert topic in covered, topic
    assert sum(case.runtime is not None for case in CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case_reports_exactly_the_expected_lines(case: Case) -> None:
    diagnostics = lint(case.text, case.options)
    assert {d.code for d in diagnostics} <= {"PRN003", "PRN012"}
    reported = sorted(d.location.row for d in diagnostics if d.code == "PRN003")
    deliberate = sorted(d.location.row for d in diagnostics if d.code == "PRN012")
    messages = [f"{d.location.row} {d.code}: {d.message}" for d in diagnostics]
    assert (reported, deliberate) == (case.expected, case.deliberate), messages


@pytest.mark.parametrize("case", [c for c in CASES if c.expected or c.deliberate], ids=lambda case: case.name)
def test_filters_let_every_reported_case_through(case: Case) -> None:
    # The engine skips files by words and by reachable qualified names; both
    # must keep every file on which the rule fires.
    for rule in (KeyReuse, DeliberateKeyReuse):
        assert rule.may_fire(case.text)
        assert rules_that_may_fire(case.text, [rule]) == [rule]


@pytest.mark.parametrize("case", [c for c in CASES if c.expected or c.deliberate], ids=lambda case: case.name)
def test_messages_name_both_places_and_a_remedy(case: Case) -> None:
    for diagnostic in lint(case.text, case.options):
        message = diagnostic.message
        assert re.search(r"\bline \d+\b", message), message
        assert any(word in message for word in ("split", "fold", "carry")), message


def test_reuse_message_points_at_the_first_use_and_suggests_clone() -> None:
    case = next(c for c in CASES if c.name == "deliberate_comparison")
    (diagnostic,) = lint(case.text)
    first_line = case.text.splitlines().index("    expected = reference(key)") + 1
    assert f"line {first_line}" in diagnostic.message
    assert "jax.random.clone(key)" in diagnostic.message
    assert diagnostic.location.row == case.expected[0]


def _fixed_text(text: str, diagnostics: list[Diagnostic]) -> str:
    edits = [edit for d in diagnostics if d.fix is not None for edit in d.fix.edits]
    return apply_edits(text, edits)


@pytest.mark.parametrize(
    "case", [c for c in CASES if any(d.fix for d in lint(c.text, c.options))], ids=lambda case: case.name
)
def test_fixes_parse_and_remove_the_findings_they_fix(case: Case) -> None:
    diagnostics = lint(case.text, case.options)
    fixes = [d.fix for d in diagnostics if d.fix is not None]
    for fix in fixes:
        # A fix is safe only when it is sure of every use it rewrites; otherwise it says why.
        assert fix.applicability is Applicability.SAFE or re.search(
            r"not known to draw|would see another key", fix.message
        ), fix.message
    fixed = _fixed_text(case.text, diagnostics)
    cst.parse_module(fixed)
    compile(fixed, case.name, "exec")
    after = lint(fixed, case.options)
    assert len(after) < len(diagnostics)
    assert not any(d.fix for d in after), "a fixed file offers the same fix again"
    if case.fixed is not None:
        assert fixed == case.fixed


@pytest.mark.parametrize("case", [c for c in CASES if c.fix is not None], ids=lambda case: case.name)
def test_case_is_offered_the_fixes_its_header_names(case: Case) -> None:
    offered = sorted(d.fix.applicability.value for d in lint(case.text, case.options) if d.fix is not None)
    assert offered == ([] if case.fix == ["none"] else case.fix), [d.fix.message for d in lint(case.text) if d.fix]


def test_some_cases_check_the_exact_fix() -> None:
    assert sum(case.fixed is not None for case in CASES) >= 4


def test_fix_is_offered_only_within_straight_line_code() -> None:
    text = (
        "import jax\n\n\n"
        "def f(key, flag):\n"
        "    a = jax.random.normal(key)\n"
        "    if flag:\n"
        "        b = jax.random.uniform(key)\n"
        "    return a\n"
    )
    (diagnostic,) = lint(text)
    assert diagnostic.fix is None


@pytest.mark.parametrize("branches", [100, 200])
def test_long_elif_chains_are_analysed(branches: int) -> None:
    lines = ["import jax", "", "", "def f(key, c):", "    x = jax.random.normal(key)"]
    lines += ["    if c == 0:", "        y = 0"]
    for index in range(1, branches):
        lines.append(f"    elif c == {index}:")
        lines.append("        y = jax.random.uniform(key)")
    (diagnostic, *rest) = lint("\n".join(lines) + "\n")
    assert diagnostic.location.row == 9
    assert len(rest) == branches - 2


def test_deeply_nested_ifs_are_analysed() -> None:
    depth = 95  # Python refuses more than 100 levels of indentation
    lines = ["import jax", "", "", "def f(key, c):", "    x = jax.random.normal(key)"]
    for index in range(depth):
        lines.append("    " * (index + 1) + f"if c > {index}:")
    lines.append("    " * (depth + 1) + "y = jax.random.uniform(key)")
    (diagnostic,) = lint("\n".join(lines) + "\n")
    assert diagnostic.location.row == len(lines)


@pytest.mark.parametrize(
    ("later", "rebinds"),
    [
        ("return a + b", False),
        ("return a + b, obj.key, dict(key=1)", False),  # an attribute and a keyword are not the name
        ("return a + b, key", True),  # a read the dataflow graph does not record
        ("return a + b, jax.random.key_data(key)", True),  # one it does
        ("print(f'{key}')", True),
        ("del key", True),
        ("return lambda: key", True),
        ("return locals()", True),
        ("key = jax.random.key(1)\n    return jax.random.normal(key)", True),  # when unsure, rebind
    ],
)
def test_fix_rebinds_the_key_only_when_something_may_read_it_later(later: str, rebinds: bool) -> None:
    text = (
        "import jax\n\n\n"
        "def f(key, obj):\n"
        "    a = jax.random.normal(key)\n"
        "    b = jax.random.uniform(key)\n"
        f"    {later}\n"
    )
    (diagnostic,) = [d for d in lint(text) if d.location.row == 6]
    assert diagnostic.fix is not None
    inserted = diagnostic.fix.edits[0].content.strip()
    expected = "key, a_key, b_key = jax.random.split(key, 3)" if rebinds else "a_key, b_key = jax.random.split(key)"
    assert inserted == expected
    # The later code would see another key than before: a rebinding fix is never safe.
    assert (diagnostic.fix.applicability is Applicability.UNSAFE) == rebinds
    if rebinds:
        assert "would see another key than it sees now" in diagnostic.fix.message


def test_fix_rebinds_a_module_level_key_only_if_the_module_reads_it_again_and_never_an_enclosing_functions_key() -> None:
    module = "import jax\n\nkey = jax.random.key(0)\na = jax.random.normal(key)\nb = jax.random.uniform(key)\n"
    (diagnostic,) = lint(module)
    assert diagnostic.fix is not None and diagnostic.fix.applicability is Applicability.SAFE
    assert diagnostic.fix.edits[0].content.strip() == "a_key, b_key = jax.random.split(key)"
    for later in ("print(key)\n", "def f():\n    return key\n"):
        (diagnostic,) = lint(module + later)
        assert diagnostic.fix is not None and diagnostic.fix.applicability is Applicability.UNSAFE
        assert diagnostic.fix.edits[0].content.strip() == "key, a_key, b_key = jax.random.split(key, 3)"
    nested = (
        "import jax\n\n\n"
        "def outer(key):\n"
        "    def inner():\n"
        "        a = jax.random.normal(key)\n"
        "        b = jax.random.uniform(key)\n"
        "        return a, b, key\n"
        "    return inner(), key\n"
    )
    (diagnostic,) = lint(nested)
    assert diagnostic.fix is not None
    assert diagnostic.fix.edits[0].content.strip() == "a_key, b_key = jax.random.split(key)"


@pytest.mark.parametrize(
    ("statements", "names"),
    [
        (("x = jax.random.normal(key)", "noise = 0.05 * jax.random.normal(key)"), ("x_key", "noise_key")),
        (("x: jax.Array = jax.random.normal(key)", "y = f(g(jax.random.normal(key)))"), ("x_key", "y_key")),
        (("x = jax.random.normal(key)", "x += jax.random.normal(key)"), ("key_1", "key_2")),
        (("x = jax.random.normal(key)", "y, z = jax.random.normal(key)"), ("key_1", "key_2")),
        (("x = y = jax.random.normal(key)", "z = jax.random.normal(key)"), ("key_1", "key_2")),
        (("obj.x = jax.random.normal(key)", "z = jax.random.normal(key)"), ("key_1", "key_2")),
        (("_ = jax.random.normal(key)", "z = jax.random.normal(key)"), ("key_1", "key_2")),
        (("jax.random.normal(key)", "z = jax.random.normal(key)"), ("key_1", "key_2")),
        (("x = jax.random.normal(key) + jax.random.normal(key)",), ("key_1", "key_2")),
        (("x = jax.random.normal(key)", "z = jax.random.normal(key)", "z_key = 1"), ("key_1", "key_2")),
        # The split named after these targets would be 89 columns wide, after the next two 88.
        (
            ("inputs_of_the_model_batch = jax.random.normal(key)", "noise_on_the_targets_batch = jax.random.normal(key)"),
            ("key_1", "key_2"),
        ),
        (
            ("inputs_of_the_model_batch = jax.random.normal(key)", "noise_on_the_target_batch = jax.random.normal(key)"),
            ("inputs_of_the_model_batch_key", "noise_on_the_target_batch_key"),
        ),
    ],
)
def test_fix_names_subkeys_after_their_targets_or_numbers_them_all(
    statements: tuple[str, ...], names: tuple[str, ...]
) -> None:
    body = "".join(f"    {statement}\n" for statement in statements)
    text = f"import jax\n\n\ndef f(key, obj):\n{body}"
    fixes = [d.fix for d in lint(text) if d.fix is not None]
    assert len(fixes) == 1
    assert fixes[0].edits[0].content.strip() == f"{', '.join(names)} = jax.random.split(key)"
    assert tuple(edit.content for edit in fixes[0].edits[1:]) == names


def _case(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


def test_a_fix_is_safe_only_when_every_use_it_rewrites_is_a_certain_draw() -> None:
    (helper,) = lint(_case("fix_helper_that_draws").text)
    assert helper.fix is not None and helper.fix.applicability is Applicability.SAFE
    unsure = lint(_case("fix_unsafe_unknown_helper").text)
    assert [d.fix.applicability for d in unsure if d.fix is not None] == [Applicability.UNSAFE] * 2
    assert all("not known to draw" in d.fix.message for d in unsure if d.fix is not None)
    unknown = lint(_case("consume_unknown_call_twice").text)
    assert [d.fix.applicability for d in unknown if d.fix is not None] == [Applicability.UNSAFE]
    assert "`draw`" in unknown[0].fix.message  # type: ignore[union-attr]


def test_no_fix_rewrites_a_store() -> None:
    # A checkpoint and a list only keep the key (no reuse); the key in a dict
    # handed to an unknown call is reported, and a fix would rewrite a store.
    text = _case("fix_never_rewrites_a_store").text
    stores = lint(text)
    log_row = next(row for row, line in enumerate(text.splitlines(), 1) if "log({" in line)
    assert [d.location.row for d in stores] == [log_row]
    assert all(d.fix is None for d in stores)
