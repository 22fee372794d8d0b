"""The result cache: hits, misses, invalidation, damaged entries, concurrent runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prnglint import cache as cache_module
from prnglint import runner
from prnglint.cache import CACHE_DIR_NAME, Cache
from prnglint.config import Settings
from prnglint.files import FoundFile
from prnglint.runner import lint_files
from tests.cli.conftest import CLEAN, IMPORT_TIME, NO_WRT, write

UNRELATED = """
def add(a, b):
    return a + b
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "bad.py", IMPORT_TIME)
    write(tmp_path / "ok.py", CLEAN)
    write(tmp_path / "opt.py", NO_WRT)
    write(tmp_path / "plain.py", UNRELATED)
    return tmp_path


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the engine actually lints (not answered by the filter or the cache)."""
    names: list[str] = []
    real = runner._lint_one

    def spy(name, kind, payload, rules, options):
        names.append(Path(name).name)
        return real(name, kind, payload, rules, options)

    monkeypatch.setattr(runner, "_lint_one", spy)
    return names


def _lint(project: Path, settings: Settings | None = None, directory: Path | None = None) -> tuple[list, Cache]:
    settings = settings or Settings(root=project)
    cache = Cache(directory or project / CACHE_DIR_NAME, settings.fingerprint())
    files = [FoundFile(path, explicit=False) for path in sorted(project.glob("*.py"))]
    results = lint_files(files, settings, cache=cache)
    return [(r.path.name, r.diagnostics) for r in results], cache


def _entries(project: Path) -> list[Path]:
    return sorted(p for p in (project / CACHE_DIR_NAME).rglob("*") if p.is_file() and p.parent.name != CACHE_DIR_NAME)


def test_second_run_is_answered_by_the_cache(project: Path, linted: list[str]) -> None:
    first, cold = _lint(project)
    # plain.py mentions no JAX: the word filter answers it, it needs no entry.
    assert sorted(linted) == ["bad.py", "ok.py", "opt.py"]
    assert (cold.hits, cold.misses) == (0, 3)
    linted.clear()
    second, warm = _lint(project)
    assert linted == []
    assert (warm.hits, warm.misses) == (3, 0)
    assert second == first
    assert any(d.code == "PRN001" for name, ds in first if name == "bad.py" for d in ds)


def test_cache_folder_is_tagged_and_ignored_by_git(project: Path, run) -> None:
    assert run("--output-format", "concise", ".").status == 1
    folder = project / CACHE_DIR_NAME
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert "*" in (folder / ".gitignore").read_text().splitlines()
    assert len(_entries(project)) == 3


def test_content_change_misses_only_that_file(project: Path, linted: list[str]) -> None:
    _lint(project)
    linted.clear()
    write(project / "ok.py", CLEAN + "\nKEY = jax.random.key(1)\n")
    results, cache = _lint(project)
    assert linted == ["ok.py"]
    assert (cache.hits, cache.misses) == (2, 1)
    assert any(d.code == "PRN001" for name, ds in results if name == "ok.py" for d in ds)


def test_version_change_misses(project: Path, linted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _lint(project)
    linted.clear()
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    _, cache = _lint(project)
    assert sorted(linted) == ["bad.py", "ok.py", "opt.py"]
    assert cache.hits == 0


def test_rule_source_change_misses(project: Path, linted: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _lint(project)
    linted.clear()
    monkeypatch.setattr(cache_module, "_sources_digest", lambda: "edited")
    _, cache = _lint(project)
    assert cache.hits == 0 and len(linted) == 3


@pytest.mark.parametrize(
    "change",
    [
        {"ignore": ["PRN004"]},
        {"extend_select": ["PRN005"]},
        {"per_file_ignores": {"bad.py": ["PRN001"]}},
    ],
    ids=["ignore", "extend-select", "per-file-ignores"],
)
def test_settings_change_misses(project: Path, linted: list[str], change: dict) -> None:
    _lint(project)
    linted.clear()
    _, cache = _lint(project, Settings(root=project, **change))
    # Every file the new settings still lint is linted again (opt.py drops out
    # of the word filter when PRN004 is ignored).
    assert cache.hits == 0
    assert {"bad.py", "ok.py"} <= set(linted)


def test_rule_option_change_misses(project: Path) -> None:
    settings = Settings(root=project)
    other = Settings(root=project, rule_options={"some-option": 1})
    assert Cache(project, settings.fingerprint()).key(b"x", ["PRN001"]) != Cache(project, other.fingerprint()).key(
        b"x", ["PRN001"]
    )


def test_same_settings_same_key_and_rules_are_part_of_it(project: Path) -> None:
    settings = Settings(root=project)
    one = Cache(project / "a", settings.fingerprint())
    two = Cache(project / "b", settings.fingerprint())
    assert one.key(b"data", ["PRN001", "PRN002"]) == two.key(b"data", ["PRN002", "PRN001"])
    assert one.key(b"data", ["PRN001"]) != one.key(b"data", ["PRN001", "PRN002"])
    assert one.key(b"data", ["PRN001"]) != one.key(b"data!", ["PRN001"])


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b'["prnglint-cache", 1, [["PRN001", "m"',
        b'["prnglint-cache", 1, [["PRN001"]]]',
        b'["prnglint-cache", 1, [["PRN001", "m", "1", 1, 1, 1, null, null]]]',
        b'["prnglint-cache", 1, [["PRN001", "m", 1, 1, 1, 1, ["bogus", "x", []], null]]]',
        b'["prnglint-cache", 1, {"not": "a list"}]',
        b'["another-tool", 1, []]',
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ],
    ids=["empty", "binary", "truncated", "short-row", "wrong-type", "bad-fix", "not-rows", "foreign", "deep"],
)
def test_damaged_entry_is_ignored_and_rewritten(project: Path, linted: list[str], damage: bytes) -> None:
    reference, _ = _lint(project)
    for entry in _entries(project):
        entry.write_bytes(damage)
    linted.clear()
    results, cache = _lint(project)
    assert results == reference
    assert cache.hits == 0 and sorted(linted) == ["bad.py", "ok.py", "opt.py"]
    for entry in _entries(project):
        magic, version, rows, dependencies = json.loads(entry.read_bytes())
        assert (magic, version) == ("prnglint-cache", cache_module.FORMAT)
        assert dependencies == {}  # these files call nothing of another module
    linted.clear()
    again, cache = _lint(project)
    assert again == reference and linted == [] and cache.hits == 3


def test_no_cache_writes_nothing(project: Path, run) -> None:
    assert run("--no-cache", ".").status == 1
    assert not (project / CACHE_DIR_NAME).exists()


def test_cache_dir_option_and_configuration(project: Path, run, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    assert run("--cache-dir", str(elsewhere), ".").status == 1
    assert (elsewhere / "CACHEDIR.TAG").is_file()
    assert not (project / CACHE_DIR_NAME).exists()
    (project / "pyproject.toml").write_text('[tool.prnglint]\ncache-dir = "build/lint-cache"\n', encoding="utf-8")
    assert run(".").status == 1
    assert (project / "build" / "lint-cache" / "CACHEDIR.TAG").is_file()


def test_unwritable_cache_still_lints_and_says_so(project: Path, run) -> None:
    blocker = project / "blocked"
    blocker.write_text("a file where the cache folder should go", encoding="utf-8")
    result = run("--cache-dir", str(blocker / "cache"), "--output-format", "concise", ".")
    assert result.status == 1
    assert "bad.py:3:7: PRN001" in result.out
    assert "cannot write the cache" in result.err


def test_concurrent_runs_share_one_cache_safely(project: Path) -> None:
    # Enough files that runs overlap while writing the same entries.
    for index in range(40):
        write(project / f"mod_{index}.py", IMPORT_TIME if index % 3 == 0 else CLEAN)
    command = [sys.executable, "-m", "prnglint", "--output-format", "concise", "--jobs", "1", "."]
    reference = subprocess.run([*command, "--no-cache"], cwd=project, capture_output=True, text=True).stdout
    runs = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [process.communicate()[0] for process in runs]
    assert all(output == reference for output in outputs)
    assert subprocess.run(command, cwd=project, capture_output=True, text=True).stdout == reference
    for entry in _entries(project):
        assert not entry.name.startswith(".tmp-"), "a temporary file was left behind"
        json.loads(entry.read_bytes())


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prnglint", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cache_dir_that_is_a_file_still_lints_and_says_so(project: Path) -> None:
    (project / "cachefile").write_text("not a folder\n")
    result = _cli("--cache-dir", "cachefile", "--output-format", "concise", "bad.py", cwd=project)
    assert result.returncode == 1
    assert "bad.py:3:7: PRN001" in result.stdout
    assert "cannot write the cache in cachefile" in result.stderr
    assert (project / "cachefile").read_text() == "not a folder\n"


def test_folder_where_an_entry_belongs_is_cleared_once(project: Path) -> None:
    first = _cli("--cache-dir", "c", "--output-format", "concise", "bad.py", cwd=project)
    assert first.returncode == 1 and "PRN001" in first.stdout
    entries = [path for path in (project / "c").rglob("*") if path.is_file() and path.parent.name != "c" and not path.name.startswith(".")]
    assert entries
    for entry in entries:
        entry.unlink()
        entry.mkdir()
    second = _cli("--cache-dir", "c", "--output-format", "concise", "bad.py", cwd=project)
    assert second.returncode == 1 and second.stdout == first.stdout
    assert "cannot write the cache" not in second.stderr
    assert all(entry.is_file() for entry in entries)
    third = _cli("--cache-dir", "c", "--output-format", "concise", "bad.py", cwd=project)
    assert third.stdout == first.stdout and third.stderr == first.stderr
