"""Properties of `--fix --unsafe-fixes` on generated programs.

Two sources of programs: `hypothesmith` grammar-generated code with JAX
anti-patterns spliced between its pieces, and the fixed training fixtures
with anti-patterns injected at random statement positions, in natural forms
(defaults, optimisers without `wrt`, legacy keys, multi-line calls with
comments), optionally with CRLF line endings. For every program:

- the fixed text parses (and compiles, when the program did), and the fixer
  reported no error;
- a second run changes nothing (idempotence);
- after the first round, no finding of a fixed rule starts inside the text
  its fix wrote; and in the end no applicable fix is left;
- on the fixtures, whose clean twin has no finding, nothing at all remains.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import hypothesis.strategies as st
import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from libcst.metadata import MetadataWrapper, PositionProvider

from prnglint.diagnostics import Edit, Location
from prnglint.engine import apply_edits, lint_source, split_lines
from prnglint.fixer import fix_source, fixable, select_fixes
from prnglint.registry import all_rules
from prnglint.source import SourceFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RULES = list(all_rules())
_SETTINGS = {
    # No target phase: hill-climbing hypothesmith's targets costs minutes and finds nothing new.
    "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
}

HEADER = "import dataclasses\nimport jax\nimport optax\nfrom flax import nnx\n"

# Anti-patterns as statements of a function body, each fully fixable by
# `--fix --unsafe-fixes` with PRN005 enabled (PRN002, PRN003, PRN004, PRN005,
# some overlapping); `{n}` makes names unique.
IN_FUNCTION = (
    "opt_{n} = nnx.Optimizer(model, optax.adam(1e-3))\n",
    "opt_{n} = nnx.Optimizer(model, tx, nnx.Param)\n",
    "opt_{n} = nnx.Optimizer(\n    model,  # the model\n    optax.sgd(0.1),  # plain SGD\n)\n",
    "legacy_{n} = jax.random.PRNGKey({n})\n",
    "noise_{n} = lambda shape, key=jax.random.key({n}): jax.random.normal(key, shape)\n",
    "def helper_{n}(\n    x,  # input\n    key=jax.random.PRNGKey({n}),  # legacy default\n    scale=1.0,\n):\n"
    "    return scale * jax.random.normal(key, x.shape)\n",
    # PRN003: one key consumed twice, as a parameter and as a legacy local key.
    "def draw_{n}(key):\n    a = jax.random.normal(key, (2,))\n    b = jax.random.uniform(key, (2,))\n    return a + b\n",
    "def init_{n}(seed):\n    key = jax.random.PRNGKey(seed)\n    w = jax.random.normal(key, (3, 3))\n"
    "    b = jax.random.normal(key, (3,))  # same key: same numbers\n    return w, b\n",
)
# Anti-patterns as module-level statements (definitions: nothing runs at import).
AT_MODULE = (
    "def dropout_{n}(x, rate, key=jax.random.PRNGKey({n})):\n"
    "    keep = jax.random.bernoulli(key, 1 - rate, x.shape)\n"
    "    return x * keep / (1 - rate)\n",
    "@dataclasses.dataclass\nclass State{n}:\n    step: int = 0\n    # the stream\n"
    "    key: jax.Array = jax.random.key({n})\n",
    "class Net{n}(nnx.Module):\n    def __init__(self, din, rngs: nnx.Rngs = nnx.Rngs({n})):\n"
    "        self.linear = nnx.Linear(din, din, rngs=rngs)\n",
    "def build_{n}(model):\n    return nnx.Optimizer(model, optax.adam(1e-3))\n",
) + tuple(f"def wrapper_{{n}}(model, tx):\n{textwrap.indent(body, '    ')}" for body in IN_FUNCTION)


def _fix(text: str):
    return fix_source(SourceFile("generated.py", text), RULES, {}, unsafe=True)


def _compiles(text: str) -> bool:
    try:
        compile(text, "generated.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _check_first_round_locality(text: str) -> None:
    """No finding of a rule whose fix applied in round one starts inside the text that fix wrote."""
    diagnostics = lint_source(SourceFile("generated.py", text), RULES, {})
    chosen = select_fixes([d for d in diagnostics if fixable(d, unsafe=True)])
    if not chosen:
        return
    owners: dict[tuple[Location, Location, str], set[str]] = {}
    for d in chosen:
        assert d.fix is not None
        for edit in d.fix.edits:
            owners.setdefault((edit.location, edit.end_location, edit.content), set()).add(d.code)
    after = apply_edits(text, [Edit(content, start, end) for start, end, content in owners])
    starts = _starts(text)
    # Where each edit's new text lies in the fixed text: edits apply in order, each shifting the rest.
    written: list[tuple[int, int, set[str]]] = []
    shift = 0
    for (start, end, content), codes in sorted(owners.items(), key=lambda item: (item[0][0], item[0][1])):
        low = _offset(starts, start) + shift
        written.append((low, low + len(content), codes))
        shift += len(content) - (_offset(starts, end) - _offset(starts, start))
    new_starts = _starts(after)
    for d in lint_source(SourceFile("generated.py", after), RULES, {}):
        at = _offset(new_starts, d.location)
        for low, high, codes in written:
            assert not (d.code in codes and low <= at < high), (
                f"{d.code} at {d.location.row}:{d.location.column} lies in the text its own fix wrote"
            )


def _offset(starts: list[int], location: Location) -> int:
    return starts[location.row - 1] + location.column - 1


def _starts(text: str) -> list[int]:
    starts = [0]
    for line in split_lines(text):
        starts.append(starts[-1] + len(line))
    return starts


def _check(program: str, *, expect_clean: bool) -> None:
    result = _fix(program)
    assert result.error is None, result.error.message
    cst.parse_module(result.text)
    if _compiles(program):
        assert _compiles(result.text), "the fixed program no longer compiles"
    again = _fix(result.text)
    assert again.text == result.text, "a second run changed the text"
    assert again.applied == []
    assert not [d for d in result.remaining if fixable(d, unsafe=True)], "an applicable fix was left"
    if expect_clean:
        assert [(d.code, d.location.row, d.message) for d in result.remaining] == []
    _check_first_round_locality(program)


# --- hypothesmith programs with anti-patterns spliced in ---------------------------------


def _as_piece(code: str) -> str:
    return code if code.endswith("\n") else code + "\n"


# Building hypothesmith's grammar strategy compiles a parser (seconds): once, on first use.
GRAMMAR_PROGRAMS = st.deferred(hypothesmith.from_grammar)


@st.composite
def spliced_programs(draw: st.DrawFn) -> str:
    generated = _as_piece(draw(GRAMMAR_PROGRAMS))
    snippets = draw(st.lists(st.sampled_from(AT_MODULE), min_size=1, max_size=4))
    where = draw(st.integers(0, len(snippets)))
    named = [snippet.replace("{n}", str(index)) for index, snippet in enumerate(snippets)]
    program = HEADER + "".join([*named[:where], generated, *named[where:]])
    try:
        program.encode("utf-8")
        cst.parse_module(program)
    except (UnicodeEncodeError, cst.ParserSyntaxError, RecursionError):
        assume(False)
    return program


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=200, **_SETTINGS)
@given(spliced_programs())
def test_fixing_hypothesmith_programs_is_safe_and_idempotent(program: str) -> None:
    _check(program, expect_clean=False)


# --- fixtures with anti-patterns injected ------------------------------------------------


@dataclass(frozen=True)
class Point:
    """Where a statement starts: its row, indentation, and whether it sits in a function body."""

    row: int
    indent: str
    in_function: bool


class _Points(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.points: list[Point] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if isinstance(node.body, cst.IndentedBlock):
            for statement in node.body.body:
                self._add(statement, in_function=True)

    def visit_Module(self, node: cst.Module) -> None:
        for statement in node.body:
            self._add(statement, in_function=False)

    def _add(self, statement: cst.CSTNode, *, in_function: bool) -> None:
        row = self.get_metadata(PositionProvider, statement).start.line
        line = self.lines[row - 1]
        self.points.append(Point(row, line[: len(line) - len(line.lstrip(" \t"))], in_function))


def _insertion_points(text: str) -> list[Point]:
    lines = split_lines(text)
    visitor = _Points(lines)
    MetadataWrapper(cst.parse_module(text)).visit(visitor)
    # Module-level points must follow every import (a `from __future__` import must stay first).
    last_import = max(
        (i + 1 for i, line in enumerate(lines) if line.startswith(("import ", "from "))), default=0
    )
    return [p for p in visitor.points if p.in_function or p.row > last_import]


def _fixture_texts() -> dict[str, str]:
    """The clean fixtures, with the imports the snippets use added after their last import."""
    texts = {}
    for path in sorted(FIXTURES.glob("*_fixed.py")):
        lines = split_lines(path.read_text(encoding="utf-8"))
        last_import = max(i for i, line in enumerate(lines) if line.startswith(("import ", "from ")))
        missing = [line for line in split_lines(HEADER) if line not in lines]
        texts[path.name] = "".join([*lines[: last_import + 1], *missing, *lines[last_import + 1 :]])
    return texts


FIXTURE_TEXTS = _fixture_texts()
FIXTURE_POINTS = {name: _insertion_points(text) for name, text in FIXTURE_TEXTS.items()}


def _inject(text: str, injections: list[tuple[Point, str]]) -> str:
    lines = split_lines(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    by_row: dict[int, list[str]] = {}
    for point, snippet in injections:
        block = textwrap.indent(snippet, point.indent, lambda line: True)
        by_row.setdefault(point.row, []).append(block.replace("\n", newline))
    out: list[str] = []
    for row, line in enumerate(lines, start=1):
        out.extend(by_row.get(row, []))
        out.append(line)
    return "".join(out)


@st.composite
def injected_fixtures(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(FIXTURE_TEXTS)))
    text = FIXTURE_TEXTS[name]
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    points = FIXTURE_POINTS[name]
    chosen = draw(st.lists(st.sampled_from(points), min_size=1, max_size=6))
    injections = []
    for index, point in enumerate(chosen):
        templates = IN_FUNCTION if point.in_function else AT_MODULE
        template = draw(st.sampled_from(templates))
        injections.append((point, template.replace("{n}", str(100 + index))))
    return _inject(text, injections)


def test_the_fixtures_offer_insertion_points_of_both_kinds() -> None:
    assert FIXTURE_TEXTS, "no fixed fixtures found"
    for name, points in FIXTURE_POINTS.items():
        assert any(p.in_function for p in points), name
        assert any(not p.in_function for p in points), name


def test_the_clean_fixtures_have_no_finding() -> None:
    for name, text in FIXTURE_TEXTS.items():
        assert lint_source(SourceFile(name, text), RULES, {}) == [], name


@pytest.mark.slow
@settings(max_examples=60, **_SETTINGS)
@given(injected_fixtures())
def test_fixing_injected_fixtures_restores_a_clean_file(program: str) -> None:
    _check(program, expect_clean=True)
