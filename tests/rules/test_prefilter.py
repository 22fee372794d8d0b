"""The engine's `ast` pre-check (`Rule.qualnames`) must be sound.

`reachable_qualnames` may answer more than `ImportResolver` ever resolves,
never less: every qualified name that the resolver gives some `Name` or
`Attribute` node of a file must be in its answer. These tests check that
property on the rules' own examples, on tricky hand-written files, on files
of the installed Flax and Optax sources, and on generated programs; and
that linting with and without the pre-check gives the same diagnostics.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prnglint.engine import Rule, example_code, lint_source
from prnglint.names import ImportResolver, reachable_qualnames
from prnglint.registry import all_rules
from prnglint.rules import _jax
from prnglint.source import SourceFile

TARGETS = frozenset(
    {*_jax.RANDOM_QUALNAMES, "flax.nnx.Optimizer", "jax.random.PRNGKey", "jax.random", "flax.nnx", "jax"}
)


class _AllNames(cst.CSTVisitor):
    def __init__(self, resolver: ImportResolver) -> None:
        self.resolver = resolver
        self.resolved: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self._add(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._add(node)

    def _add(self, node: cst.BaseExpression) -> None:
        name = self.resolver.qualname(node)
        if name is not None:
            self.resolved.add(name)


def resolved_by_libcst(text: str) -> set[str]:
    """Every qualified name `ImportResolver` gives any node of `text`."""
    module = cst.parse_module(text)
    visitor = _AllNames(ImportResolver(module))
    module.visit(visitor)
    return visitor.resolved


def assert_sound(text: str, targets: frozenset[str] = TARGETS) -> None:
    reached = reachable_qualnames(text, targets)
    if reached is None:
        return  # "cannot tell" makes the engine parse: always sound
    missing = (resolved_by_libcst(text) & targets) - reached
    assert not missing, f"the pre-check misses {sorted(missing)}"


def _examples() -> list:
    cases = []
    for rule in all_rules():
        for index, example in enumerate([*rule.VALID, *rule.INVALID]):
            cases.append(pytest.param(rule, example_code(example), id=f"{rule.code}-{index}"))
    return cases


@pytest.mark.parametrize(("rule", "code"), _examples())
def test_rule_examples_are_sound_and_lint_the_same(rule: type[Rule], code: str) -> None:
    assert_sound(code)
    source = SourceFile("example.py", code)
    assert lint_source(source, [rule], {}, prefilter=True) == lint_source(source, [rule], {}, prefilter=False)


TRICKY = {
    "re-exported module": ("from jax._src import random as r\nr.normal(k)\n", {"jax.random.normal"}),
    "alias chain": ("import jax\na = jax\nb = a.random\nb.split(k)\n", {"jax.random.split", "jax.random", "jax"}),
    "alias assigned before its source": ("def f():\n    return b.key(0)\nb = a.random\nimport jax as a\n", {"jax.random.key"}),
    "alias inside a function": ("import jax\ndef f():\n    jr = jax.random\ndef g():\n    jr.fold_in(k, 1)\n", {"jax.random.fold_in"}),
    "dotted import": ("import jax.random\njax.random.key(0)\n", {"jax.random.key", "jax.random", "jax"}),
    "imported name only": ("from jax.random import split\n", {"jax.random.split"}),
    "def shadowing an import": ("from jax.random import normal\ndef normal():\n    pass\n", {"jax.random.normal"}),
    "parameter named like an import": ("from jax.random import key\ndef f(key):\n    return key\n", {"jax.random.key"}),
    "keyword named like an import": ("from jax.random import split\nf(split=1)\n", {"jax.random.split"}),
    "attribute named like an import": ("from jax.random import split\nobj.split(x)\n", {"jax.random.split"}),
    "inside an f-string": ("import jax\nf'{jax.random.key(0)}'\n", {"jax.random.key", "jax.random", "jax"}),
    "decorator and annotation": ("import jax\n@jax.random.split\ndef f(x: jax.random.key): ...\n", None),
    "numpy only": ("import numpy as np\nnp.random.normal(0)\n", set()),
    "no import at all": ("random.normal(k)\njax.random.key(0)\n", set()),
    "relative import": ("from . import random\nrandom.normal(k)\n", set()),
    "star import": ("from jax.random import *\nnormal(k)\n", set()),
    "nnx through experimental": ("from flax.experimental import nnx\nnnx.Rngs(0)\n", {"flax.nnx.Rngs"}),
    "optimizer alias": ("import flax.nnx as fnn\nOpt = fnn.Optimizer\nOpt(m, tx)\n", {"flax.nnx.Optimizer", "flax.nnx"}),
    "self-referential alias": ("import jax\nx = jax\nx = x.random\nx = x.random\nx.key(0)\n", None),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_files(name: str) -> None:
    text, expected = TRICKY[name]
    assert_sound(text)
    reached = reachable_qualnames(text, TARGETS)
    if expected == set():
        # Tight where it matters: nothing of JAX reachable, nothing answered.
        assert reached == frozenset()
    elif expected is not None:
        assert reached is not None and expected <= reached


def test_ast_failure_means_cannot_tell() -> None:
    assert reachable_qualnames("import jax\ndef (:\n", TARGETS) is None


def test_unbounded_aliases_give_up_rather_than_loop() -> None:
    text = "import jax\nx = jax\nx = x.a\nx.random.key(0)\n"
    assert reachable_qualnames(text, TARGETS) is None


def _installed_sample(limit: int = 16) -> list[Path]:
    files: list[Path] = []
    for package in ("flax", "optax"):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for path in sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.py")):
            if path.stat().st_size < 30_000:
                text = path.read_text(encoding="utf-8", errors="replace")
                if "jax" in text and "random" in text:
                    files.append(path)
    return files[:: max(1, len(files) // limit)][:limit]


@pytest.mark.parametrize("path", _installed_sample(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_installed_sources_are_sound_and_lint_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert_sound(text)
    source = SourceFile(str(path), text)
    rules = list(all_rules())
    assert _outcome(source, rules, prefilter=True) == _outcome(source, rules, prefilter=False)


def _outcome(source: SourceFile, rules: list[type[Rule]], *, prefilter: bool) -> object:
    # A rule's own crash is the runner's business (an E000); here it only has to be the same crash.
    try:
        return lint_source(source, rules, {}, prefilter=prefilter)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


# Generated programs: imports, alias assignments and uses of names drawn from a
# small vocabulary, at module level and inside functions, in any order.
_MODULES = st.sampled_from(["jax", "jax.random", "jax._src.random", "flax", "flax.nnx", "numpy", "os"])
_NAMES = st.sampled_from(["jax", "random", "jr", "nnx", "np", "key", "split", "normal", "Rngs", "Optimizer", "x"])
_ATTRS = st.lists(st.sampled_from(["random", "nnx", "key", "split", "normal", "Rngs", "Optimizer", "_src"]), max_size=3)


@st.composite
def _statement(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["import", "import_as", "from", "assign", "use", "def"]))
    if kind == "import":
        return f"import {draw(_MODULES)}"
    if kind == "import_as":
        return f"import {draw(_MODULES)} as {draw(_NAMES)}"
    if kind == "from":
        module = draw(_MODULES)
        name = draw(st.sampled_from(["random", "nnx", "key", "split", "normal", "Rngs", "Optimizer"]))
        alias = draw(st.one_of(st.none(), _NAMES))
        return f"from {module} import {name}" + (f" as {alias}" if alias else "")
    chain = ".".join([draw(_NAMES), *draw(_ATTRS)])
    if kind == "assign":
        return f"{draw(_NAMES)} = {chain}"
    if kind == "def":
        return f"def f_{draw(st.integers(0, 9))}({draw(_NAMES)}=None):\n    return {chain}(1)"
    return f"{chain}(0)"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_statement(), min_size=1, max_size=8))
def test_generated_programs_are_sound(statements: list[str]) -> None:
    assert_sound("\n".join(statements) + "\n")
