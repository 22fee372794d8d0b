"""Strict suppressions, PRN100 (unused) and PRN101 (invalid), and --add-noqa,
run as a user runs them: `prnglint` in a separate process on a real folder."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import IMPORT_TIME, NO_WRT, write
from tests.cli.test_false_green import prnglint


def _findings(stdout: str) -> list[tuple[int, str]]:
    return sorted((item["location"]["row"], item["code"]) for item in json.loads(stdout))


def test_a_file_level_noqa_after_code_suppresses_its_line_only_and_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "m.py", "import jax\n\nKEY = jax.random.key(0)  # prnglint: noqa\nOTHER = jax.random.key(1)\n")
    result = prnglint("-n", "--output-format", "json", "m.py", cwd=tmp_path)
    assert result.returncode == 1
    assert _findings(result.stdout) == [(3, "PRN101"), (4, "PRN001")]
    [misplaced] = [item for item in json.loads(result.stdout) if item["code"] == "PRN101"]
    assert "only on a line of its own" in misplaced["message"]
    own_line = prnglint("-n", "m.py", cwd=write(tmp_path / "n" / "m.py", "# prnglint: noqa\n" + IMPORT_TIME).parents[0])
    assert own_line.returncode == 0 and "All checks passed!" in own_line.stdout


def test_ignore_file_after_code_is_a_line_suppression(tmp_path: Path) -> None:
    write(tmp_path / "m.py", "import jax\n\nKEY = jax.random.key(0)  # prnglint: ignore-file[PRN001]\nK2 = jax.random.key(1)\n")
    result = prnglint("-n", "--output-format", "json", "m.py", cwd=tmp_path)
    assert result.returncode == 1
    assert _findings(result.stdout) == [(3, "PRN101"), (4, "PRN001")]


def test_an_unknown_code_is_reported_and_suppresses_nothing(tmp_path: Path) -> None:
    write(tmp_path / "m.py", "import jax\n\nKEY = jax.random.key(0)  # noqa: PRN999\nK2 = jax.random.key(1)  # prnglint: ignore[E501]\n")
    result = prnglint("-n", "--output-format", "concise", "m.py", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "m.py:3:7: PRN001" in "\n".join(lines)
    assert any("m.py:3:26: PRN101 `PRN999` in `# noqa: PRN999` names no prnglint rule" in line for line in lines)
    assert any("PRN101 `E501` in `# prnglint: ignore[E501]` names no prnglint rule" in line for line in lines)
    # Other tools' codes in a plain noqa are theirs.
    write(tmp_path / "ok.py", "x = compute()  # noqa: E501, F401\n")
    assert prnglint("-n", "ok.py", cwd=tmp_path).returncode == 0


def test_file_level_noqa_with_codes_suppresses_only_those(tmp_path: Path) -> None:
    write(tmp_path / "m.py", "# prnglint: noqa: PRN001\n" + IMPORT_TIME.lstrip() + NO_WRT)
    result = prnglint("-n", "--output-format", "json", "m.py", cwd=tmp_path)
    assert result.returncode == 1
    assert [code for _, code in _findings(result.stdout)] == ["PRN004"]


def test_unused_suppression_is_off_by_default_and_its_fix_removes_it(tmp_path: Path) -> None:
    code = (
        "import jax\n"
        "\n"
        "KEY = jax.random.key(0)  # noqa: PRN001\n"
        "\n"
        "def init(seed):\n"
        "    return jax.random.key(seed)  # noqa: E501, PRN001\n"
        "\n"
        "def other(seed):\n"
        "    return seed  # prnglint: ignore[PRN003]\n"
    )
    path = write(tmp_path / "m.py", code)
    assert prnglint("-n", "m.py", cwd=tmp_path).returncode == 0
    result = prnglint("-n", "--extend-select", "PRN100", "--output-format", "json", "m.py", cwd=tmp_path)
    assert result.returncode == 1
    assert _findings(result.stdout) == [(6, "PRN100"), (9, "PRN100")]
    fixed = prnglint("-n", "--extend-select", "PRN100", "--fix", "m.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    assert "Found 2 findings (2 fixed, 0 remaining)." in fixed.stdout
    text = path.read_text()
    assert "KEY = jax.random.key(0)  # noqa: PRN001\n" in text
    assert "    return jax.random.key(seed)  # noqa: E501\n" in text
    assert "    return seed\n" in text
    again = prnglint("-n", "--extend-select", "PRN100", "m.py", cwd=tmp_path)
    assert again.returncode == 0 and "All checks passed!" in again.stdout


def test_add_noqa_makes_a_legacy_codebase_lint_clean(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "a.py", IMPORT_TIME + NO_WRT)
    write(
        tmp_path / "pkg" / "b.py",
        'import jax\n\nDOC = jax.random.key(len("""two\nlines"""))\nX = jax.random.key(0)  # noqa: E501\n',
    )
    write(tmp_path / "pkg" / "clean.py", "x = 1\n")
    before = prnglint("-n", "--output-format", "json", "pkg", cwd=tmp_path)
    assert before.returncode == 1 and len(json.loads(before.stdout)) == 4
    added = prnglint("-n", "--add-noqa", "pkg", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "Added 4 noqa directives in 2 files." in added.stderr
    b = (tmp_path / "pkg" / "b.py").read_text()
    assert 'lines"""))  # noqa: PRN001\n' in b
    assert "X = jax.random.key(0)  # noqa: E501, PRN001\n" in b
    for name in ("a.py", "b.py"):
        compile((tmp_path / "pkg" / name).read_text(), name, "exec")
    after = prnglint("-n", "--extend-select", "PRN100", "pkg", cwd=tmp_path)
    assert after.returncode == 0, after.stdout
    assert "All checks passed!" in after.stdout
    assert (tmp_path / "pkg" / "clean.py").read_text() == "x = 1\n"
