"""The result cache knows which files a file's findings depend on; summaries of dependencies are read once.

Editing a module re-lints exactly the files whose findings were drawn from
it (and itself); the others are answered by the cache. A dependency whose
bytes did not change is not parsed again, even by a new process: its
summaries are kept on disk beside the result cache.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prnglint import project as project_module
from prnglint import runner
from tests.cli.conftest import write

UTILS = """
import jax


def inspect(key):
    return key.shape


def draw(key):
    return jax.random.normal(key, (2,))
"""

USES_INSPECT = """
import jax
from pkg.utils import inspect


def f(key):
    inspect(key)
    return jax.random.normal(key, (2,))
"""

USES_DRAW = """
import jax
from pkg import utils


def g(key):
    a = utils.draw(key)
    return a, jax.random.uniform(key, (2,))
"""

ALONE = """
import jax


def h(key):
    return jax.random.normal(key, (2,))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "utils.py", UTILS)
    write(tmp_path / "pkg" / "a.py", USES_INSPECT)
    write(tmp_path / "pkg" / "b.py", USES_DRAW)
    write(tmp_path / "pkg" / "c.py", ALONE)
    return tmp_path


@pytest.fixture
def linted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the engine lints in a run (not answered by the cache)."""
    names: list[str] = []
    real = runner._lint_one

    def spy(name, kind, payload, rules, options):
        names.append(Path(name).name)
        return real(name, kind, payload, rules, options)

    monkeypatch.setattr(runner, "_lint_one", spy)
    return names


def check(run, root: Path, linted: list[str]) -> tuple[set[str], list[tuple[str, int]]]:
    """One run in a fresh process's state: (files linted, findings)."""
    project_module._INDEXES.clear()  # as a new process would start
    linted.clear()
    result = run("--select", "PRN003", "-j", "1", "--output-format", "json", "pkg", cwd=root)
    assert result.status in (0, 1), result.err
    found = [(Path(d["filename"]).name, d["location"]["row"]) for d in json.loads(result.out)]
    return set(linted), sorted(found)


def test_editing_a_module_relints_exactly_its_dependents(run, project: Path, linted: list[str]) -> None:
    first, found = check(run, project, linted)
    assert first == {"utils.py", "a.py", "b.py", "c.py"}
    assert found == [("b.py", 7)]
    assert check(run, project, linted) == (set(), found)
    # `inspect` now draws: a.py's finding appears, b.py is read again, c.py is answered by the cache.
    write(project / "pkg" / "utils.py", UTILS.replace("return key.shape", "return jax.random.normal(key, (1,))"))
    relinted, found = check(run, project, linted)
    assert relinted == {"utils.py", "a.py", "b.py"}
    assert found == [("a.py", 7), ("b.py", 7)]
    # A module no linted file reads into: only itself.
    write(project / "pkg" / "unused.py", ALONE.replace("def h(", "def unused("))
    assert check(run, project, linted)[0] == {"unused.py"}


def test_a_deleted_dependency_relints_its_dependents(run, project: Path, linted: list[str]) -> None:
    check(run, project, linted)
    (project / "pkg" / "utils.py").unlink()
    relinted, found = check(run, project, linted)
    assert relinted == {"a.py", "b.py"}
    assert ("a.py", 7) in found  # `inspect` is unknown now: it may consume


def test_an_unchanged_dependency_is_parsed_once_across_processes(
    run, project: Path, linted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real = project_module.Dependency.module

    def counting(self):
        if self._module is None:
            parsed.append(Path(self.path).name)
        return real(self)

    monkeypatch.setattr(project_module.Dependency, "module", counting)
    check(run, project, linted)
    assert parsed == ["utils.py"]
    # A new result for a.py (its own text changed) needs the summaries of utils again: they come from disk.
    write(project / "pkg" / "a.py", USES_INSPECT + "\n# edited\n")
    parsed.clear()
    relinted, found = check(run, project, linted)
    assert relinted == {"a.py"}
    assert parsed == []
    assert found == [("b.py", 7)]


def test_no_cache_keeps_summaries_in_memory_only(run, project: Path) -> None:
    result = run("--select", "PRN003", "--no-cache", "pkg", cwd=project)
    assert result.status == 1
    assert not (project / ".prnglint_cache").exists()
