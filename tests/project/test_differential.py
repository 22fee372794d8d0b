"""PRN003 across modules against JAX's own key-reuse checker.

A project of two packages — `pkg` of the project and `fakelib`, a stand-in
installed package in a fake virtual environment — defines helpers that read,
ignore, store, clone, fold, split and draw from a key. Each case calls them
from another module; it is imported and run for real (in this test, never on
the lint path) with a typed key under `jax.debug_key_reuse(True)`, eagerly and
jitted, and linted as a project. Where JAX raises `KeyReuseError`, PRN003
must report; where it passes, PRN003 must stay silent.
"""

from __future__ import annotations

import importlib
import json
import sys
import warnings
from pathlib import Path

import pytest

from tests.cli.conftest import write
from tests.project.test_whole_program import fake_venv, VERSION

jax = pytest.importorskip("jax")
from jax.errors import KeyReuseError  # noqa: E402  (after the importorskip)

pytestmark = pytest.mark.slow

HELPERS = """
import dataclasses

import jax


def inspect(key):
    return key.shape


def ignore(key, x):
    del key
    return x


def draw(key):
    return jax.random.normal(key, (2,))


def split_two(key):
    return jax.random.split(key)


def clone(key):
    return jax.random.clone(key)


def fold(key, i):
    return jax.random.fold_in(key, i)


def draw_nested(key):
    return draw(key) + 1.0


def draw_or_not(key, flag):
    if flag:
        return jax.random.uniform(key, (2,))
    return jax.numpy.zeros((2,))


@dataclasses.dataclass
class Holder:
    key: jax.Array


class Box:
    def __init__(self, key):
        self.key = key
"""

INSTALLED = """
import jax


def observe(key):
    return jax.random.key_data(key)


def sample(key):
    return jax.random.bernoulli(key, 0.5, (2,))
"""

# name -> (body of `case(key)` in pkg/cases_NAME.py, what JAX does)
CASES = {
    "draw_then_draw": ("a = helpers.draw(key)\n    return a, jax.random.normal(key, (2,))", "raises"),
    "draw_twice": ("return helpers.draw(key), helpers.draw(key)", "raises"),
    "nested_draw_then_draw": ("a = draw_nested(key)\n    return a, jax.random.normal(key, (2,))", "raises"),
    "split_then_draw": ("a = helpers.split_two(key)\n    return a, jax.random.normal(key, (2,))", "raises"),
    "inspect_then_draw": ("helpers.inspect(key)\n    return jax.random.normal(key, (2,))", "passes"),
    "ignore_then_draw": ("x = helpers.ignore(key, 1.0)\n    return x, jax.random.normal(key, (2,))", "passes"),
    "clone_then_draw": ("a = jax.random.normal(helpers.clone(key), (2,))\n    return a, jax.random.normal(key, (2,))", "passes"),
    "fold_then_split": ("a = jax.random.normal(helpers.fold(key, 3), (2,))\n    k1, k2 = jax.random.split(key)\n    return a, k1, k2", "sees-further"),
    "dataclass_store": ("holder = Holder(key)\n    return jax.random.normal(key, (2,)), holder.key", "passes"),
    "init_store": ("box = helpers.Box(key)\n    return jax.random.normal(key, (2,)), box.key", "passes"),
    # A known limit, the same within one module: a constructor's summary does
    # not say that `box.key` is the key it stored.
    "store_then_draw_from_store": ("box = helpers.Box(key)\n    return jax.random.normal(box.key, (2,)), jax.random.normal(key, (2,))", "misses"),
    "branch_draw_then_draw": ("a = draw_or_not(key, True)\n    return a, jax.random.normal(key, (2,))", "raises"),
    "installed_observe": ("fakelib.observe(key)\n    return jax.random.normal(key, (2,))", "passes"),
    "installed_sample": ("a = fakelib.sample(key)\n    return a, jax.random.normal(key, (2,))", "raises"),
}

PRELUDE = """import jax
import fakelib
from . import helpers
from .helpers import Holder, draw_nested, draw_or_not


def fresh(seed):
    # PRN003 looks only at files that reach some key API (a cheap check before
    # parsing); `case` itself has none, so only the helpers say `key` is a key.
    return jax.random.key(seed)


def case(key):
    {body}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("differential")
    (root / ".git").mkdir()
    write(root / "pkg" / "__init__.py", "")
    write(root / "pkg" / "helpers.py", HELPERS)
    for name, (body, _) in CASES.items():
        (root / "pkg" / f"cases_{name}.py").write_text(PRELUDE.format(body=body))
    env = fake_venv(root / "env", {"fakelib": INSTALLED})
    site = env / "lib" / f"python{VERSION}" / "site-packages"
    sys.path[:0] = [str(root), str(site)]
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        sys.path.remove(str(site))
        for module in [m for m in sys.modules if m == "pkg" or m.startswith("pkg.") or m == "fakelib"]:
            del sys.modules[module]


@pytest.fixture(scope="module")
def reported(project: Path) -> dict[str, int]:
    """How many PRN003 findings each case's module has, linted as a project."""
    from prnglint.cli import main

    import contextlib
    import io
    import os

    out = io.StringIO()
    previous = os.getcwd()
    os.chdir(project)
    try:
        with contextlib.redirect_stdout(out):
            main(["--select", "PRN003", "--no-cache", "--output-format", "json", "--python", str(project / "env"), "pkg"])
    finally:
        os.chdir(previous)
    counts = {name: 0 for name in CASES}
    for finding in json.loads(out.getvalue()):
        stem = Path(finding["filename"]).stem
        counts[stem.removeprefix("cases_")] += 1
    return counts


def jax_raises(name: str) -> bool:
    module = importlib.import_module(f"pkg.cases_{name}")
    raised = False
    for run in (module.case, jax.jit(module.case)):
        with jax.debug_key_reuse(True), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                jax.block_until_ready(jax.tree.leaves(run(jax.random.key(0))))
            except KeyReuseError:
                raised = True
    return raised


def test_helpers_and_cases_report_nothing_else(reported: dict[str, int]) -> None:
    assert sum(outcome == "raises" for _, outcome in CASES.values()) >= 5
    assert sum(outcome == "passes" for _, outcome in CASES.values()) >= 5


@pytest.mark.parametrize("name", sorted(CASES))
def test_prn003_agrees_with_the_runtime_checker_across_modules(project: Path, reported: dict[str, int], name: str) -> None:
    outcome = CASES[name][1]
    raised = jax_raises(name)
    if raised and outcome == "misses":
        assert not reported[name], "PRN003 sees this one now: mark it `raises`"
    elif raised:
        assert outcome == "raises", "JAX raises KeyReuseError; the table says otherwise"
        assert reported[name], "JAX raises KeyReuseError but PRN003 is silent"
    elif outcome == "sees-further":
        assert reported[name], "PRN003 sees derivations after consumption, which JAX allows"
    else:
        assert outcome == "passes", "JAX passes; the table says otherwise"
        assert not reported[name], "JAX passes but PRN003 reports"
