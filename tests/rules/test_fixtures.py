"""The demo: each bad training script, fixed by `prnglint --fix --unsafe-fixes`, is exactly its golden twin.

`fixtures/flax_nnx_mlp.py` and `fixtures/equinox_mlp.py` are the reference
trainings (`*_fixed.py`, which the verifier runs) with fixable anti-patterns
put back in natural forms: one key drawn from twice for a batch's inputs and
its noise (PRN003), key and `nnx.Rngs` defaults (PRN002), an `nnx.Optimizer`
without `wrt=` (PRN004) and legacy `PRNGKey` keys (PRN005, opt-in, hence
`--extend-select PRN005`). Anti-patterns without a fix (PRN001)
are left out, so that the fixed file can be reached exactly.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from prnglint.cli import main
from prnglint.engine import lint_source
from prnglint.registry import all_rules, rules_by_code
from prnglint.source import read_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# Each bad script and the codes of the anti-patterns it must contain.
PAIRS = {
    "flax_nnx_mlp": {"PRN002", "PRN003", "PRN004", "PRN005"},
    "equinox_mlp": {"PRN002", "PRN003", "PRN005"},
}
FIX_ARGS = ("--fix", "--unsafe-fixes", "--extend-select", "PRN005")


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    # Run in a folder of its own, so that no configuration of the repository applies.
    monkeypatch.chdir(tmp_path)
    return main(list(args))


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_fixing_the_bad_script_gives_exactly_the_golden_one(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / f"{name}.py"
    shutil.copyfile(FIXTURES / f"{name}.py", copy)
    status = _run(tmp_path, monkeypatch, *FIX_ARGS, copy.name)
    out = capsys.readouterr()
    assert status == 0, out.out + out.err
    assert copy.read_bytes() == (FIXTURES / f"{name}_fixed.py").read_bytes()


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_the_golden_script_has_no_finding_under_every_rule(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = FIXTURES / f"{name}_fixed.py"
    assert lint_source(read_source(golden), list(all_rules()), {}) == []
    copy = tmp_path / golden.name
    shutil.copyfile(golden, copy)
    assert _run(tmp_path, monkeypatch, "--select", "ALL", copy.name) == 0
    assert _run(tmp_path, monkeypatch, *FIX_ARGS, "--select", "ALL", "--diff", copy.name) == 0
    assert capsys.readouterr().out.strip().endswith("All checks passed!")


@pytest.mark.parametrize(("name", "codes"), sorted(PAIRS.items()))
def test_the_bad_script_holds_only_fixable_anti_patterns(name: str, codes: set[str]) -> None:
    diagnostics = lint_source(read_source(FIXTURES / f"{name}.py"), list(all_rules()), {})
    assert {d.code for d in diagnostics} == codes
    assert all(d.fix is not None for d in diagnostics), [d.message for d in diagnostics if d.fix is None]


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_without_unsafe_fixes_only_the_safe_ones_apply(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / f"{name}.py"
    shutil.copyfile(FIXTURES / f"{name}.py", copy)
    _run(tmp_path, monkeypatch, "--fix", "--extend-select", "PRN005", copy.name)
    capsys.readouterr()
    remaining = lint_source(read_source(copy), list(all_rules()), {})
    safe_codes = {code for code, rule in rules_by_code().items() if rule.fix_applicability is not None and rule.fix_applicability.value == "safe"}
    assert remaining, "the unsafe anti-patterns must remain"
    assert all(d.fix is not None and d.fix.applicability.value == "unsafe" for d in remaining)
    assert not {d.code for d in remaining} & safe_codes


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_the_bad_script_is_its_twin_with_a_few_lines_changed(name: str) -> None:
    bad = (FIXTURES / f"{name}.py").read_text(encoding="utf-8")
    golden = (FIXTURES / f"{name}_fixed.py").read_text(encoding="utf-8")
    assert bad != golden
    compile(bad, f"{name}.py", "exec", dont_inherit=True)
    # The bad twin differs only on the lines that hold the anti-patterns. The
    # fixes rewrite lines in place, except PRN003's, which adds one line (the
    # split): no stretch of the golden script is shorter than its bad twin.
    bad_lines, golden_lines = bad.splitlines(), golden.splitlines()
    matcher = difflib.SequenceMatcher(None, bad_lines, golden_lines, autojunk=False)
    changes = [(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    assert all(new >= old for old, new in changes), changes
    assert 0 <= len(golden_lines) - len(bad_lines) <= 1
    assert 1 <= sum(new for _, new in changes) <= 8
