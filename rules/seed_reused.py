"""PRN008: two keys (or `nnx.Rngs` streams) made from one seed value on one path."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import libcst as cst

from prnglint.engine import FileContext, Invalid, Rule, Valid
from prnglint.names import dotted_name
from prnglint.rules import _jax
from prnglint.rules._key_origin import bound_names, names_read
from prnglint.tree import children

_KEY_CONSTRUCTORS = frozenset({"jax.random.key", "jax.random.PRNGKey"})
# Calls that only look at the shapes of their arguments: a key made for them draws nothing.
_ABSTRACT = frozenset({"jax.eval_shape", "equinox.filter_eval_shape", "flax.nnx.eval_shape", "jax.ShapeDtypeStruct"})

Path = tuple[tuple[int, int], ...]


@dataclass
class _Construction:
    node: cst.CSTNode  # what is reported: the call, or the stream's argument
    seed: tuple  # identity of the seed value at this point
    seed_text: str
    path: Path
    line_node: cst.CSTNode
    stream: str | None  # the `nnx.Rngs` stream, None for a key
    call: cst.Call
    names: frozenset[str] = frozenset()  # names the seed (and data folded in) depend on
    index: int = 0  # the statement it is made in, counted in execution order
    holders: frozenset[str] = frozenset()  # what that statement assigns
    alive: bool = True


@dataclass
class _Loop:
    node: cst.CSTNode
    bound: set[str] = field(default_factory=set)
    path: Path = ()
    # True when an iteration reads what the previous one left (`state = step(state, ...)`):
    # the same numbers every iteration then accumulate, instead of repeating a fresh start.
    carries: bool = True


class SeedReused(Rule):
    """
    ## What it does
    Finds two PRNG keys, or `nnx.Rngs` streams, made from the same seed
    value in one scope on one path of execution:
    - `jax.random.key(seed)` or `PRNGKey(seed)` twice, or a key and an
      `nnx.Rngs` from the same seed;
    - `nnx.Rngs(0)` made twice (say, one for each of two modules);
    - two streams of one `nnx.Rngs` given the same seed or key
      (`nnx.Rngs(params=k, dropout=k)`);
    - a key or `nnx.Rngs` re-made from an unchanged seed on every iteration
      of a `for` or `while` loop or a comprehension.

    The seed is "the same" when it is the same literal, or the same
    expression of names and attributes (`seed`, `cfg.seed`, `seed + 1`) with
    none of its names or attributes rebound in between; anything with a call
    in it is never assumed equal. Constructions in different arms of an `if`,
    `try`/`except` or `match`, or separated by a `return` or `raise`, are on
    different paths. Inside a loop, only constructions on the loop body's
    unconditional path are reported, and only when no name of the seed
    changes anywhere in the loop. A key made only for `jax.eval_shape`,
    `equinox.filter_eval_shape` or `nnx.eval_shape` draws nothing and is not
    counted, nor is one placed in a tuple or list display (`args = (init,
    PRNGKey(0), shape)`): a stored key is not a draw, and what it is passed to
    later is unknown here. Code under `if TYPE_CHECKING:` never runs.

    Two constructions count only while both results are in use: the first
    one's statement assigns something (`x = normal(key(0))`,
    `encoder = Encoder(rngs=nnx.Rngs(0))`) that is read again after the
    second construction, and the second does not assign the same name
    (`key = PRNGKey(0)` again starts over, as a notebook cell or a second
    benchmark does), or both are made in one statement. A key re-made in a
    `for` or `while` loop is reported when the loop carries state from one
    iteration to the next (`state = step(state, ...)`, `x += ...`), so that
    the same numbers accumulate; a loop over configurations that starts
    afresh each time (`for size in sizes: x = normal(key(0), size)`) is not.
    Every comprehension that re-makes a key is reported: its elements come
    out identical. `fold_in(key(0), i)` is judged by the folded key.

    Jupyter notebooks are not checked: their cells are demonstrations run
    one at a time, and a new cell that starts again from `key(0)` is almost
    always deliberate (on the notebooks of flax, numpyro, haiku, diffrax and
    the jax docs: 43 findings, 2 of them real).

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under a
    `tests/` or `test/` folder) are not checked by default either: a test
    makes `key(0)` again on purpose, to feed two implementations the same
    numbers or to check shapes (132 findings in the tests of the projects
    above; every one of the 15 we sampled was such a case). Set
    `seed-reused-in-tests = true` in `[tool.prnglint]` to check them too; a
    deliberate reuse is then best written with `jax.random.clone` or one key
    passed to both.

    ## Why is this bad?
    Two keys made from one seed are the same key: every number drawn from
    one is drawn from the other too. Two "independent" models get identical
    weights, data noise equals dropout noise, a second `nnx.Rngs(0)` repeats
    the first one's stream (`nnx.Rngs(0).default()` equals
    `jax.random.split(jax.random.key(0))[0]`, so even a key and an
    `nnx.Rngs` from one seed collide). A key re-made inside a loop gives every
    iteration the same numbers. JAX's runtime key-reuse checker cannot see
    any of it: each key is fresh as far as it knows.

    ## Example
    ```python
    import jax

    def init(seed):
        params_key = jax.random.key(seed)
        data_key = jax.random.key(seed)
        return jax.random.normal(params_key, (3,)), jax.random.normal(data_key, (8,))
    ```

    ## Use instead
    ```python
    import jax

    def init(seed):
        params_key, data_key = jax.random.split(jax.random.key(seed))
        return jax.random.normal(params_key, (3,)), jax.random.normal(data_key, (8,))
    ```

    For `nnx.Rngs`, give each stream its own seed (`nnx.Rngs(params=0,
    dropout=1)`) or share one `Rngs` between modules: its streams fold a
    counter in, so every draw differs.

    ## Fix safety
    There is no fix: which stream should get a new seed, and whether the
    numbers may change, is the author's decision.
    """

    code = "PRN008"
    name = "seed-reused"
    summary = "two keys or nnx.Rngs streams made from the same seed on one path"
    words = _jax.JAX_RANDOM_WORDS + _jax.RNGS_WORDS
    qualnames = frozenset(_KEY_CONSTRUCTORS | {_jax.RNGS})
    options = {"seed-reused-in-tests": False}
    # Notebook cells restart from `key(0)` on purpose, one demonstration per cell.
    applies_to_notebooks = False

    VALID = [
        Valid(
            """
            import jax

            def init(seed):
                params_key, data_key = jax.random.split(jax.random.key(seed))
                return params_key, data_key
            """
        ),
        Valid(
            """
            import jax

            def make(seed, legacy):
                if legacy:
                    key = jax.random.PRNGKey(seed)
                else:
                    key = jax.random.key(seed)
                return key
            """
        ),
        Valid(
            """
            import jax

            def keys(seed):
                first = jax.random.key(seed)
                seed = seed + 1
                second = jax.random.key(seed)
                return first, second
            """
        ),
        Valid(
            """
            from flax import nnx

            def build(make_a, make_b):
                rngs = nnx.Rngs(params=0, dropout=1)
                return make_a(rngs=rngs), make_b(rngs=rngs)
            """
        ),
        Valid(
            """
            import jax

            def run(n):
                for i in range(n):
                    key = jax.random.key(i)
                    yield jax.random.normal(key)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            def init(seed):
                params_key = jax.random.key(seed)
                data_key = jax.random.key(seed)
                return params_key, data_key
            """,
            count=1,
            line=5,
            column=16,
            message_contains="line 4",
        ),
        Invalid(
            """
            from flax import nnx

            encoder = Encoder(rngs=nnx.Rngs(0))
            decoder = Decoder(rngs=nnx.Rngs(0))
            model = AutoEncoder(encoder, decoder)
            """,
            count=1,
            line=4,
        ),
        Invalid(
            """
            import jax
            from flax import nnx

            def build(seed):
                key = jax.random.key(seed)
                rngs = nnx.Rngs(params=key, dropout=key)
                return rngs
            """,
            count=1,
            line=6,
            column=41,
            message_contains="`params` and `dropout`",
        ),
        Invalid(
            """
            import jax.random as jr

            def train(steps, update, state):
                for step in range(steps):
                    key = jr.PRNGKey(0)
                    state = update(state, jr.normal(key, (4,)))
                return state
            """,
            count=1,
            line=5,
            message_contains="every iteration",
        ),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        if not self.option("seed-reused-in-tests") and is_test_file(self.context.filename):
            return
        stack: list[cst.CSTNode] = [node]
        while stack:
            scope = stack.pop()
            walker = _ScopeWalker(self, scope)
            walker.run()
            stack.extend(walker.nested)


def is_test_file(filename: str) -> bool:
    """A file pytest would collect (`test_*.py`, `*_test.py`), a `conftest.py`, or one under `tests/` or `test/`."""
    path = PurePath(filename)
    stem = path.stem
    if path.name == "conftest.py" or stem.startswith("test_") or stem.endswith("_test"):
        return True
    return any(part in ("tests", "test") for part in path.parts[:-1])


class _ScopeWalker:
    """Walks one scope in execution order, recording key constructions and seed bindings."""

    def __init__(self, rule: SeedReused, scope: cst.CSTNode) -> None:
        self.rule = rule
        self.context: FileContext = rule.context
        self.scope = scope
        self.versions: dict[str, int] = {}
        self.constructions: list[_Construction] = []
        self.loops: list[_Loop] = []
        self.nested: list[cst.CSTNode] = []
        self.reported: set[int] = set()
        self.index = 0
        self.holders: frozenset[str] = frozenset()
        # (statement index, name or attribute chain) of every read.
        self.reads: list[tuple[int, str]] = []
        self.pairs: list[tuple[_Construction, _Construction]] = []
        # Constructions that are the key argument of `fold_in`, with the data folded in.
        self.folded: dict[int, cst.BaseExpression] = {}

    def run(self) -> None:
        body = self.scope.body if not isinstance(self.scope, cst.Module) else self.scope
        if isinstance(self.scope, cst.Module):
            self._block(self.scope.body, ())
        else:
            assert isinstance(body, cst.BaseSuite)
            self._suite(body, ())
        for earlier, made in self.pairs:
            if self._both_live(earlier, made):
                self._report(made, self._message(made, earlier))

    def _both_live(self, earlier: _Construction, made: _Construction) -> bool:
        """True if what the first construction went into is still used once the second is made.

        `key = PRNGKey(0)` made again into the same name starts over (a
        notebook cell, a second benchmark); a first key whose holder is never
        read again cannot meet the second one's numbers.
        """
        if earlier.index == made.index:
            return True
        if not earlier.holders or earlier.holders & made.holders:
            return False
        return any(index > made.index and name in earlier.holders for index, name in self.reads)

    # --- bindings -----------------------------------------------------------

    def _bump(self, name: str) -> None:
        self.versions[name] = self.versions.get(name, 0) + 1

    def _bind_target(self, target: cst.BaseExpression, path: Path) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind_target(element.value, path)
            return
        if isinstance(target, cst.StarredElement):
            self._bind_target(target.value, path)
            return
        text = dotted_name(target)
        if text is not None:
            self._bump(text)
            return
        # A subscript target: its parts are read, nothing nameable is bound.
        self._expr(target, path)

    # --- statements -----------------------------------------------------------

    def _suite(self, suite: cst.BaseSuite, path: Path) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._block(suite.body, path)
        else:
            self._block([suite], path)  # type: ignore[list-item]

    def _block(self, statements, path: Path) -> None:
        start = len(self.constructions)
        for statement in statements:
            if self._statement(statement, path):
                # A `return` or `raise`: what this block made is on no path with what follows.
                for construction in self.constructions[start:]:
                    construction.alive = False
                return

    def _statement(self, node: cst.CSTNode, path: Path) -> bool:
        """Walk one statement; True if it always leaves the block (`return`, `raise`)."""
        self.index += 1
        self.holders = frozenset()
        if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            ends = False
            for small in node.body:
                ends = self._small(small, path) or ends
            return ends
        if isinstance(node, cst.If):
            if _is_type_checking(node.test, self.context):
                # Never runs.
                if node.orelse is not None:
                    other = node.orelse
                    if isinstance(other, cst.If):
                        self._statement(other, path)
                    else:
                        self._suite(other.body, path)
                return False
            self._expr(node.test, path)
            self._suite(node.body, (*path, (id(node), 0)))
            if node.orelse is not None:
                other = (*path, (id(node), 1))
                if isinstance(node.orelse, cst.If):
                    self._statement(node.orelse, other)
                else:
                    self._suite(node.orelse.body, other)
            return False
        if isinstance(node, cst.For):
            self._expr(node.iter, path)
            loop = _Loop(node, _bound_in_loop(node), path, _carries_state(node.body))
            self.loops.append(loop)
            self._bind_target(node.target, path)
            self._suite(node.body, path)
            self.loops.pop()
            if node.orelse is not None:
                self._suite(node.orelse.body, path)
            return False
        if isinstance(node, cst.While):
            loop = _Loop(node, _bound_in_loop(node), path, _carries_state(node.body))
            self.loops.append(loop)
            self._expr(node.test, path)
            self._suite(node.body, path)
            self.loops.pop()
            if node.orelse is not None:
                self._suite(node.orelse.body, path)
            return False
        if isinstance(node, cst.Try | cst.TryStar):
            self._suite(node.body, (*path, (id(node), 0)))
            for index, handler in enumerate(node.handlers, start=1):
                if handler.type is not None:
                    self._expr(handler.type, path)
                if handler.name is not None:
                    self._bind_target(handler.name.name, path)
                self._suite(handler.body, (*path, (id(node), index)))
            if node.orelse is not None:
                self._suite(node.orelse.body, (*path, (id(node), 0)))
            if node.finalbody is not None:
                self._suite(node.finalbody.body, path)
            return False
        if isinstance(node, cst.With):
            for item in node.items:
                self._expr(item.item, path)
                if item.asname is not None:
                    self._bind_target(item.asname.name, path)
            self._suite(node.body, path)
            return False
        if isinstance(node, cst.Match):
            self._expr(node.subject, path)
            for index, case in enumerate(node.cases):
                self._suite(case.body, (*path, (id(node), index)))
            return False
        if isinstance(node, cst.FunctionDef):
            for decorator in node.decorators:
                self._expr(decorator.decorator, path)
            self._parameters(node.params, path)
            self._read_all(node.body)
            self._bump(node.name.value)
            self.nested.append(node)
            return False
        if isinstance(node, cst.ClassDef):
            for decorator in node.decorators:
                self._expr(decorator.decorator, path)
            for base in node.bases:
                self._expr(base.value, path)
            self._read_all(node.body)
            self._bump(node.name.value)
            self.nested.append(node)
            return False
        return False

    def _parameters(self, params: cst.Parameters, path: Path) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self._expr(param.default, path)

    def _small(self, node: cst.BaseSmallStatement, path: Path) -> bool:
        self.index += 1
        self.holders = frozenset()
        if isinstance(node, cst.Assign | cst.AnnAssign):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            self.holders = frozenset(
                text for target in targets for element in _flatten(target) if (text := dotted_name(element))
            )
        if isinstance(node, cst.Assign):
            self._expr(node.value, path)
            for target in node.targets:
                self._bind_target(target.target, path)
            return False
        if isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._expr(node.value, path)
                self._bind_target(node.target, path)
            return False
        if isinstance(node, cst.AugAssign):
            self._expr(node.value, path)
            self._bind_target(node.target, path)
            return False
        if isinstance(node, cst.Del):
            self._bind_target(node.target, path)
            return False
        if isinstance(node, cst.Import | cst.ImportFrom):
            if not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    local = alias.asname.name if alias.asname is not None else alias.name
                    text = dotted_name(local) if isinstance(local, cst.BaseExpression) else None
                    if text is not None:
                        self._bump(text.split(".")[0])
            return False
        if isinstance(node, cst.Return):
            if node.value is not None:
                self._expr(node.value, path)
            return True
        if isinstance(node, cst.Raise):
            if node.exc is not None:
                self._expr(node.exc, path)
            return True
        for child in children(node):
            if isinstance(child, cst.BaseExpression):
                self._expr(child, path)
        return False

    # --- expressions ------------------------------------------------------------

    def _read_all(self, node: cst.CSTNode) -> None:
        """Record every name a nested body reads, as read where it is defined."""
        for name in names_read(node):
            self.reads.append((self.index, name.value))

    def _expr(self, node: cst.CSTNode, path: Path) -> None:
        if isinstance(node, cst.Name):
            self.reads.append((self.index, node.value))
            return
        if isinstance(node, cst.Attribute):
            text = dotted_name(node)
            if text is not None:
                self.reads.append((self.index, text))
        if isinstance(node, cst.Lambda):
            self._parameters(node.params, path)
            self._read_all(node.body)
            return
        if isinstance(node, cst.IfExp):
            self._expr(node.test, path)
            self._expr(node.body, (*path, (id(node), 0)))
            self._expr(node.orelse, (*path, (id(node), 1)))
            return
        if isinstance(node, cst.BooleanOperation):
            self._expr(node.left, path)
            self._expr(node.right, (*path, (id(node), 1)))
            return
        if isinstance(node, cst.Tuple | cst.List):
            for element in node.elements:
                value = element.value
                if isinstance(value, cst.Call) and self._is_construction(value):
                    # Stored for later, not drawn from: what consumes it is unknown here.
                    for child in children(value):
                        self._expr(child, path)
                else:
                    self._expr(value, path)
            return
        if isinstance(node, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp):
            self._comprehension(node, path)
            return
        if isinstance(node, cst.NamedExpr):
            self._expr(node.value, path)
            self._bind_target(node.target, path)
            return
        if isinstance(node, cst.Call):
            qualname = self.context.qualname(node.func)
            if qualname in _ABSTRACT:
                # Constructions directly in its arguments draw nothing; nested calls still run.
                self._expr(node.func, path)
                for arg in node.args:
                    if not (isinstance(arg.value, cst.Call) and self._is_construction(arg.value)):
                        self._expr(arg.value, path)
                return
            if qualname == "jax.random.fold_in" and len(node.args) >= 2 and isinstance(node.args[0].value, cst.Call):
                # `fold_in(key(0), i)`: the key that matters is the folded one.
                self.folded[id(node.args[0].value)] = node.args[1].value
            for child in children(node):
                self._expr(child, path)
            self._record(node, qualname, path)
            return
        for child in children(node):
            self._expr(child, path)

    def _comprehension(self, node, path: Path) -> None:
        loop = _Loop(node, _bound_in_loop(node), path)
        comp = node.for_in
        self._expr(comp.iter, path)
        self.loops.append(loop)
        while True:
            self._bind_target(comp.target, path)
            for condition in comp.ifs:
                self._expr(condition.test, path)
            if comp.inner_for_in is None:
                break
            comp = comp.inner_for_in
            self._expr(comp.iter, path)
        if isinstance(node, cst.DictComp):
            self._expr(node.key, path)
            self._expr(node.value, path)
        else:
            self._expr(node.elt, path)
        self.loops.pop()

    # --- constructions ------------------------------------------------------------

    def _is_construction(self, call: cst.Call) -> bool:
        qualname = self.context.qualname(call.func)
        return qualname in _KEY_CONSTRUCTORS or qualname == _jax.RNGS

    def _record(self, call: cst.Call, qualname: str | None, path: Path) -> None:
        if qualname in _KEY_CONSTRUCTORS:
            seed: cst.BaseExpression | None = None
            extra: list[str] = []
            for index, arg in enumerate(call.args):
                if arg.star:
                    return
                if (arg.keyword is None and index == 0) or (arg.keyword is not None and arg.keyword.value == "seed"):
                    seed = arg.value
                else:
                    extra.append(self._code(arg))
            if seed is None:
                return
            folded = self.folded.get(id(call))
            folded_names: list[str] = []
            if folded is not None:
                identity = self._identity(folded)
                if identity is None:
                    return
                _pure(folded, folded_names)
                extra.append(repr(("fold_in", identity)))
            self._add(call, call, seed, None, path, tuple(extra), more_names=folded_names)
        elif qualname == _jax.RNGS:
            in_call: list[_Construction] = []
            for index, arg in enumerate(call.args):
                if arg.star:
                    continue
                if arg.keyword is None:
                    if index != 0:
                        continue
                    stream = "default"
                else:
                    stream = arg.keyword.value
                made = self._add(arg.value, call, arg.value, stream, path, (), in_call)
                if made is not None:
                    in_call.append(made)

    def _code(self, node: cst.CSTNode) -> str:
        return "".join(self.context.module.code_for_node(node).split())

    def _identity(self, node: cst.BaseExpression) -> tuple | None:
        """What makes two seed expressions equal here: their text and the versions of their names."""
        names: list[str] = []
        if not _pure(node, names):
            return None
        versions = tuple(sorted({(name, self.versions.get(name, 0)) for name in names}))
        return (self._code(node), versions)

    def _add(
        self,
        report_at: cst.CSTNode,
        call: cst.Call,
        seed: cst.BaseExpression,
        stream: str | None,
        path: Path,
        extra: tuple[str, ...],
        same_call: list[_Construction] | None = None,
        more_names: list[str] | None = None,
    ) -> _Construction | None:
        identity = self._identity(seed)
        if identity is None:
            return None
        names: list[str] = list(more_names or ())
        _pure(seed, names)
        made = _Construction(
            report_at,
            (identity, extra),
            self._code(seed),
            path,
            call,
            stream,
            call,
            frozenset(names),
            self.index,
            self.holders,
        )
        if not self._report_loop(made):
            if same_call:
                earlier = next((c for c in same_call if c.seed == made.seed), None)
                if earlier is not None:
                    self._report(
                        made,
                        f"streams `{earlier.stream}` and `{stream}` of this `nnx.Rngs` start from the same "
                        f"seed `{made.seed_text}`: their draws coincide; give each stream its own seed or split "
                        "the key for them",
                    )
            else:
                earlier = next(
                    (c for c in self.constructions if c.alive and c.seed == made.seed and _same_path(c.path, path)),
                    None,
                )
                if earlier is not None:
                    self.pairs.append((earlier, made))
        self.constructions.append(made)
        return made

    def _message(self, made: _Construction, earlier: _Construction) -> str:
        line = self.context.line_of(earlier.call)
        what = _what(made)
        first = _what(earlier, this=False)
        return (
            f"{what} is made from the same seed `{made.seed_text}` as {first} on line {line}: they draw "
            "identical numbers; split one key for both (`jax.random.split`), or, if the reuse is deliberate "
            "(comparing two implementations), say so with `jax.random.clone` or one key passed to both"
        )

    def _report_loop(self, made: _Construction) -> bool:
        """Report a construction re-made from an unchanged seed on every iteration; True if reported."""
        for loop in self.loops:
            if made.path != loop.path or not loop.carries:
                # Inside a branch of the loop body: maybe only once (`if key is None:`).
                continue
            if made.names & loop.bound:
                continue
            line = self.context.line_of(loop.node)
            self._report(
                made,
                f"{_what(made)} is re-made from the unchanged seed `{made.seed_text}` on every iteration of the "
                f"loop on line {line}: every iteration draws the same numbers; make the key once before the loop "
                "and split it (or fold in the iteration number)",
            )
            return True
        return False

    def _report(self, made: _Construction, message: str) -> None:
        if id(made.node) in self.reported:
            return
        self.reported.add(id(made.node))
        self.rule.report(made.node, message)


def _is_type_checking(test: cst.BaseExpression, context: FileContext) -> bool:
    if isinstance(test, cst.Name) and test.value == "TYPE_CHECKING":
        return True
    return context.qualname(test) in ("typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING")


def _what(made: _Construction, *, this: bool = True) -> str:
    article = "this" if this else "the"
    if made.stream is None:
        return f"{article} key"
    return f"the `{made.stream}` stream of {article} `nnx.Rngs`"


def _same_path(a: Path, b: Path) -> bool:
    arms = dict(a)
    return all(arms.get(node, arm) == arm for node, arm in b)


def _pure(node: cst.BaseExpression, names: list[str]) -> bool:
    """Literals, names, attribute chains, subscripts and arithmetic of them: no calls."""
    if isinstance(node, cst.Integer | cst.Float | cst.SimpleString):
        return True
    if isinstance(node, cst.Name | cst.Attribute):
        text = dotted_name(node)
        if text is None:
            return False
        parts = text.split(".")
        # A chain depends on each of its prefixes (`cfg` and `cfg.seed`).
        names.extend(".".join(parts[: end + 1]) for end in range(len(parts)))
        return True
    if isinstance(node, cst.UnaryOperation):
        return _pure(node.expression, names)
    if isinstance(node, cst.BinaryOperation):
        return _pure(node.left, names) and _pure(node.right, names)
    if isinstance(node, cst.Subscript):
        return _pure(node.value, names) and all(
            isinstance(e.slice, cst.Index) and _pure(e.slice.value, names) for e in node.slice
        )
    return False


def _carries_state(body: cst.BaseSuite) -> bool:
    """True if some name is read in the loop body before the body rebinds it (in execution order)."""
    written: set[str] = set()
    exposed: set[str] = set()

    def reads(node: cst.CSTNode) -> None:
        for name in names_read(node):
            if name.value not in written:
                exposed.add(name.value)

    def writes(target: cst.BaseExpression) -> None:
        for name in bound_names(target):
            if name in exposed:
                raise _Carried
            written.add(name)

    def walk(node: cst.CSTNode) -> None:
        if isinstance(node, cst.Assign):
            reads(node.value)
            for target in node.targets:
                writes(target.target)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                reads(node.value)
                writes(node.target)
        elif isinstance(node, cst.AugAssign):
            reads(node.value)
            if any(name not in written for name in bound_names(node.target)):
                raise _Carried
        elif isinstance(node, cst.For):
            reads(node.iter)
            writes(node.target)
            walk(node.body)
            if node.orelse is not None:
                walk(node.orelse)
        elif isinstance(node, cst.FunctionDef | cst.ClassDef):
            written.add(node.name.value)
        elif isinstance(
            node,
            cst.BaseSuite | cst.SimpleStatementLine | cst.If | cst.Else | cst.While | cst.Try | cst.With
            | cst.ExceptHandler | cst.Finally | cst.Match | cst.MatchCase,
        ):
            for child in children(node):
                walk(child)
        elif isinstance(node, cst.BaseSmallStatement | cst.BaseExpression):
            reads(node)

    try:
        walk(body)
    except _Carried:
        return True
    return False


class _Carried(Exception):
    """Raised as soon as a carried name is found."""


def _bound_in_loop(node: cst.CSTNode) -> set[str]:
    """Names and attribute chains bound anywhere in a loop (its targets included)."""
    found: set[str] = set()
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        targets: list[cst.BaseExpression] = []
        if isinstance(current, cst.Assign):
            targets = [t.target for t in current.targets]
        elif isinstance(current, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor | cst.NamedExpr):
            targets = [current.target]
        elif isinstance(current, cst.WithItem) and current.asname is not None:
            targets = [current.asname.name]
        elif isinstance(current, cst.Del):
            targets = [current.target]
        for target in targets:
            found.update(bound_names(target))
            for element in _flatten(target):
                text = dotted_name(element)
                if text is not None:
                    found.add(text)
        if isinstance(current, cst.Lambda | cst.FunctionDef | cst.ClassDef) and current is not node:
            if isinstance(current, cst.FunctionDef | cst.ClassDef):
                found.add(current.name.value)
            continue
        stack.extend(children(current))
    return found


def _flatten(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(target, cst.Tuple | cst.List):
        return [item for element in target.elements for item in _flatten(element.value)]
    if isinstance(target, cst.StarredElement):
        return _flatten(target.value)
    return [target]
