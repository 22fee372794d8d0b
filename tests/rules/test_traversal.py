"""The engine's own tree walk must make exactly the calls `libcst.visit_batched` makes.

Rules keep state across `visit_*` and `leave_*` calls (nesting counters, stacks
of reported calls), so the engine's walk, which avoids libcst's rebuilding of
every node, must visit the same nodes in the same order.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import libcst as cst
import pytest

from prnglint import engine
from prnglint.engine import example_code
from prnglint.registry import all_rules
from prnglint.tree import LAYOUT, children, code_children, forget

NODE_TYPES = sorted(
    name for name, value in vars(cst).items() if isinstance(value, type) and issubclass(value, cst.CSTNode)
)


def _recorder_class(node_types: list[str]) -> type[cst.BatchableCSTVisitor]:
    def hook(kind: str, node_type: str):
        def method(self, node: cst.CSTNode) -> None:
            self.log.append((kind, node_type, id(node)))

        method.__name__ = f"{kind}_{node_type}"
        return method

    namespace = {}
    for node_type in node_types:
        namespace[f"visit_{node_type}"] = hook("visit", node_type)
        namespace[f"leave_{node_type}"] = hook("leave", node_type)
    return type("Recorder", (cst.BatchableCSTVisitor,), namespace)


# Hooks on every node type (so the walk may skip nothing), and on every type
# but layout (whitespace, punctuation, operators), which the walk then skips.
Recorder = _recorder_class(NODE_TYPES)
SyntaxRecorder = _recorder_class(sorted(set(NODE_TYPES) - {cls.__name__ for cls in LAYOUT}))


def assert_same_walk(code: str) -> None:
    module = cst.parse_module(code)
    for recorder in (Recorder, SyntaxRecorder):
        ours, theirs = recorder(), recorder()
        ours.log, theirs.log = [], []
        engine.visit_batched(module, [ours])
        cst.visit_batched(module, [theirs])
        assert ours.log == theirs.log
        assert len(ours.log) > 0


SYNTAX = {
    "f-strings": 'x = f"{a!r:>{width}} {b=} {c:{d}.{e}}" f"{{}}" "plain"\n',
    "match": "match p:\n    case {'k': [1, *rest], **kw} if rest:\n        pass\n    case Point(x=0) | None as q:\n        pass\n",
    "async and decorators": "@a.b(c)\n@d\nasync def f(x, /, y=1, *args, z, **kw) -> int:\n    async with a as b, c:\n        async for i in j:\n            await k\n",
    "comprehensions": "y = {k: v for k, v in d.items() if k}\nz = [i async for i in g() if i if not i]\nw = (lambda *, q=1: q)\n",
    "classes and type parameters": "class C[T](Base, metaclass=M):\n    x: int = 1\n    def m[U](self, u: U) -> T: ...\n",
    "try and loops": "try:\n    pass\nexcept* (A, B) as e:\n    raise X from e\nelse:\n    pass\nfinally:\n    del a, b[1:2:3]\nwhile (n := n - 1):\n    break\nelse:\n    continue\n",
    "imports and globals": "from . import a as b\nfrom .. c import (d, e,)\nfrom f import *\nimport g.h as i, j\nglobal k\nassert l, 'm'\n",
    "operators": "a = not b and c or d if e else -f ** ~g @ h // i << j | k ^ l & m\na += 1; b @= c\nx = [*y, *z]; t = (1,); s = {1, *u}\n",
    "comments and blank lines": "# top\n\n\ndef f():  # trailing\n    # inside\n\n    return (  # open\n        1\n    )\n",
}


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_same_walk_on_every_kind_of_syntax(name: str) -> None:
    assert_same_walk(SYNTAX[name])


def test_same_walk_on_rule_examples() -> None:
    for rule in all_rules():
        for example in [*rule.VALID, *rule.INVALID]:
            assert_same_walk(example_code(example))


def _installed_sample(limit: int = 12) -> list[Path]:
    files: list[Path] = []
    for package in ("equinox", "optax", "chex"):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        files.extend(p for p in sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.py")) if p.stat().st_size < 40_000)
    return files[:: max(1, len(files) // limit)][:limit]


@pytest.mark.parametrize("path", _installed_sample(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_walk_on_installed_sources(path: Path) -> None:
    assert_same_walk(path.read_text(encoding="utf-8"))


def test_several_visitors_each_see_every_call() -> None:
    module = cst.parse_module("x = f(a)[b]\n")
    first, second, alone = Recorder(), Recorder(), Recorder()
    first.log, second.log, alone.log = [], [], []
    engine.visit_batched(module, [first, second])
    cst.visit_batched(module, [alone])
    assert first.log == second.log == alone.log


def test_attribute_hooks_fall_back_to_libcst() -> None:
    class FuncHook(cst.BatchableCSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def visit_Call_func(self, node: cst.Call) -> None:
            self.seen.append("func")

    visitor = FuncHook()
    engine.visit_batched(cst.parse_module("f(g(x))\n"), [visitor])
    assert visitor.seen == ["func", "func"]


# --- Positions: one pass for both providers, stopping after the last wanted node ---


def assert_same_positions(code: str) -> None:
    from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

    module = cst.parse_module(code)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve_many([PositionProvider, WhitespaceInclusivePositionProvider])
    syntactic, inclusive = engine.positions(module)
    assert syntactic == dict(expected[PositionProvider])
    assert inclusive == dict(expected[WhitespaceInclusivePositionProvider])
    # Stopping early: every third node, and the first node alone.
    nodes = list(expected[PositionProvider])
    for wanted in (nodes[::3], nodes[len(nodes) // 2 : len(nodes) // 2 + 1]):
        syntactic, inclusive = engine.positions(module, wanted)
        for node in wanted:
            assert syntactic[node] == expected[PositionProvider][node]
            assert inclusive[node] == expected[WhitespaceInclusivePositionProvider][node]


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_same_positions_on_every_kind_of_syntax(name: str) -> None:
    assert_same_positions(SYNTAX[name])


@pytest.mark.parametrize("path", _installed_sample(4), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_positions_on_installed_sources(path: Path) -> None:
    assert_same_positions(path.read_text(encoding="utf-8"))


def test_hooks_are_what_libcst_finds() -> None:
    module = cst.parse_module("x = 1\n")
    for rule in [*all_rules(), Recorder, SyntaxRecorder]:
        instance = rule(engine.FileContext("x.py", "x = 1\n", module, {})) if issubclass(rule, engine.Rule) else rule()
        names, _ = engine._hooks_of(rule, instance)
        assert names == tuple(sorted(instance.get_visitors())), rule.__name__


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the recursion limit is raised only where nesting costs no C stack")
def test_a_deeply_nested_file_is_linted_and_fixed_not_an_internal_error() -> None:
    """An `elif` chain of 1,500 branches is 1,500 nested `If` nodes: deeper than Python's default recursion limit."""
    from prnglint.fixer import fix_source
    from prnglint.registry import select_rules
    from prnglint.source import SourceFile

    branches = "".join(f"    elif x == {i}:\n        y = {i}\n" for i in range(1, 1500))
    text = (
        "import jax\n\n\ndef f(x, key):\n    if x == 0:\n        y = 0\n"
        + branches
        + "    return jax.random.normal(key) + jax.random.uniform(key)\n"
    )
    limit = sys.getrecursionlimit()
    rules = select_rules(None, [], [])
    found = engine.lint_source(SourceFile("deep.py", text), rules)
    assert [d.code for d in found] == ["PRN003"]
    fixed = fix_source(SourceFile("deep.py", text), rules)
    assert [d.code for d in fixed.applied] == ["PRN003"] and fixed.remaining == []
    assert "jax.random.split(key)" in fixed.text
    assert sys.getrecursionlimit() == limit


