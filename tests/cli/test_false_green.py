"""Never a false green: every run that checked nothing, or could not read its
configuration, says so. Each test runs `prnglint` as a user does: a separate
process on a real folder, and asserts the exit status and the message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import CLEAN, IMPORT_TIME, NO_WRT, write


def prnglint(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m prnglint ARGS` in `cwd` outside any CI environment."""
    environment = {k: v for k, v in os.environ.items() if k not in ("GITHUB_WORKSPACE", "FORCE_COLOR", "NO_COLOR")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "prnglint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        input=stdin,
        timeout=120,
    )


# --- explicit paths are linted -------------------------------------------------------


@pytest.mark.parametrize("folder", ["build", "dist", "venv", ".venv", "node_modules", "__pycache__"])
def test_a_path_named_on_the_command_line_is_linted_under_an_excluded_name(tmp_path: Path, folder: str) -> None:
    write(tmp_path / folder / "pkg" / "mod.py", IMPORT_TIME)
    result = prnglint("--no-cache", "--output-format", "concise", f"{folder}/pkg", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"{folder}/pkg/mod.py:3:7: PRN001" in result.stdout


def test_an_absolute_path_below_a_folder_named_build_is_linted(tmp_path: Path) -> None:
    # A CI workspace such as /build/ws/...: the folders above the path never exclude it.
    workspace = tmp_path / "build" / "ws"
    write(workspace / "src" / "mod.py", IMPORT_TIME)
    for cwd in (workspace, tmp_path):
        result = prnglint("--no-cache", "--output-format", "concise", str(workspace / "src"), cwd=cwd)
        assert result.returncode == 1, result.stderr
        assert "mod.py:3:7: PRN001" in result.stdout
    result = prnglint("--no-cache", "--output-format", "concise", ".", cwd=workspace)
    assert result.returncode == 1 and "src/mod.py:3:7: PRN001" in result.stdout


def test_default_excludes_still_apply_below_the_paths_given(tmp_path: Path) -> None:
    write(tmp_path / "src" / "build" / "gen.py", IMPORT_TIME)
    write(tmp_path / "src" / "ok.py", CLEAN)
    result = prnglint("--no-cache", "--output-format", "concise", "src", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "All checks passed!" in result.stdout


def test_force_exclude_with_an_explicit_exclude_skips_a_named_folder(tmp_path: Path) -> None:
    write(tmp_path / "build" / "pkg" / "mod.py", IMPORT_TIME)
    result = prnglint("--no-cache", "--force-exclude", "--extend-exclude", "pkg", "build/pkg", cwd=tmp_path)
    assert result.returncode == 0
    assert "No Python files found under build/pkg" in result.stderr


# --- nothing to lint is said ------------------------------------------------------------


def test_a_run_that_finds_no_file_warns_and_never_says_all_checks_passed(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "notes.txt", "not python\n")
    result = prnglint("--no-cache", "empty", cwd=tmp_path)
    assert result.returncode == 0
    assert "warning: No Python files found under empty" in result.stderr
    assert "All checks passed!" not in result.stdout
    assert "No files were checked." in result.stdout
    strict = prnglint("--no-cache", "--error-on-no-files", "empty", cwd=tmp_path)
    assert strict.returncode == 2
    assert "error: No Python files found under empty" in strict.stderr


def test_show_files_lists_what_would_be_linted(tmp_path: Path) -> None:
    write(tmp_path / "a.py", CLEAN)
    write(tmp_path / "pkg" / "b.pyi", CLEAN)
    write(tmp_path / "build" / "c.py", CLEAN)
    result = prnglint("--show-files", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["a.py", "pkg/b.pyi"]


def test_show_settings_prints_the_resolved_configuration_and_its_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nignore = ["PRN001"]\noutput-format = "concise"\n')
    write(tmp_path / "a.py", CLEAN)
    result = prnglint("--show-settings", "--extend-select", "PRN005", "a.py", cwd=tmp_path)
    assert result.returncode == 0
    assert f"# Configuration file: {tmp_path / 'pyproject.toml'}" in result.stdout
    assert 'ignore = ["PRN001"]' in result.stdout
    assert 'extend-select = ["PRN005"]' in result.stdout
    assert 'output-format = "concise"' in result.stdout
    assert "non-consuming-functions = []" in result.stdout
    enabled = next(line for line in result.stdout.splitlines() if line.startswith("# Enabled rules:"))
    assert "PRN005" in enabled and "PRN001" not in enabled
    isolated = prnglint("--show-settings", "--isolated", "a.py", cwd=tmp_path)
    assert "# Configuration file: none (--isolated)" in isolated.stdout
    assert "ignore = []" in isolated.stdout


# --- a broken configuration is an error ---------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[tool.prnglint\nselect = 1\n", "invalid TOML"),
        ("[tool]\n", None),
        ("tool = 1\n", "`tool` must be a table, not an integer"),
        ("[tool]\nprnglint = 1\n", "`tool.prnglint` must be a table, not an integer"),
        ('[tool]\nprnglint = "PRN001"\n', "`tool.prnglint` must be a table, not a string"),
        ("[tool.prnglint]\nfix = 1\n", "`fix` must be a boolean, not an integer"),
        ('[tool.prnglint]\noutput-format = "fancy"\n', "`output-format` must be one of"),
    ],
)
def test_a_discovered_pyproject_that_cannot_be_used_is_an_error(tmp_path: Path, toml: str, message: str | None) -> None:
    write(tmp_path / "pyproject.toml", toml)
    write(tmp_path / "src" / "a.py", IMPORT_TIME)
    result = prnglint("--no-cache", "src", cwd=tmp_path)
    if message is None:
        # An empty [tool] table is simply no configuration.
        assert result.returncode == 1 and "PRN001" in result.stdout
        return
    assert result.returncode == 2, result.stdout
    assert str(tmp_path / "pyproject.toml") in result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_invalid_toml_in_an_unrelated_looking_pyproject_is_still_an_error(tmp_path: Path) -> None:
    # The broken file may be the configuration meant for these files: linting
    # without it would be a false green (ruff refuses it too).
    write(tmp_path / "pyproject.toml", '[project]\nname = "x\n')
    write(tmp_path / "a.py", CLEAN)
    result = prnglint("--no-cache", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml: invalid TOML" in result.stderr


@pytest.mark.parametrize("entry", ["mylib.utils.", "log key", "mylib.*", "mylib.log_key()", "mylib.class.f", ""])
def test_a_non_consuming_function_that_can_never_match_is_an_error(tmp_path: Path, entry: str) -> None:
    write(tmp_path / "pyproject.toml", f'[tool.prnglint]\nnon-consuming-functions = ["mylib.ok", "{entry}"]\n')
    write(tmp_path / "a.py", CLEAN)
    result = prnglint("--no-cache", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "non-consuming-functions" in result.stderr and f"`{entry}`" in result.stderr
    assert "can never match" in result.stderr


def test_a_nested_broken_pyproject_is_an_error_too(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nignore = ["PRN004"]\n')
    write(tmp_path / "sub" / "pyproject.toml", "[tool.prnglint\n")
    write(tmp_path / "sub" / "a.py", IMPORT_TIME)
    result = prnglint("--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / 'sub' / 'pyproject.toml'}: invalid TOML" in result.stderr


# --- ruff's habits ------------------------------------------------------------------------


def _codes(stdout: str) -> list[str]:
    return sorted(line.split()[1] for line in stdout.splitlines() if ".py:" in line)


def test_paths_after_options_and_repeated_selectors_accumulate(tmp_path: Path) -> None:
    write(tmp_path / "src" / "a.py", IMPORT_TIME + NO_WRT)
    write(tmp_path / "tests" / "b.py", IMPORT_TIME)
    result = prnglint("--no-cache", "src", "--select", "PRN001", "tests", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert _codes(result.stdout) == ["PRN001", "PRN001"]
    both = prnglint("--no-cache", "-o", "out.txt", "--select", "PRN001", "--select", "PRN004", "--output-format=concise", "src", cwd=tmp_path)
    assert both.returncode == 1 and _codes((tmp_path / "out.txt").read_text()) == ["PRN001", "PRN004"]
    ignored = prnglint("--no-cache", "--ignore", "PRN001", "--ignore", "PRN004", "src", "-e", cwd=tmp_path)
    assert ignored.returncode == 0 and "All checks passed!" in ignored.stdout
    exit_zero = prnglint("-n", "-e", "src", cwd=tmp_path)
    assert exit_zero.returncode == 0 and "Found 2 findings." in exit_zero.stdout


def test_stdin_filename_reads_standard_input_without_a_dash(tmp_path: Path) -> None:
    result = prnglint("--output-format", "concise", "--stdin-filename", "pkg/mod.py", cwd=tmp_path, stdin=IMPORT_TIME.lstrip())
    assert result.returncode == 1
    assert result.stdout.startswith("pkg/mod.py:3:7: PRN001")


def test_color_option_and_force_color(tmp_path: Path) -> None:
    write(tmp_path / "a.py", IMPORT_TIME)
    escape = "\x1b["
    assert escape in prnglint("-n", "--color", "always", "a.py", cwd=tmp_path).stdout
    assert escape not in prnglint("-n", "--color", "never", "a.py", cwd=tmp_path, env={"FORCE_COLOR": "1"}).stdout
    assert escape in prnglint("-n", "a.py", cwd=tmp_path, env={"FORCE_COLOR": "1"}).stdout
    assert escape not in prnglint("-n", "a.py", cwd=tmp_path).stdout


def test_quiet_and_silent(tmp_path: Path) -> None:
    write(tmp_path / "a.py", IMPORT_TIME)
    quiet = prnglint("-n", "-q", "--output-format", "concise", "a.py", cwd=tmp_path)
    assert quiet.returncode == 1
    assert quiet.stdout.splitlines() == [line for line in quiet.stdout.splitlines() if "PRN001" in line] != []
    silent = prnglint("-n", "-s", "a.py", cwd=tmp_path)
    assert (silent.returncode, silent.stdout, silent.stderr) == (1, "", "")


def test_help_shows_check_exit_codes_and_every_output_format(tmp_path: Path) -> None:
    result = prnglint("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "prnglint [check]" in result.stdout
    for text in ("exit status:", "0  nothing to report", "1  findings", "2  a usage or configuration error"):
        assert text in result.stdout
    for name in ("full", "concise", "json", "json-lines", "github", "sarif"):
        assert f"\n  {name} " in result.stdout, name
    assert prnglint("check", "--help", cwd=tmp_path).stdout == result.stdout


def test_rule_all_and_json_listings(tmp_path: Path) -> None:
    import json

    from prnglint.registry import rule_infos

    codes = [rule.code for rule in rule_infos()]
    every = prnglint("rule", "--all", cwd=tmp_path)
    assert every.returncode == 0
    assert all(f"({code})" in every.stdout for code in codes)
    one = json.loads(prnglint("rule", "PRN002", "--output-format", "json", cwd=tmp_path).stdout)
    assert one["code"] == "PRN002" and one["name"] == "key-in-default" and "## What it does" in one["explanation"]
    listed = json.loads(prnglint("rules", "--output-format", "json", cwd=tmp_path).stdout)
    assert [item["code"] for item in listed] == codes
    assert {"code", "name", "summary", "fix", "default_enabled", "url"} <= set(listed[0])
    neither = prnglint("rule", cwd=tmp_path)
    assert neither.returncode == 2 and "either a rule code or --all" in neither.stderr


def test_configuration_keys_for_the_run(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\noutput-format = "concise"\nfix = true\nshow-fixes = true\n')
    path = write(tmp_path / "opt.py", NO_WRT)
    result = prnglint("-n", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrt=nnx.Param" in path.read_text()
    assert "PRN004 (optimizer-without-wrt)" in result.stderr
    assert "Found 1 finding (1 fixed, 0 remaining)." in result.stdout
    write(tmp_path / "opt.py", NO_WRT)
    # The command line wins over the configuration.
    result = prnglint("-n", "--no-fix", "--output-format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("[")
    assert "wrt=" not in path.read_text()


def test_unsafe_fixes_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.prnglint]\nunsafe-fixes = true\n")
    path = write(tmp_path / "m.py", "import jax\n\ndef f(x, key=jax.random.key(0)):\n    return jax.random.normal(key)\n")
    result = prnglint("-n", "--fix", "m.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "def f(x, *, key):" in path.read_text()


def test_nested_configuration_applies_below_it_and_isolated_ignores_all(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.prnglint]\nignore = ["PRN004"]\n')
    write(tmp_path / "lib" / "pyproject.toml", '[tool.prnglint]\nignore = ["PRN001"]\n')
    write(tmp_path / "a.py", IMPORT_TIME + NO_WRT)
    write(tmp_path / "lib" / "b.py", IMPORT_TIME + NO_WRT)
    result = prnglint("-n", "--output-format", "concise", ".", cwd=tmp_path)
    assert result.returncode == 1
    found = sorted(line.split(": ")[0].split(":")[0] + " " + line.split()[1] for line in result.stdout.splitlines() if ".py:" in line)
    assert found == ["a.py PRN001", "lib/b.py PRN004"]
    # Named directly, the nested file still gets its own configuration.
    direct = prnglint("-n", "--output-format", "concise", "lib/b.py", cwd=tmp_path)
    assert _codes(direct.stdout) == ["PRN004"]
    # --config gives every file the one configuration; --isolated none.
    assert _codes(prnglint("-n", "--output-format", "concise", "--config", "pyproject.toml", ".", cwd=tmp_path).stdout) == ["PRN001", "PRN001"]
    assert _codes(prnglint("-n", "--output-format", "concise", "--isolated", ".", cwd=tmp_path).stdout) == ["PRN001", "PRN001", "PRN004", "PRN004"]


def test_github_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pkg" / "opt.py", NO_WRT)
    result = prnglint("-n", "--output-format", "github", "opt.py", cwd=tmp_path / "pkg")
    assert result.stdout.startswith("::error file=pkg/opt.py,line=5,")
    elsewhere = tmp_path / "checkout"
    write(elsewhere / "pkg" / "opt.py", NO_WRT)
    result = prnglint("-n", "--output-format", "github", "opt.py", cwd=elsewhere / "pkg", env={"GITHUB_WORKSPACE": str(elsewhere)})
    assert result.stdout.startswith("::error file=pkg/opt.py,line=5,")


def test_fix_summary_reads_as_ruffs(tmp_path: Path) -> None:
    write(tmp_path / "opt.py", NO_WRT)
    write(tmp_path / "a.py", IMPORT_TIME)
    result = prnglint("-n", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "Found 2 findings (1 fixed, 1 remaining)." in result.stdout


# --- unsafe fixes never rebind arguments silently ---------------------------------------------


def test_prn002_fix_keeps_field_order_and_never_rebinds_positional_arguments(tmp_path: Path) -> None:
    write(
        tmp_path / "cfg.py",
        """
        from dataclasses import dataclass, field
        from typing import NamedTuple


        def make_key(seed):
            return seed


        @dataclass
        class Cfg:
            rate: float = 0.5
            steps: int = 10
            key: object = field(default=None)


        class Frozen(NamedTuple):
            rate: float = 0.5
            key: object = None
        """,
    )
    # Real keys in the defaults, so that PRN002 reports them.
    text = (tmp_path / "cfg.py").read_text()
    text = "import jax\n" + text.replace("field(default=None)", "field(default=jax.random.key(0))").replace(
        "key: object = None", "key: object = jax.random.key(1)"
    )
    (tmp_path / "cfg.py").write_text(text)
    result = prnglint("-n", "--fix", "--unsafe-fixes", "--select", "PRN002", "--output-format", "concise", "cfg.py", cwd=tmp_path)
    fixed = (tmp_path / "cfg.py").read_text()
    # The dataclass field stays last and becomes keyword-only; `field` keeps its new use.
    assert "    steps: int = 10\n    key: object = field(kw_only=True)\n" in fixed
    # The NamedTuple cannot do that: no fix, the finding remains.
    assert "    key: object = jax.random.key(1)\n" in fixed
    assert result.returncode == 1
    assert "Found 2 findings (1 fixed, 1 remaining)." in result.stdout
    check = subprocess.run(
        [sys.executable, "-c", "import cfg\ntry:\n    cfg.Cfg(0.5, 10, 'k')\nexcept TypeError:\n    print('refused')\nprint(cfg.Cfg(0.1, 3, key='k'))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines() == ["refused", "Cfg(rate=0.1, steps=3, key='k')"]
