"""PRN009: a key seeded from the clock, OS entropy, the process id or an unseeded host RNG."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import libcst as cst

from prnglint.engine import Invalid, Rule, Valid
from prnglint.names import dotted_name
from prnglint.rules import _host_rng, _jax
from prnglint.rules._scopes import ScopeInfo, ScopeTracker, parameter_names, target_names

_CLOCK = "the clock"
_ENTROPY = "the operating system's entropy"
_PID = "the process id"

# Calls whose result differs from run to run, and what it comes from.
SOURCES: dict[str, str] = {
    **{
        f"time.{name}": _CLOCK
        for name in (
            "time time_ns monotonic monotonic_ns perf_counter perf_counter_ns process_time process_time_ns "
            "thread_time thread_time_ns clock_gettime clock_gettime_ns"
        ).split()
    },
    "datetime.datetime.now": _CLOCK,
    "datetime.datetime.utcnow": _CLOCK,
    "datetime.datetime.today": _CLOCK,
    "datetime.date.today": _CLOCK,
    "os.urandom": _ENTROPY,
    "os.getrandom": _ENTROPY,
    **{f"secrets.{name}": _ENTROPY for name in "randbits randbelow token_bytes token_hex token_urlsafe choice".split()},
    "uuid.uuid1": _ENTROPY,
    "uuid.uuid4": _ENTROPY,
    "os.getpid": _PID,
    "os.getppid": _PID,
    "threading.get_ident": _PID,
    "threading.get_native_id": _PID,
}
_SEED_SEQUENCE = "numpy.random.SeedSequence"

# The key constructors and the (position, keyword) of the argument that seeds
# them; None stands for "every argument" (`nnx.Rngs(0, params=1)`).
CONSTRUCTORS: dict[str, tuple[int, str] | None] = {
    "jax.random.key": (0, "seed"),
    "jax.random.PRNGKey": (0, "seed"),
    "jax.random.wrap_key_data": (0, "key_bits_array"),
    "jax.random.fold_in": (1, "data"),
    _jax.RNGS: None,
    "haiku.PRNGSequence": (0, "key_or_seed"),
}
# The words a source needs in the file (its import spells them).
_SOURCE_WORDS = ("time", "urandom", "getrandom", "getpid", "getppid", "secrets", "uuid", "threading", "random")


@dataclass(frozen=True)
class Taint:
    """A value that differs from run to run: what it comes from, as written."""

    origin: str
    text: str
    # The value is a generator object: what it draws is tainted, not the object.
    generator: bool = False


State = dict[str, Taint]


def _meet(*states: State | None) -> State | None:
    """Merge paths: a name stays tainted only if it is tainted on every path that reaches here.

    None is an unreachable path (after `return` or `raise`), which merges
    into nothing.
    """
    live = [state for state in states if state is not None]
    if not live:
        return None
    first, *rest = live
    return {
        name: taint
        for name, taint in first.items()
        if all(name in other and other[name].generator == taint.generator for other in rest)
    }


class NondeterministicSeed(ScopeTracker, Rule):
    """
    ## What it does
    Finds keys whose seed differs from run to run: a `jax.random.key`,
    `jax.random.PRNGKey`, `jax.random.wrap_key_data`, `jax.random.fold_in`
    (its data), `flax.nnx.Rngs` or `haiku.PRNGSequence` seeded from the
    clock (`time.time()`, `time.time_ns()`, `datetime.now()`, ...), the
    operating system's entropy (`os.urandom`, `secrets`, `uuid.uuid4()`,
    `random.SystemRandom`, an empty `np.random.SeedSequence()`), the process
    id (`os.getpid()`), or a host generator made without a seed
    (`np.random.default_rng()`, `np.random.RandomState()`, `random.Random()`).

    Draws from NumPy's or Python's global generator (`np.random.randint`,
    `random.getrandbits`) are not reported: whether that generator was
    seeded is decided elsewhere in the process (a `conftest.py`, a
    `set_seed` helper), which one file cannot tell.

    The seed is followed through the function's assignments, arithmetic,
    conversions and method calls (`seed = int(time.time()) % 2**31`,
    `uuid.uuid4().int`), along every path: a seed taken from the clock only
    as a fallback (`args.seed if args.seed is not None else time.time_ns()`,
    `cfg.get("seed", ...)`, `seed or ...`, or an `if seed is None:` branch)
    is not reported, since the run is reproducible whenever a seed is given.

    ## Why is this bad?
    A run seeded from the clock or from fresh entropy draws different
    initial weights, dropout masks and data orders every time it starts, so
    a failure cannot be reproduced, a result cannot be checked, and two
    configurations cannot be compared on equal terms. Nothing in the
    checkpoint or the logs records the seed unless the code does so on
    purpose.

    ## Example
    ```python
    import time
    import jax

    def main():
        key = jax.random.key(int(time.time()))
        ...
    ```

    ## Use instead
    ```python
    import jax

    def main(seed: int):
        key = jax.random.key(seed)
        ...
    ```

    ## Fix safety
    There is no automatic fix: where the seed should come from (a
    configuration field, a command-line flag, a recorded value) is a design
    decision. When a random seed is wanted on purpose, log it and suppress
    the finding with `# noqa: PRN009`.
    """

    code = "PRN009"
    name = "nondeterministic-seed"
    summary = "PRNG key seeded from the clock, OS entropy, the process id or an unseeded host RNG"
    # Every report is at a call that resolves to a constructor, and needs a
    # source, whose import spells one of `_SOURCE_WORDS` ("random" is part
    # of the `jax.random` group already).
    words = (
        *_jax.JAX_RANDOM_WORDS,
        *((*group, word) for group in _jax.RNGS_WORDS for word in _SOURCE_WORDS),
        *(("haiku", "PRNGSequence", word) for word in _SOURCE_WORDS),
    )
    qualnames = frozenset(CONSTRUCTORS)

    VALID = [
        Valid(
            """
            import jax

            def main(seed: int):
                return jax.random.key(seed)
            """
        ),
        Valid(
            """
            import time
            import jax

            def main(args):
                seed = args.seed if args.seed is not None else time.time_ns()
                return jax.random.key(seed)
            """
        ),
        Valid(
            """
            import time
            import jax

            def main(seed=None):
                if seed is None:
                    seed = int(time.time())
                    print("seed", seed)
                return jax.random.PRNGKey(seed)
            """
        ),
        Valid(
            """
            import numpy as np
            import jax

            def main():
                # The global generator may be seeded elsewhere (a conftest.py).
                return jax.random.key(np.random.randint(2**31))
            """
        ),
        Valid(
            """
            import time
            import jax

            def main(seed):
                start = time.time()
                key = jax.random.key(seed)
                print(time.time() - start)
                return key
            """
        ),
        Valid(
            """
            import numpy as np
            from flax import nnx

            def build():
                rng = np.random.default_rng(0)
                return nnx.Rngs(int(rng.integers(2**31)))
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import time
            import jax

            def main():
                seed = int(time.time())
                return jax.random.key(seed)
            """,
            count=1,
            line=6,
            column=12,
            message_contains="the clock",
        ),
        Invalid(
            """
            import os
            from flax import nnx

            rngs = nnx.Rngs(params=0, dropout=int.from_bytes(os.urandom(4), "little"))
            """,
            count=1,
            message_contains="entropy",
        ),
        Invalid(
            """
            from datetime import datetime
            from jax import random

            def make_key():
                now = datetime.now()
                return random.PRNGKey(int(now.timestamp() * 1000) % 2**32)
            """,
            count=1,
        ),
        Invalid(
            """
            import numpy as np
            import jax

            def make_key():
                rng = np.random.default_rng()
                return jax.random.key(rng.integers(0, 2**31))
            """,
            count=1,
            message_contains="without a seed",
        ),
        Invalid(
            """
            import os
            import jax

            def worker_key(key):
                return jax.random.fold_in(key, os.getpid())
            """,
            count=1,
            message_contains="process id",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        # Constructor calls by the scope whose flow checks them, then by statement.
        self._targets: dict[int, dict[int, list[tuple[cst.Call, frozenset[str]]]]] = {}
        self._finals: dict[int, State] = {}
        self._reported: set[int] = set()

    # --- Collect the constructor calls, their scopes and statements ---------------------

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualname(node.func) not in CONSTRUCTORS:
            return
        # Comprehensions run in the scope around them, with their targets shadowing its names.
        scope = self.current_scope()
        shadowed: set[str] = set()
        while isinstance(scope.node, cst.BaseComp) and scope.parent is not None:
            shadowed |= scope.bound
            scope = scope.parent
        where = id(scope.node) if isinstance(scope.node, cst.Lambda) else id(self.current_statement())
        self._targets.setdefault(id(scope.node), {}).setdefault(where, []).append((node, frozenset(shadowed)))

    def leave_Module(self, original_node: cst.Module) -> None:
        for scope in list(self.scopes.values()):
            if id(scope.node) in self._targets:
                self._final_state(scope)

    # --- The flow of one scope ----------------------------------------------------------

    def _final_state(self, scope: ScopeInfo) -> State:
        """Run the scope once (reporting what it finds) and remember its final state."""
        key = id(scope)
        if key in self._finals:
            return self._finals[key]
        self._finals[key] = {}  # recursion guard
        flow = _Flow(self, scope)
        self._finals[key] = flow.run()
        return self._finals[key]

    def lookup_outer(self, scope: ScopeInfo, name: str) -> Taint | None:
        """The value of a free name of `scope`, from the final state of the scope that binds it."""
        if scope.parent is None:
            return None
        owner = self.binding_scope(name, scope.parent)
        if owner is None or owner.is_class or isinstance(owner.node, cst.BaseComp):
            return None
        return self._final_state(owner).get(name)

    def check(self, call: cst.Call, flow: _Flow, state: State, shadowed: frozenset[str]) -> None:
        """Report `call`, a key constructor, if what seeds it is tainted on every path."""
        if id(call) in self._reported:
            return
        qualname = self.context.qualname(call.func) or ""
        where = CONSTRUCTORS[qualname]
        if where is None:
            seeds = [arg.value for arg in call.args]
        else:
            seed = _host_rng.seed_argument(call, *where)
            seeds = [seed] if seed is not None else []
        visible = {name: taint for name, taint in state.items() if name.partition(".")[0] not in shadowed}
        flow.shadowed = shadowed
        try:
            taints = [flow.value(seed, visible) for seed in seeds]
        finally:
            flow.shadowed = frozenset()
        for taint in taints:
            if taint is None or taint.generator:
                continue
            self._reported.add(id(call))
            written = _jax.spelled(call)
            self.report(
                call,
                f"`{written}` is seeded from {taint.origin} (`{taint.text}`): every run starts from "
                "different numbers and none can be reproduced; take the seed from the configuration "
                "or the command line (and log it)",
            )
            return



class _Flow:
    """Must-taint dataflow over one scope's statements, checking its constructor calls."""

    def __init__(self, rule: NondeterministicSeed, scope: ScopeInfo) -> None:
        self.rule = rule
        self.scope = scope
        self.node = scope.node
        self.context = rule.context
        self.targets = rule._targets.get(id(scope.node), {})
        self.report = True
        self.jumps: list[list[State]] = []
        # Names bound by the comprehensions around the expression being checked.
        self.shadowed: frozenset[str] = frozenset()

    def run(self) -> State:
        scope = self.node
        if isinstance(scope, cst.Lambda):
            state: State = {}
            self._check(scope, state)
            return state
        statements = scope.body if isinstance(scope, cst.Module) else _suite(scope.body)
        # Parameters hold whatever the caller passed: clean.
        final = self.block(statements, {})
        return final if final is not None else {}

    # --- Values -----------------------------------------------------------------------

    def lookup(self, name: str, state: State) -> Taint | None:
        if name in self.shadowed:
            return None
        if name in state:
            return state[name]
        if isinstance(self.node, cst.FunctionDef | cst.Lambda) and name in parameter_names(self.node.params):
            return None
        return self.rule.lookup_outer(self.scope, name)

    def value(self, node: cst.BaseExpression, state: State) -> Taint | None:
        """The taint of evaluating `node` in `state` (None: the same on every run, as far as known)."""
        if isinstance(node, cst.Name):
            return self.lookup(node.value, state)
        if isinstance(node, cst.Attribute):
            dotted = dotted_name(node)
            if dotted is not None and dotted in state:
                return state[dotted]
            if self.context.qualname(node) is not None:
                return None
            return self.value(node.value, state)
        if isinstance(node, cst.Call):
            return self._call_value(node, state)
        if isinstance(node, cst.BinaryOperation):
            return _plain(self.value(node.left, state)) or _plain(self.value(node.right, state))
        if isinstance(node, cst.UnaryOperation):
            return _plain(self.value(node.expression, state))
        if isinstance(node, cst.BooleanOperation):
            # `seed or time.time()` is a fallback: tainted only when both sides are.
            left, right = self.value(node.left, state), self.value(node.right, state)
            return left if left is not None and right is not None else None
        if isinstance(node, cst.IfExp):
            body, orelse = self.value(node.body, state), self.value(node.orelse, state)
            return body if body is not None and orelse is not None else None
        if isinstance(node, cst.Subscript):
            return _plain(self.value(node.value, state))
        if isinstance(node, cst.Await):
            return self.value(node.expression, state)
        if isinstance(node, cst.NamedExpr):
            taint = self.value(node.value, state)
            self.assign(node.target, node.value, taint, state)
            return taint
        if isinstance(node, cst.Comparison):
            # Only for the names it may bind (`if (seed := time.time_ns()) > 0:`).
            self.value(node.left, state)
            for target in node.comparisons:
                self.value(target.comparator, state)
        return None

    def _call_value(self, node: cst.Call, state: State) -> Taint | None:
        context = self.context
        qualname = context.qualname(node.func)
        written = f"{dotted_name(node.func) or 'call'}()"
        if qualname is not None:
            origin = SOURCES.get(qualname)
            if origin is not None:
                return Taint(origin, written)
            if qualname == _SEED_SEQUENCE:
                entropy = _host_rng.seed_argument(node, 0, "entropy")
                if entropy is None or (isinstance(entropy, cst.Name) and entropy.value == "None"):
                    return Taint(_ENTROPY, written)
                return self.value(entropy, state)
            made = _host_rng.generator_construction(node, context)
            if made is not None:
                seeding, seed = made
                if seeding == "entropy":
                    return Taint(_ENTROPY, written, generator=True)
                if seeding == "unseeded":
                    return Taint("a generator made without a seed", written, generator=True)
                taint = self.value(seed, state) if seed is not None else None
                return dataclasses.replace(taint, generator=True) if taint is not None and not taint.generator else taint
            if qualname in CONSTRUCTORS:
                return None
        elif isinstance(node.func, cst.Attribute):
            receiver = self.value(node.func.value, state)
            method = node.func.attr.value
            if receiver is not None:
                if receiver.generator:
                    if method in _host_rng.GENERATOR_DRAW_METHODS:
                        return Taint(receiver.origin, f"{dotted_name(node.func) or method}()")
                    return receiver
                # A method of a value that differs from run to run (`now.timestamp()`).
                return receiver
            if method in ("get", "pop", "setdefault"):
                # `cfg.get("seed", time.time())`: the clock only as a fallback.
                return None
        elif isinstance(node.func, cst.Name) and node.func.value == "getattr":
            return None
        # Conversions and arithmetic helpers carry their argument's taint (`int(time.time())`).
        for arg in node.args:
            taint = self.value(arg.value, state)
            if taint is not None and not taint.generator:
                return taint
        return None

    def assign(
        self, target: cst.BaseExpression, value_node: cst.BaseExpression | None, taint: Taint | None, state: State
    ) -> None:
        if isinstance(target, cst.Tuple | cst.List) and isinstance(value_node, cst.Tuple | cst.List):
            targets, values = target.elements, value_node.elements
            if len(targets) == len(values) and not any(isinstance(e, cst.StarredElement) for e in (*targets, *values)):
                for element, value in zip(targets, values):
                    self.assign(element.value, value.value, self.value(value.value, state), state)
                return
        names = target_names(target)
        if isinstance(target, cst.Attribute):
            dotted = dotted_name(target)
            names = [dotted] if dotted is not None else []
        for name in names:
            if taint is None:
                state.pop(name, None)
            else:
                state[name] = taint

    # --- Statements ---------------------------------------------------------------------

    def _check(self, statement: cst.CSTNode, state: State) -> None:
        """Check the constructor calls evaluated by `statement` (its header, for a compound one)."""
        if not self.report:
            return
        for call, shadowed in self.targets.get(id(statement), ()):
            self.rule.check(call, self, state, shadowed)

    def block(self, statements, state: State | None) -> State | None:
        for statement in statements:
            if state is None:
                return None
            state = self.statement(statement, state)
        return state

    def statement(self, statement: cst.CSTNode, state: State) -> State | None:
        # A line's calls are checked before its first statement runs.
        self._check(statement, state)
        if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in statement.body:
                state = self.small(small, state)
                if state is None:
                    return None
            return state
        if isinstance(statement, cst.If):
            self.value(statement.test, state)
            body = self.block(_suite(statement.body), dict(state))
            orelse = statement.orelse
            if orelse is None:
                other: State | None = state
            elif isinstance(orelse, cst.If):
                other = self.statement(orelse, dict(state))
            else:
                other = self.block(_suite(orelse.body), dict(state))
            return _meet(body, other)
        if isinstance(statement, cst.For | cst.While):
            return self._loop(statement, state)
        if isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    self.assign(item.asname.name, None, None, state)
            return self.block(_suite(statement.body), state)
        if isinstance(statement, cst.Try | cst.TryStar):
            before = dict(state)
            body = self.block(_suite(statement.body), state)
            entering = _meet(before, body) or before
            handlers = [self.block(_suite(h.body), dict(entering)) for h in statement.handlers]
            after_body = self.block(_suite(statement.orelse.body), body) if statement.orelse and body is not None else body
            combined = _meet(after_body, *handlers)
            if statement.finalbody is not None:
                final = self.block(_suite(statement.finalbody.body), dict(combined if combined is not None else entering))
                return final if combined is not None else None
            return combined
        if isinstance(statement, cst.Match):
            cases = [self.block(_suite(case.body), dict(state)) for case in statement.cases]
            return _meet(state, *cases)
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            state.pop(statement.name.value, None)
            return state
        return state

    def small(self, small: cst.BaseSmallStatement, state: State) -> State | None:
        if isinstance(small, cst.Assign):
            taint = self.value(small.value, state)
            for target in small.targets:
                self.assign(target.target, small.value, taint, state)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                self.assign(small.target, small.value, self.value(small.value, state), state)
        elif isinstance(small, cst.AugAssign):
            taint = _plain(self.value(small.value, state)) or _plain(self.value(small.target, state))
            self.assign(small.target, None, taint, state)
        elif isinstance(small, cst.Expr):
            self.value(small.value, state)
        elif isinstance(small, cst.Return | cst.Raise):
            return None
        elif isinstance(small, cst.Break | cst.Continue):
            if self.jumps:
                self.jumps[-1].append(dict(state))
            return None
        elif isinstance(small, cst.Del):
            for name in target_names(small.target):
                state.pop(name, None)
        return state

    def _loop(self, statement: cst.For | cst.While, state: State) -> State | None:
        def body_from(entry: State) -> State | None:
            entry = dict(entry)
            if isinstance(statement, cst.For):
                self.assign(statement.target, None, self.value(statement.iter, entry), entry)
            else:
                self.value(statement.test, entry)
            return self.block(_suite(statement.body), entry)

        # A first, silent pass finds what the next iterations start from.
        reporting, self.report = self.report, False
        self.jumps.append([])
        first = body_from(state)
        early = self.jumps.pop()
        self.report = reporting
        head = _meet(state, first, *early) or state
        self.jumps.append([])
        after = body_from(head)
        jumps = self.jumps.pop()
        forever = isinstance(statement, cst.While) and isinstance(statement.test, cst.Name) and statement.test.value == "True"
        exit_state = _meet(*jumps) if forever else _meet(head, after, *jumps)
        if statement.orelse is not None and exit_state is not None:
            exit_state = self.block(_suite(statement.orelse.body), dict(exit_state))
        return exit_state


def _plain(taint: Taint | None) -> Taint | None:
    """A taint that arithmetic carries: a generator object itself is not a seed."""
    return taint if taint is not None and not taint.generator else None


def _suite(suite: cst.BaseSuite) -> tuple[cst.CSTNode, ...]:
    if isinstance(suite, cst.IndentedBlock):
        return tuple(suite.body)
    return (suite,)
