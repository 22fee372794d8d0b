"""PRN006: NumPy's or Python's random number generator called while JAX traces a function."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from prnglint.engine import Invalid, Rule, Valid
from prnglint.names import dotted_name
from prnglint.rules import _host_rng
from prnglint.rules._scopes import ScopeInfo, positional_parameters
from prnglint.rules._transforms import TRANSFORMS, Applied, TransformTracker

# What tracing does to host numbers, by the kind of transformation.
_CONSEQUENCE = {
    "compiled": "the compiled program replays the same numbers on every call",
    "differentiated": "they are constants of the traced computation, outside JAX's keys (under `jit`, the same on every call)",
    "mapped": "every element of the batch gets the same numbers",
    "looped": "every iteration of the loop gets the same numbers",
    "branched": "they are fixed when the branch is traced",
    "rematerialised": "they are fixed when the function is traced",
}
_MAX_HELPER_DEPTH = 6


@dataclass(frozen=True)
class _Traced:
    """Why a function is traced: the transformation, and the chain of callers from the traced one."""

    applied: Applied
    chain: tuple[str, ...]


@dataclass(frozen=True)
class _Candidate:
    call: cst.Call
    scope: ScopeInfo
    # "numpy"/"python" for a global draw; None for a method of a generator object.
    which: str | None
    order: int


class HostRngInTracedCode(TransformTracker, Rule):
    """
    ## What it does
    Finds draws from NumPy's or Python's random number generators inside a
    function that JAX traces: a function decorated with, or handed by name
    or as a lambda to, `jax.jit`, `jax.grad`/`value_and_grad` (and the other
    differentiation transforms), `jax.vmap`/`pmap`, `jax.checkpoint`, the
    bodies of `lax.scan`, `fori_loop`, `while_loop`, `map`, the branches of
    `lax.cond`/`switch`, `eqx.filter_jit`/`filter_grad`/`filter_vmap`, and
    `nnx.jit`/`grad`/`vmap`/`scan`/... (also through `functools.partial` and
    nested transformations such as `jax.jit(jax.vmap(f))`). Functions nested
    in a traced function, and the module's functions and methods it calls,
    are traced too.

    Reported are calls of NumPy's global generator (`np.random.normal`,
    `np.random.rand`, ...) and of Python's `random` module, and draws from a
    generator object (`np.random.Generator`, `RandomState`, `random.Random`)
    that comes from outside the traced function: made at module level, in an
    enclosing function, stored on `self`, passed in as a parameter annotated
    as a generator or bound with `functools.partial`, or made without a
    seed. A generator made inside the traced function from a fixed seed
    (`np.random.default_rng(0).normal(...)`) gives the same numbers traced or
    not, and is not reported; neither is a global draw after the function
    itself calls `np.random.seed(...)`, nor a draw in a function handed to
    `jax.pure_callback`, `io_callback` or `jax.debug.callback`, which run on
    the host at every call.

    ## Why is this bad?
    JAX runs the Python code of a traced function once, to record its
    operations; a host random number is drawn during that run and becomes a
    constant of the recorded program. Under `jit` every later call replays
    the same "random" numbers (a real VAE was trained on one fixed noise
    sample this way); under `vmap` every element gets the same numbers;
    in a `scan` body every iteration does. Nothing fails and nothing warns,
    and the numbers do not follow the JAX keys that make a run
    reproducible.

    ## Example
    ```python
    import jax
    import numpy as np

    @jax.jit
    def add_noise(x):
        return x + np.random.normal(size=x.shape)
    ```

    ## Use instead
    ```python
    import jax

    @jax.jit
    def add_noise(x, key):
        return x + jax.random.normal(key, x.shape)
    ```

    ## Fix safety
    There is no automatic fix: drawing with `jax.random` needs a key, which
    has to come from the caller (a new parameter, or the training state),
    and the numbers change.
    """

    code = "PRN006"
    name = "host-rng-in-traced-code"
    summary = "NumPy or Python random number generator called inside a function JAX traces"
    # A finding needs a transformation (its import spells `jax`, `equinox`
    # or `flax` and `nnx`) and a host generator (reached only through an
    # import that spells `random`: `numpy.random`, `random`).
    words = (("jax", "random"), ("equinox", "random"), ("flax", "nnx", "random"))
    # Every finding is in a function that some transformation is applied to.
    qualnames = frozenset(TRANSFORMS)

    VALID = [
        Valid(
            """
            import jax

            @jax.jit
            def add_noise(x, key):
                return x + jax.random.normal(key, x.shape)
            """
        ),
        Valid(
            """
            import jax
            import numpy as np

            def make_batch(n):
                return np.random.normal(size=(n, 3))

            @jax.jit
            def step(params, batch):
                return params - 0.1 * batch.mean()
            """
        ),
        Valid(
            """
            import jax
            import numpy as np

            @jax.jit
            def projection(x):
                # A fixed seed inside: the same matrix traced or not.
                rng = np.random.default_rng(0)
                return x @ rng.normal(size=(3, 3))
            """
        ),
        Valid(
            """
            import jax
            import numpy as np

            def host_noise(shape):
                return np.random.normal(size=shape).astype(np.float32)

            @jax.jit
            def f(x):
                noise = jax.pure_callback(host_noise, jax.ShapeDtypeStruct(x.shape, x.dtype), x.shape)
                return x + noise
            """
        ),
        Valid(
            """
            import random
            import jax

            def shuffle(items):
                random.shuffle(items)
                return items

            step = jax.jit(lambda x: x * 2)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax
            import numpy as np

            @jax.jit
            def add_noise(x):
                return x + np.random.normal(size=x.shape)
            """,
            count=1,
            line=6,
            column=16,
            message_contains="same numbers on every call",
        ),
        Invalid(
            """
            import jax
            import numpy as np

            rng = np.random.default_rng(0)

            def body(carry, x):
                return carry + rng.normal(), None

            total, _ = jax.lax.scan(body, 0.0, None, length=10)
            """,
            count=1,
            message_contains="every iteration",
        ),
        Invalid(
            """
            import random
            import equinox as eqx

            @eqx.filter_jit
            def dropout(x):
                return x if random.random() > 0.5 else 0 * x
            """,
            count=1,
        ),
        Invalid(
            """
            import numpy as np
            from flax import nnx

            class Noisy(nnx.Module):
                def __init__(self):
                    self.rng = np.random.default_rng(0)

                @nnx.jit
                def __call__(self, x):
                    return x + self.rng.standard_normal(x.shape)
            """,
            count=1,
            message_contains="`self.rng`",
        ),
        Invalid(
            """
            import jax
            import numpy as np

            def sample_noise(shape):
                return np.random.randn(*shape)

            def loss(params, x):
                return ((params * x + sample_noise(x.shape)) ** 2).sum()

            grads = jax.grad(loss)
            """,
            count=1,
            message_contains="called from `loss`",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._candidates: list[_Candidate] = []
        self._seeds: list[tuple[int, str, int]] = []
        self._calls: list[tuple[cst.Call, ScopeInfo]] = []
        self._order = 0

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        self._order += 1
        func = node.func
        qualname = self.context.qualname(func)
        if qualname is not None:
            which = _host_rng.global_draw(qualname)
            if which is not None:
                self._candidates.append(_Candidate(node, self.current_scope(), which, self._order))
            elif qualname in _host_rng.GLOBAL_SEEDERS.values():
                function = self.current_scope().enclosing_function()
                if function is not None:
                    self._seeds.append((id(function.node), "numpy" if qualname.startswith("numpy") else "python", self._order))
            return
        if isinstance(func, cst.Attribute) and func.attr.value in _host_rng.GENERATOR_DRAW_METHODS:
            self._candidates.append(_Candidate(node, self.current_scope(), None, self._order))
        if isinstance(func, cst.Name | cst.Attribute):
            self._calls.append((node, self.current_scope()))

    # --- Which functions are traced -----------------------------------------------------

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._candidates:
            return
        applied = self.applied_functions()
        if not applied:
            return
        self._host = self.host_callback_functions()
        traced: dict[int, _Traced] = {}
        for item in applied:
            traced.setdefault(id(item.node), _Traced(item, ()))
        self._traced = traced
        self._follow_helpers()
        for candidate in self._candidates:
            self._judge(candidate)

    def _traced_owner(self, scope: ScopeInfo) -> tuple[ScopeInfo, _Traced] | None:
        """The traced function `scope` lies in (itself or an enclosing one), unless a host callback intervenes."""
        current: ScopeInfo | None = scope
        while current is not None:
            key = id(current.node)
            if key in self._host:
                return None
            if key in self._traced:
                return current, self._traced[key]
            current = current.parent
        return None

    def _follow_helpers(self) -> None:
        """Functions and methods of the module called from traced code are traced too."""
        for _ in range(_MAX_HELPER_DEPTH):
            added = False
            for call, scope in self._calls:
                owner = self._traced_owner(scope)
                if owner is None:
                    continue
                owner_scope, why = owner
                caller = _function_name(owner_scope.node)
                for node, _, _ in self.resolve_function(call.func, scope):
                    if id(node) in self._traced or id(node) in self._host:
                        continue
                    self._traced[id(node)] = _Traced(why.applied, (*why.chain, caller))
                    added = True
            if not added:
                return

    # --- Judging a draw -----------------------------------------------------------------

    def _judge(self, candidate: _Candidate) -> None:
        owner = self._traced_owner(candidate.scope)
        if owner is None:
            return
        traced_scope, why = owner
        call = candidate.call
        if candidate.which is not None:
            function = candidate.scope.enclosing_function()
            if function is not None and any(
                scope_id == id(function.node) and which == candidate.which and order < candidate.order
                for scope_id, which, order in self._seeds
            ):
                # `np.random.seed(0)` first, in the same function: the same numbers, traced or not.
                return
            source = "NumPy's global generator" if candidate.which == "numpy" else "Python's global `random` generator"
        else:
            assert isinstance(call.func, cst.Attribute)
            source = self._generator_origin(call.func.value, candidate.scope, traced_scope)
            if source is None:
                return
        self._report(call, source, traced_scope, why)

    def _generator_origin(self, receiver: cst.BaseExpression, scope: ScopeInfo, traced: ScopeInfo) -> str | None:
        """How the generator `receiver` reaches the traced function, or None if it is no generator from outside."""
        if isinstance(receiver, cst.Call):
            made = _host_rng.generator_construction(receiver, self.context)
            if made is not None and made[0] != "seeded":
                return "a generator made without a seed"
            return None
        if isinstance(receiver, cst.Name):
            return self._name_origin(receiver.value, scope, traced)
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            owner = scope.enclosing_class()
            function = scope.enclosing_function()
            if owner is None or function is None or not isinstance(function.node, cst.FunctionDef):
                return None
            params = positional_parameters(function.node.params)
            if not params or params[0].name.value != receiver.value.value:
                return None
            attr = receiver.attr.value
            values = [*owner.self_assignments.get(attr, []), *owner.assignments.get(attr, [])]
            if any(self._is_generator(value, owner) for value in values):
                return f"a generator stored on `{receiver.value.value}.{attr}`"
        return None

    def _name_origin(self, name: str, scope: ScopeInfo, traced: ScopeInfo, depth: int = 0) -> str | None:
        owner = self.binding_scope(name, scope)
        if owner is None or depth > 4:
            return None
        inside = owner.is_within(traced)
        param = owner.parameter(name)
        if param is not None:
            if self._parameter_is_generator(param, owner):
                return f"a generator passed in as `{name}`"
            return None
        values = owner.assignments.get(name, [])
        if not values or name in owner.opaque or name in owner.unpacked:
            return None
        for value in values:
            made = _host_rng.generator_construction(value, self.context) if isinstance(value, cst.Call) else None
            if made is None:
                continue
            if made[0] != "seeded":
                return f"a generator made without a seed (`{name}`)"
            if not inside:
                return f"a generator made outside the traced function (`{name}`)"
        return None

    def _is_generator(self, value: cst.BaseExpression, scope: ScopeInfo) -> bool:
        if isinstance(value, cst.Call):
            return _host_rng.generator_construction(value, self.context) is not None
        if isinstance(value, cst.Name):
            owner = self.binding_scope(value.value, scope)
            if owner is None or value.value in owner.opaque or value.value in owner.unpacked:
                return False
            param = owner.parameter(value.value)
            if param is not None:
                return self._parameter_is_generator(param, owner)
            return any(
                isinstance(v, cst.Call) and _host_rng.generator_construction(v, self.context) is not None
                for v in owner.assignments.get(value.value, [])
            )
        return False

    def _parameter_is_generator(self, param: cst.Param, function: ScopeInfo) -> bool:
        """A parameter holds a generator when annotated so, defaulting to one, or bound to one by `partial`."""
        if param.annotation is not None:
            annotation = param.annotation.annotation
            if isinstance(annotation, cst.Name | cst.Attribute) and self.context.qualname(annotation) in _host_rng.GENERATOR_ANNOTATIONS:
                return True
        if param.default is not None and isinstance(param.default, cst.Call):
            if _host_rng.generator_construction(param.default, self.context) is not None:
                return True
        return False

    def _report(self, call: cst.Call, source: str, traced: ScopeInfo, why: _Traced) -> None:
        application = why.applied.application
        transform = application.transform
        site = application.site
        spelled_transform = None
        if isinstance(site, cst.Decorator):
            decorator = site.decorator
            spelled_transform = dotted_name(decorator.func if isinstance(decorator, cst.Call) else decorator)
        elif isinstance(site, cst.Call):
            spelled_transform = dotted_name(site.func)
        spelled_transform = spelled_transform or transform.qualname
        root = _function_name(why.applied.node)
        if why.chain:
            where = f"`{_function_name(traced.node)}`, called from `{why.chain[-1]}` (traced by `{spelled_transform}`)"
        else:
            where = f"`{root}`, traced by `{spelled_transform}`"
        callee = dotted_name(call.func) or "this call"
        message = (
            f"`{callee}` draws from {source} inside {where}: it runs once, at trace time, and "
            f"{_CONSEQUENCE[transform.kind]}; draw with `jax.random` from a key passed in"
        )
        self.report(call, message)


def _function_name(node: cst.CSTNode) -> str:
    if isinstance(node, cst.FunctionDef):
        return node.name.value
    return "<lambda>"
