"""`prnglint [check]`: selection, output, exit status, suppression and configuration."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import CLEAN, IMPORT_TIME, NO_WRT, write

ANSI = re.compile(r"\x1b\[")


def test_clean_file_exits_zero(run, tmp_path: Path) -> None:
    write(tmp_path / "ok.py", CLEAN)
    result = run("ok.py")
    assert result.status == 0
    assert "All checks passed!" in result.out


def test_finding_exits_one_with_concise_line(run, tmp_path: Path) -> None:
    write(tmp_path / "bad.py", IMPORT_TIME)
    result = run("--output-format", "concise", "bad.py")
    assert result.status == 1
    first = result.out.splitlines()[0]
    assert first.startswith("bad.py:3:7: PRN001 `jax.random.key` makes a key at import time")


def test_full_output_shows_source_caret_and_hint(run, tmp_path: Path) -> None:
    write(tmp_path / "opt.py", NO_WRT)
    result = run("opt.py")
    assert result.status == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("opt.py:5:12: PRN004 [*]")
    source_line = next(line for line in lines if "nnx.Optimizer(model" in line and "|" in line)
    caret_line = lines[lines.index(source_line) + 1]
    # The caret starts under the call and spans it exactly.
    start = source_line.index("nnx.Optimizer")
    assert caret_line.index("^") == start
    assert caret_line.count("^") == len("nnx.Optimizer(model, optax.adam(1e-3))")
    assert any(line.strip().startswith("= help: Add `wrt=nnx.Param`") for line in lines)
    assert "[*] 1 fixable with the `--fix` option." in result.out
    assert not ANSI.search(result.out), "no colour when not a terminal"


def test_color_only_on_terminal_and_never_with_no_color(tmp_path: Path, monkeypatch) -> None:
    import io

    from prnglint import cli

    write(tmp_path / "bad.py", IMPORT_TIME)
    monkeypatch.chdir(tmp_path)

    class FakeTTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    for no_color, expect_ansi in (("", True), ("1", False)):
        fake = FakeTTY()
        monkeypatch.setattr(cli.sys, "stdout", fake)
        monkeypatch.setenv("NO_COLOR", no_color)
        if not no_color:
            monkeypatch.delenv("NO_COLOR")
        assert cli.main(["bad.py"]) == 1
        assert bool(ANSI.search(fake.getvalue())) is expect_ansi


def test_select_ignore_and_prefixes(run, tmp_path: Path) -> None:
    write(tmp_path / "a.py", IMPORT_TIME)
    write(tmp_path / "b.py", NO_WRT)
    codes = lambda r: sorted({line.split()[1] for line in r.out.splitlines() if ".py:" in line})  # noqa: E731
    assert codes(run("--output-format", "concise", ".")) == ["PRN001", "PRN004"]
    assert codes(run("--output-format", "concise", "--select", "PRN004", ".")) == ["PRN004"]
    assert codes(run("--output-format", "concise", "--ignore", "PRN001", ".")) == ["PRN004"]
    assert codes(run("--output-format", "concise", "--ignore", "PRN", ".")) == []
    assert codes(run("--output-format", "concise", "--select", "PRN", "--ignore", "PRN004", ".")) == ["PRN001"]
    assert run("--select", "PRN9", ".").status == 2


def test_exit_zero_and_statistics(run, tmp_path: Path) -> None:
    write(tmp_path / "a.py", IMPORT_TIME + "OTHER = jax.random.key(1)\n")
    write(tmp_path / "b.py", NO_WRT)
    assert run("--exit-zero", ".").status == 0
    result = run("--statistics", ".")
    assert result.status == 1
    rows = [line.split("\t") for line in result.out.splitlines()]
    assert rows[0][:2] == ["    2", "PRN001"]
    assert rows[1][:2] == ["    1", "PRN004"]
    assert rows[1][2].startswith("[*]")


def test_version(run, capsys) -> None:
    import pytest

    from prnglint import __version__

    with pytest.raises(SystemExit) as exit_info:
        run("--version")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"prnglint {__version__}"


def test_rules_and_rule_commands(run) -> None:
    listing = run("rules")
    assert listing.status == 0
    assert re.search(r"^PRN004\s+optimizer-without-wrt\s+safe\s+on", listing.out, re.MULTILINE)
    doc = run("rule", "prn002")
    assert doc.status == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in doc.out
    by_name = run("rule", "import-time-key")
    assert "PRN001" in by_name.out
    unknown = run("rule", "PRN999")
    assert unknown.status == 2
    assert "unknown rule" in unknown.err


def test_unknown_option_is_usage_error(run) -> None:
    result = run("--no-such-option")
    assert result.status == 2
    assert "unrecognized arguments" in result.err


def test_suppression_comments(run, tmp_path: Path) -> None:
    write(
        tmp_path / "s.py",
        """
        import jax

        A = jax.random.key(0)  # noqa
        B = jax.random.key(1)  # noqa: PRN001
        C = jax.random.key(2)  # noqa: PRN004
        D = jax.random.key(3)  # prnglint: ignore[PRN001]
        E = "# noqa"; F = jax.random.key(4)
        """,
    )
    result = run("--output-format", "concise", "s.py")
    rows = [line.split(":")[1] for line in result.out.splitlines() if line.startswith("s.py:")]
    assert rows == ["5", "7"]


def test_file_wide_suppression(run, tmp_path: Path) -> None:
    write(tmp_path / "all.py", "# prnglint: noqa\n" + IMPORT_TIME.lstrip())
    write(tmp_path / "one.py", "# prnglint: ignore-file[PRN001]\n" + IMPORT_TIME.lstrip() + NO_WRT)
    result = run("--output-format", "concise", ".")
    lines = [line for line in result.out.splitlines() if ".py:" in line]
    assert len(lines) == 1 and "one.py" in lines[0] and "PRN004" in lines[0]


def test_columns_count_code_points(run, tmp_path: Path) -> None:
    write(tmp_path / "u.py", 'import jax\nlabel = "ééé"; KEY = jax.random.key(0)\n')
    result = run("--output-format", "concise", "u.py")
    assert result.out.startswith("u.py:2:22: PRN001")


def test_statistics_as_json_and_refused_for_other_machine_formats(run, tmp_path: Path) -> None:
    import json

    write(tmp_path / "a.py", IMPORT_TIME + "OTHER = jax.random.key(1)\n")
    write(tmp_path / "b.py", NO_WRT)
    result = run("--statistics", "--output-format", "json", ".")
    assert result.status == 1
    assert json.loads(result.out) == [
        {"code": "PRN001", "name": "import-time-key", "count": 2, "fixable": False},
        {"code": "PRN004", "name": "optimizer-without-wrt", "count": 1, "fixable": True},
    ]
    refused = run("--statistics", "--output-format", "sarif", ".")
    assert refused.status == 2
    assert "--statistics" in refused.err
