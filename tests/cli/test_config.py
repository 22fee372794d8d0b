"""`[tool.prnglint]` configuration and its errors."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import IMPORT_TIME, NO_WRT, write


def _codes(out: str) -> list[str]:
    return sorted(line.split()[1] for line in out.splitlines() if ".py:" in line)


def test_pyproject_select_and_ignore(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nignore = ["PRN001"]\n')
    write(tmp_path / "src" / "a.py", IMPORT_TIME + NO_WRT)
    result = run("--output-format", "concise", "src")
    assert _codes(result.out) == ["PRN004"]
    # The nearest pyproject is found upward from the first path, not only the cwd.
    result = run("--output-format", "concise", str(tmp_path / "src"), cwd=tmp_path.parent)
    assert _codes(result.out) == ["PRN004"]


def test_command_line_extends_config(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nselect = ["PRN004"]\n')
    write(tmp_path / "a.py", IMPORT_TIME + NO_WRT)
    assert _codes(run("--output-format", "concise", ".").out) == ["PRN004"]
    assert _codes(run("--output-format", "concise", "--extend-select", "PRN001", ".").out) == ["PRN001", "PRN004"]


def test_per_file_ignores(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint.per-file-ignores]\n"tests/*" = ["PRN001"]\n"conftest.py" = ["PRN"]\n')
    write(tmp_path / "tests" / "t.py", IMPORT_TIME)
    write(tmp_path / "conftest.py", IMPORT_TIME)
    write(tmp_path / "lib.py", IMPORT_TIME)
    result = run("--output-format", "concise", ".")
    assert [line.split(":")[0] for line in result.out.splitlines() if ".py:" in line] == ["lib.py"]


def test_exclude_in_config(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nextend-exclude = ["generated"]\n')
    write(tmp_path / "generated" / "g.py", IMPORT_TIME)
    write(tmp_path / "ok.py", "x = 1\n")
    assert run(".").status == 0


def test_unknown_key_is_an_error_naming_it(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nselekt = ["PRN001"]\n')
    write(tmp_path / "a.py", "x = 1\n")
    result = run(".")
    assert result.status == 2
    assert "selekt" in result.err and "pyproject.toml" in result.err


def test_unknown_code_is_an_error_naming_it(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nignore = ["PRN042"]\n')
    write(tmp_path / "a.py", "x = 1\n")
    result = run(".")
    assert result.status == 2
    assert "PRN042" in result.err


def test_wrong_type_and_bad_toml(run, tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nselect = "PRN001"\n')
    write(tmp_path / "a.py", "x = 1\n")
    result = run(".")
    assert result.status == 2 and "must be a list" in result.err
    write(tmp_path / "bad.toml", "select = [\n")
    result = run("--config", "bad.toml", ".")
    assert result.status == 2 and "invalid TOML" in result.err


def test_explicit_config_file(run, tmp_path: Path) -> None:
    write(tmp_path / "prnglint.toml", 'select = ["PRN004"]\n')
    write(tmp_path / "a.py", IMPORT_TIME + NO_WRT)
    assert _codes(run("--output-format", "concise", "--config", "prnglint.toml", ".").out) == ["PRN004"]
    missing = run("--config", "nope.toml", ".")
    assert missing.status == 2 and "nope.toml" in missing.err
