"""PRN003 across modules: helpers of another module of the project and of an installed package.

Each project is a git root (or a configuration's folder) holding a package
that calls helpers defined elsewhere; an installed package lives in a fake
virtual environment (`pyvenv.cfg` and `lib/pythonX.Y/site-packages`) given by
`--python`, by the `python` key, found through `VIRTUAL_ENV` or as a `.venv`
beside the configuration.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import write

VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"

UTILS = """
import jax


def inspect(key):
    assert key is not None
    return key.shape


def ignore(state, key):
    del key
    return state


def draw(key, shape):
    return jax.random.normal(key, shape)


def fold(key, step):
    return jax.random.fold_in(key, step)


def clone(key):
    return jax.random.clone(key)


class Holder:
    def __init__(self, key):
        self.key = key


class Pair(NamedTuple):
    key: jax.Array
    step: int
"""

INSTALLED = """
import jax


def observe(key, x):
    return x


def sample(rng, shape):
    return jax.random.uniform(rng, shape)
"""


def fake_venv(folder: Path, packages: dict[str, str]) -> Path:
    """A virtual environment that is only files: its configuration and its site-packages."""
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    (folder / "bin" / "python").write_text("")  # never run
    (folder / "pyvenv.cfg").write_text(f"home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = {VERSION}.0\n")
    site = folder / "lib" / f"python{VERSION}" / "site-packages"
    for name, text in packages.items():
        write(site / name.replace(".", "/") / "__init__.py", text)
    return folder


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "utils.py", "from typing import NamedTuple\n" + UTILS.lstrip("\n"))
    fake_venv(tmp_path / "env", {"fakelib": INSTALLED})
    return tmp_path


def findings(result) -> list[tuple[str, int, str]]:
    return [(d["filename"].replace("\\", "/"), d["location"]["row"], d["message"]) for d in json.loads(result.out)]


def lint(run, root: Path, *extra: str):
    result = run("--select", "PRN003", "--no-cache", "--output-format", "json", *extra, "pkg", cwd=root)
    assert result.status in (0, 1), result.err
    return findings(result)


VALID = {
    "reads_only": """
        import jax
        from pkg.utils import inspect

        def f(key):
            inspect(key)
            return jax.random.normal(key, (2,))
        """,
    "ignores": """
        import jax
        from .utils import ignore

        def f(state, key):
            state = ignore(state, key)
            return jax.random.normal(key, (2,)), state
        """,
    "stores_in_instance": """
        import jax
        from pkg import utils

        def f(key):
            holder = utils.Holder(key)
            return jax.random.normal(key, (2,)), holder
        """,
    "stores_in_named_tuple": """
        import jax
        from .utils import Pair

        def f(key):
            pair = Pair(key=key, step=0)
            return jax.random.normal(key, (2,)), pair
        """,
    "folds_changing_counter": """
        import jax
        from pkg.utils import fold

        def f(key):
            a = fold(key, 1)
            b = fold(key, 2)
            return a, b
        """,
    "clone_wrapper": """
        import jax
        from pkg.utils import clone

        def f(key):
            a = jax.random.normal(clone(key), (2,))
            return a, jax.random.normal(key, (2,))
        """,
    "installed_ignores": """
        import jax
        from fakelib import observe

        def f(key, x):
            observe(key, x)
            return jax.random.normal(key, (2,))
        """,
}

INVALID = {
    "draws_twice": (
        """
        import jax
        from pkg.utils import draw

        def f(key):
            a = draw(key, (2,))
            b = jax.random.normal(key, (2,))
            return a, b
        """,
        6,
    ),
    "only_helpers_mark_the_key": (
        # Nothing in the caller says `key` is a key but the helper that draws from it.
        """
        import jax
        import jax.numpy as jnp
        from .utils import draw
        from . import utils

        def make(seed):
            return jax.random.key(seed)

        def f(key):
            a = draw(key, (2,))
            b = utils.draw(key, (3,))
            return jnp.stack([a, b])
        """,
        11,
    ),
    "installed_draws": (
        """
        import jax
        from fakelib import sample

        def f(rng):
            a = sample(rng, (2,))
            b = jax.random.normal(rng, (2,))
            return a, b
        """,
        6,
    ),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(run, project: Path, name: str) -> None:
    write(project / "pkg" / "main.py", VALID[name])
    assert lint(run, project, "--python", str(project / "env")) == []


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(run, project: Path, name: str) -> None:
    code, line = INVALID[name]
    write(project / "pkg" / "main.py", code)
    found = lint(run, project, "--python", str(project / "env"))
    assert [row for _, row, _ in found] == [line], found


def test_message_names_where_the_helper_consumes(run, project: Path) -> None:
    write(project / "pkg" / "main.py", INVALID["only_helpers_mark_the_key"][0])
    [(_, _, message)] = lint(run, project)
    assert "pkg/utils.py:" in message


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_cases_are_reported_without_the_project(run, project: Path, name: str) -> None:
    # The same code linted with nothing to read into (the callees are
    # unknown) is reported, or the valid cases would prove nothing.
    if name in ("folds_changing_counter",):
        pytest.skip("nothing marks the key without the helper")
    write(project / "pkg" / "main.py", VALID[name])
    (project / "pkg" / "utils.py").unlink()
    assert lint(run, project, "--python", str(project / "env")) or name.startswith("installed")


def test_installed_package_without_the_environment_is_unknown(run, project: Path) -> None:
    write(project / "pkg" / "main.py", VALID["installed_ignores"])
    # Without `--python`, the interpreter running prnglint has no `fakelib`: the call is unknown, so it consumes.
    assert len(lint(run, project)) == 1
    assert lint(run, project, "--python", str(project / "env")) == []


def test_environment_from_virtual_env_variable(run, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "pkg" / "main.py", VALID["installed_ignores"])
    monkeypatch.setenv("VIRTUAL_ENV", str(project / "env"))
    assert lint(run, project) == []


def test_environment_from_dot_venv_beside_the_configuration(run, project: Path) -> None:
    write(project / "pkg" / "main.py", VALID["installed_ignores"])
    (project / "env").rename(project / ".venv")
    write(project / "pyproject.toml", "[tool.prnglint]\n")
    assert lint(run, project) == []


def test_environment_from_python_key(run, project: Path) -> None:
    write(project / "pkg" / "main.py", VALID["installed_ignores"])
    write(project / "pyproject.toml", '[tool.prnglint]\npython = "env/bin/python"\n')
    assert lint(run, project) == []


def test_bad_python_is_a_configuration_error(run, project: Path) -> None:
    write(project / "pkg" / "main.py", VALID["reads_only"])
    result = run("--select", "PRN003", "--python", str(project / "missing"), "pkg", cwd=project)
    assert result.status == 2
    assert "--python" in result.err and "missing" in result.err


def test_src_layout(run, project: Path) -> None:
    src = project / "src"
    (project / "pkg").rename(src / "pkg") if src.exists() else (src.mkdir(), (project / "pkg").rename(src / "pkg"))
    write(src / "pkg" / "main.py", INVALID["draws_twice"][0])
    result = run("--select", "PRN003", "--no-cache", "--output-format", "json", "src", cwd=project)
    assert [row for _, row, _ in findings(result)] == [6]
    write(src / "pkg" / "main.py", VALID["reads_only"])
    result = run("--select", "PRN003", "--no-cache", "--output-format", "json", "src", cwd=project)
    assert findings(result) == []


def test_reexport_through_package_init(run, project: Path) -> None:
    write(project / "pkg" / "__init__.py", "from .utils import inspect as look\n")
    write(project / "pkg" / "main.py", """
        import jax
        import pkg

        def f(key):
            pkg.look(key)
            return jax.random.normal(key, (2,))
        """)
    assert lint(run, project) == []


def test_import_cycle_does_not_hang(run, project: Path) -> None:
    write(project / "pkg" / "a.py", "from pkg.b import g\n\ndef f(key):\n    return g(key)\n")
    write(project / "pkg" / "b.py", "from pkg.a import f\n\ndef g(key):\n    return f(key)\n")
    write(project / "pkg" / "main.py", INVALID["draws_twice"][0].replace("pkg.utils import draw", "pkg.a import f as draw"))
    assert [row for _, row, _ in lint(run, project)] == [6]


def test_installed_code_is_read_not_run(run, project: Path) -> None:
    marker = project / "ran"
    site = project / "env" / "lib" / f"python{VERSION}" / "site-packages"
    write(site / "boom" / "__init__.py", f"open({str(marker)!r}, 'w').write('ran')\n\ndef observe(key):\n    return None\n")
    write(site / "boom.pth", f"import os; open({str(marker)!r}, 'w').write('pth')\n")
    write(project / "pkg" / "main.py", """
        import jax
        from boom import observe

        def f(key):
            observe(key)
            return jax.random.normal(key, (2,))
        """)
    assert lint(run, project, "--python", str(project / "env")) == []
    assert not marker.exists()


BASE = """
import jax


class Agent:
    def observe(self, key):
        return key.shape

    def act(self, key):
        return jax.random.normal(key, (2,))
"""


@pytest.mark.parametrize(
    ("method", "expected"),
    [("observe", []), ("act", [7])],
)
def test_method_inherited_from_a_base_class_of_another_module(run, project: Path, method: str, expected: list[int]) -> None:
    write(project / "pkg" / "base.py", BASE)
    write(project / "pkg" / "main.py", f"""
        import jax
        from .base import Agent

        class Mine(Agent):
            def step(self, key):
                a = self.{method}(key)
                b = jax.random.uniform(key, (2,))
                return a, b
        """)
    assert [row for _, row, _ in lint(run, project)] == expected
