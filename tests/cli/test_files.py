"""Finding files, and every kind of bad input: each reported, the rest still linted."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from tests.cli.conftest import IMPORT_TIME, write


def _files(out: str) -> list[str]:
    return sorted({line.split(":")[0] for line in out.splitlines() if ":" in line and " PRN" in line})


def test_recursive_discovery_of_py_and_pyi(run, tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "a.py", IMPORT_TIME)
    write(tmp_path / "pkg" / "sub" / "b.pyi", IMPORT_TIME)
    write(tmp_path / "pkg" / "notes.txt", IMPORT_TIME)
    result = run("--output-format", "concise")
    assert _files(result.out) == ["pkg/a.py", "pkg/sub/b.pyi"]


def test_default_excludes_and_gitignore(run, tmp_path: Path) -> None:
    for folder in (".venv", "venv", "build", "dist", "node_modules", ".tox", ".nox", "__pycache__", ".git"):
        write(tmp_path / folder / "x.py", IMPORT_TIME)
    write(tmp_path / ".gitignore", "generated/\n*_pb2.py\n!keep_pb2.py\n")
    (tmp_path / ".git").mkdir(exist_ok=True)
    write(tmp_path / "generated" / "g.py", IMPORT_TIME)
    write(tmp_path / "api_pb2.py", IMPORT_TIME)
    write(tmp_path / "keep_pb2.py", IMPORT_TIME)
    write(tmp_path / "sub" / ".gitignore", "local.py\n")
    write(tmp_path / "sub" / "local.py", IMPORT_TIME)
    write(tmp_path / "sub" / "shared.py", IMPORT_TIME)
    result = run("--output-format", "concise", ".")
    assert _files(result.out) == ["keep_pb2.py", "sub/shared.py"]


def test_exclude_options_and_explicit_paths(run, tmp_path: Path) -> None:
    write(tmp_path / "a.py", IMPORT_TIME)
    write(tmp_path / "skip" / "b.py", IMPORT_TIME)
    assert _files(run("--output-format", "concise", "--extend-exclude", "skip", ".").out) == ["a.py"]
    # --exclude replaces the defaults: .venv is linted again.
    write(tmp_path / ".venv" / "c.py", IMPORT_TIME)
    assert _files(run("--output-format", "concise", "--exclude", "skip", ".").out) == [".venv/c.py", "a.py"]
    # A file named explicitly is linted even though excluded, unless --force-exclude.
    assert _files(run("--output-format", "concise", "--extend-exclude", "skip", "skip/b.py").out) == ["skip/b.py"]
    forced = run("--output-format", "concise", "--extend-exclude", "skip", "--force-exclude", "skip/b.py")
    assert _files(forced.out) == [] and forced.status == 0


def test_missing_path_is_an_error_and_others_still_run(run, tmp_path: Path) -> None:
    write(tmp_path / "a.py", IMPORT_TIME)
    result = run("--output-format", "concise", "a.py", "missing.py")
    assert result.status == 2
    assert "missing.py:1:1: E902 cannot read: no such file or directory" in result.out
    assert "a.py:3:7: PRN001" in result.out


def test_syntax_error(run, tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "import jax\ndef f(:\n    return jax.random.key(0)\n")
    write(tmp_path / "a.py", IMPORT_TIME)
    result = run("--output-format", "concise", ".")
    assert result.status == 2
    line = next(line for line in result.out.splitlines() if line.startswith("broken.py"))
    assert line.startswith("broken.py:2:") and "E999 syntax error" in line
    assert "a.py:3:7: PRN001" in result.out


def test_syntax_error_in_file_no_rule_can_concern_is_not_parsed(run, tmp_path: Path) -> None:
    # Documented trade-off: files without the rules' words are never parsed,
    # so prnglint is not a syntax checker for them.
    write(tmp_path / "broken.py", "def f(:\n    pass\n")
    assert run(".").status == 0


def test_non_utf8_file(run, tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"import jax\nname = '\xe9'\nKEY = jax.random.key(0)\n")
    result = run("--output-format", "concise", "latin.py")
    assert result.status == 2
    assert "latin.py:1:1: E902 cannot read: not valid utf-8" in result.out


def test_latin1_with_coding_cookie_is_fine(run, tmp_path: Path) -> None:
    (tmp_path / "cookie.py").write_bytes(b"# -*- coding: latin-1 -*-\nimport jax\nname = '\xe9'\nKEY = jax.random.key(0)\n")
    result = run("--output-format", "concise", "cookie.py")
    assert result.status == 1
    assert result.out.startswith("cookie.py:4:7: PRN001")


def test_bom_and_crlf(run, tmp_path: Path) -> None:
    text = "import jax\r\n\r\nKEY = jax.random.key(0)\r\n"
    (tmp_path / "bom.py").write_bytes(codecs.BOM_UTF8 + text.encode())
    result = run("--output-format", "concise", "bom.py")
    assert result.status == 1
    assert result.out.startswith("bom.py:3:7: PRN001")
    full = run("bom.py")
    assert "KEY = jax.random.key(0)\r" not in full.out


def test_binary_file_named_py(run, tmp_path: Path) -> None:
    (tmp_path / "blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00jax random")
    write(tmp_path / "a.py", IMPORT_TIME)
    result = run("--output-format", "concise", ".")
    assert result.status == 2
    assert "blob.py:1:1: E902 cannot read: binary file" in result.out
    assert "a.py:3:7: PRN001" in result.out


def test_empty_file(run, tmp_path: Path) -> None:
    (tmp_path / "empty.py").write_bytes(b"")
    result = run("empty.py")
    assert result.status == 0


def test_unreadable_file(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path / "secret.py", IMPORT_TIME)
    write(tmp_path / "a.py", IMPORT_TIME)
    if os.geteuid() == 0:
        # root reads any file whatever its mode; make opening this one fail as it would for a user.
        original = os.open

        def refusing_open(path, flags, *args, **kwargs):
            if os.fspath(path).endswith("secret.py"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return original(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    else:
        target.chmod(0)
    result = run("--output-format", "concise", ".")
    assert result.status == 2
    assert "secret.py:1:1: E902 cannot read: permission denied" in result.out
    assert "a.py:3:7: PRN001" in result.out


def test_directory_named_py_given_explicitly(run, tmp_path: Path) -> None:
    (tmp_path / "odd.py").mkdir()
    write(tmp_path / "odd.py" / "inner.py", IMPORT_TIME)
    result = run("--output-format", "concise", "odd.py")
    assert _files(result.out) == ["odd.py/inner.py"]


def test_standard_input(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(IMPORT_TIME.lstrip().encode())))
    result = run("--output-format", "concise", "--stdin-filename", "pkg/mod.py", "-")
    assert result.status == 1
    assert result.out.startswith("pkg/mod.py:3:7: PRN001")


@pytest.mark.parametrize(
    "patterns",
    [
        ["build", "*_pb2.py"],
        ["src/gen/**", "docs/*.py"],
        ["[bd]*", "./src/keep/x.py"],
        ["gen", "src/*/deep"],
        ["src", "?.py"],
    ],
)
@pytest.mark.parametrize("start", [".", "src", "src/gen"])
def test_walk_excludes_exactly_what_glob_match_excludes(tmp_path: Path, patterns: list[str], start: str) -> None:
    """The walk tests only each new path component against component patterns (the
    folders above passed on the way in); the result must equal testing the
    whole relative path of the file and of every folder above it against every
    pattern (a matching folder excludes what lies below it). The start folder
    and those above it are never tested: excludes apply below the paths given."""
    from prnglint.files import discover, glob_match

    names = [
        "a.py", "b.py", "x.py", "api_pb2.py", "build/a.py", "docs/a.py", "docs/sub/b.py", "src/a.py",
        "src/gen/a.py", "src/gen/deep/b.py", "src/keep/x.py", "src/keep/deep/c.py", "src/build/d.py",
        "src/gen/gen/e.py", "dist2/f.py",
    ]  # fmt: skip
    for name in names:
        write(tmp_path / name, "x = 1\n")
    found, missing = discover([tmp_path / start], patterns, tmp_path)
    assert missing == []
    below = tmp_path / start
    start_depth = 0 if start == "." else start.count("/") + 1
    expected = sorted(
        tmp_path / name
        for name in names
        if (tmp_path / name).is_relative_to(below)
        and not any(
            # A component pattern is tested on the folders and file below the start only.
            glob_match("/".join(name.split("/")[:depth]) if "/" in pattern else name.split("/")[depth - 1], pattern)
            for depth in range(start_depth + 1, name.count("/") + 2)
            for pattern in patterns
        )
    )
    assert sorted(f.path.resolve() for f in found) == expected