# --- `prnglint.tree.children`: libcst's `children`, without rebuilding nodes ---


def assert_same_children(code: str) -> None:
    module = cst.parse_module(code)
    stack: list[cst.CSTNode] = [module]
    seen = 0
    while stack:
        node = stack.pop()
        expected = list(node.children)
        ours = children(node)
        assert [id(child) for child in ours] == [id(child) for child in expected], type(node).__name__
        assert [id(c) for c in code_children(node)] == [id(c) for c in expected if type(c) not in LAYOUT]
        seen += 1
        stack.extend(expected)
    assert seen > 1


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_same_children_on_every_kind_of_syntax(name: str) -> None:
    assert_same_children(SYNTAX[name])


@pytest.mark.parametrize("path", _installed_sample(6), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_children_on_installed_sources(path: Path) -> None:
    assert_same_children(path.read_text(encoding="utf-8"))


def test_layout_nodes_hold_no_names_calls_or_statements() -> None:
    # `code_children` may skip layout only because no name, call or statement lies below one.
    code = "\n".join(SYNTAX.values())
    stack: list[cst.CSTNode] = [cst.parse_module(code)]
    layout_seen = 0
    while stack:
        node = stack.pop()
        if type(node) in LAYOUT:
            layout_seen += 1
            inner = [node]
            while inner:
                below = inner.pop()
                assert not isinstance(below, cst.Name | cst.Call | cst.BaseStatement | cst.BaseSmallStatement | cst.BaseExpression)
                inner.extend(below.children)
        stack.extend(node.children)
    assert layout_seen > 100


# --- Per-file memos: the same answers as a fresh walk, and nothing kept after the file ---


def test_scope_walk_memo_gives_a_fresh_walks_answer_and_is_emptied_after_each_file() -> None:
    from prnglint.diagnostics import Diagnostic  # noqa: F401 - the engine's types load first
    from prnglint.engine import lint_source
    from prnglint.rules import _key_origin
    from prnglint.source import SourceFile

    code = SYNTAX["async and decorators"] + SYNTAX["comprehensions"] + "def g(key):\n    for k in jax.random.split(key, 3):\n        f(lambda: k)\n"
    module = cst.parse_module(code)
    scopes = [module, *[n for n in _all_nodes(module) if isinstance(n, cst.FunctionDef | cst.Lambda | cst.ClassDef)]]
    first = [list(_key_origin.iter_scope(scope)) for scope in scopes]
    remembered = [list(_key_origin.iter_scope(scope)) for scope in scopes]
    assert _key_origin._SCOPE_NODES
    forget()
    fresh = [list(_key_origin.iter_scope(scope)) for scope in scopes]
    ids = lambda table: [[id(n) for n in nodes] for nodes in table]  # noqa: E731
    assert ids(first) == ids(remembered) == ids(fresh)
    assert all(type(n) not in LAYOUT for nodes in fresh for n in nodes)
    lint_source(SourceFile("m.py", "import jax\n" + code), all_rules())
    assert not _key_origin._SCOPE_NODES


def _all_nodes(root: cst.CSTNode) -> list[cst.CSTNode]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found
