"""PRN002: a key (or `nnx.Rngs`) used as a default value."""

from __future__ import annotations

import libcst as cst

from prnglint.engine import FileContext, Invalid, Rule, Valid
from prnglint.names import iter_statements
from prnglint.rules import _jax


class KeyInDefault(Rule):
    """
    ## What it does
    Finds keys created in default values: parameter defaults of `def`,
    `async def` and `lambda` (positional or keyword-only); class-level field
    defaults of dataclasses, `flax.struct` classes, `equinox.Module`s and
    `NamedTuple`s, whether written directly (`key: Array = jax.random.key(0)`),
    through `field(default=...)`, or as a `default_factory` that always makes
    the same key (`lambda: jax.random.key(0)`,
    `functools.partial(jax.random.key, 0)`); and defaults that name a
    module-level key (`DEFAULT_KEY = jax.random.key(0)` … `key=DEFAULT_KEY`).
    An `nnx.Rngs(...)` default is reported too.

    ## Why is this bad?
    A default is evaluated once, when the `def` or class statement runs, so
    every call that omits the argument receives the very same key: two
    "independent" initialisations draw identical weights, and a training loop
    that forgets to pass the key reuses it at every step. Under `jit` the key
    becomes a constant baked into the compiled function. A default `nnx.Rngs`
    is one mutable object shared by every call. JAX's own key-reuse checker
    cannot see any of this for legacy `PRNGKey` arrays.

    ## Example
    ```python
    import jax

    def init_params(shape, key=jax.random.key(0)):
        return jax.random.normal(key, shape)
    ```

    ## Use instead
    ```python
    import jax

    def init_params(shape, *, key):
        return jax.random.normal(key, shape)
    ```

    ## Fix safety
    The fix removes the default and makes the parameter a required
    keyword-only argument (a field default becomes a required field). Callers
    that relied on the default stop working until they pass a key, so the fix
    is unsafe.
    """

    code = "PRN002"
    name = "key-in-default"
    summary = "PRNG key or nnx.Rngs used as a parameter or field default"
    words = _jax.JAX_RANDOM_WORDS + _jax.RNGS_WORDS

    VALID = [
        Valid(
            """
            import jax

            def init(shape, *, key):
                return jax.random.normal(key, shape)
            """
        ),
        Valid(
            """
            import jax

            def init(shape, key=None):
                if key is None:
                    raise ValueError("pass a key")
                return jax.random.normal(key, shape)
            """
        ),
        Valid(
            """
            import jax

            def sample(key, fn=jax.random.normal):
                return fn(key)
            """
        ),
        Valid(
            """
            import dataclasses
            import jax

            @dataclasses.dataclass
            class Config:
                seed: int = 0

                def key(self):
                    return jax.random.key(self.seed)
            """
        ),
        Valid(
            """
            import jax

            class Plain:
                def method(self, key=None):
                    return key
            """
        ),
        Valid(
            """
            import jax

            def f(x=jax.numpy.zeros(3)):
                return x
            """
        ),
        Valid(
            """
            import equinox as eqx
            import jax

            class Layer(eqx.Module):
                key: jax.Array

                def __init__(self, *, key):
                    self.key = key
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            def init_params(shape, key=jax.random.key(0)):
                return jax.random.normal(key, shape)
            """,
            count=1,
            line=3,
            column=28,
        ),
        Invalid(
            """
            from jax import random

            async def sample(*, key=random.PRNGKey(1)):
                return random.uniform(key)
            """,
            count=1,
        ),
        Invalid(
            """
            import jax.random as jr

            noise = lambda shape, key=jr.split(jr.key(0))[0]: jr.normal(key, shape)
            """,
            count=1,
        ),
        Invalid(
            """
            import jax

            DEFAULT_KEY = jax.random.key(0)

            def dropout(x, rate, key=DEFAULT_KEY):
                return x
            """,
            count=1,
            line=5,
            message_contains="DEFAULT_KEY",
        ),
        Invalid(
            """
            import dataclasses
            import jax

            @dataclasses.dataclass
            class State:
                step: int = 0
                key: jax.Array = jax.random.key(0)
            """,
            count=1,
            line=7,
        ),
        Invalid(
            """
            from dataclasses import dataclass, field
            import functools
            import jax

            @dataclass(frozen=True)
            class State:
                a: jax.Array = field(default=jax.random.PRNGKey(0))
                b: jax.Array = field(default_factory=lambda: jax.random.key(0))
                c: jax.Array = field(default_factory=functools.partial(jax.random.key, 0))
            """,
            count=3,
        ),
        Invalid(
            """
            import equinox as eqx
            import jax

            class Base(eqx.Module):
                pass

            class Layer(Base):
                key: jax.Array = eqx.field(default=jax.random.key(0))
            """,
            count=1,
        ),
        Invalid(
            """
            from typing import NamedTuple
            import jax

            class Carry(NamedTuple):
                x: jax.Array
                key: jax.Array = jax.random.key(0)
            """,
            count=1,
        ),
        Invalid(
            """
            import flax.struct
            import jax

            @flax.struct.dataclass
            class TrainState:
                rng: jax.Array = jax.random.PRNGKey(0)
            """,
            count=1,
        ),
        Invalid(
            """
            from flax import nnx

            class Model(nnx.Module):
                def __init__(self, din, dout, rngs: nnx.Rngs = nnx.Rngs(0)):
                    self.linear = nnx.Linear(din, dout, rngs=rngs)
            """,
            count=1,
            message_contains="nnx.Rngs",
        ),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._module_keys: dict[str, int] | None = None
        self._field_classes: set[str] = set()

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self._check_default(node.default, "parameter")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not _jax.is_field_class(node, self.context, self._field_classes):
            return
        self._field_classes.add(node.name.value)
        if not isinstance(node.body, cst.IndentedBlock):
            return
        for line in node.body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for statement in line.body:
                if isinstance(statement, cst.AnnAssign) and statement.value is not None:
                    self._check_field(statement.value)

    def _check_field(self, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.Call) and self.context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
            for arg in value.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "default":
                    self._check_default(arg.value, "field")
                elif arg.keyword.value == "default_factory" and self._constant_key_factory(arg.value):
                    self.report(
                        arg.value,
                        "this `default_factory` makes the same key for every instance; "
                        "make the key a required field and pass one in",
                    )
            return
        self._check_default(value, "field")

    def _constant_key_factory(self, factory: cst.BaseExpression) -> bool:
        if isinstance(factory, cst.Lambda):
            return not factory.params.params and _jax.produces_key(factory.body, self.context)
        if isinstance(factory, cst.Call) and self.context.qualname(factory.func) == "functools.partial":
            if factory.args and factory.args[0].keyword is None:
                kind = _jax.random_kind(self.context.qualname(factory.args[0].value))
                return kind in ("constructor", "deriver", "rngs")
        return False

    def _check_default(self, value: cst.BaseExpression, where: str) -> None:
        if _jax.produces_key(value, self.context):
            is_rngs = isinstance(value, cst.Call) and _jax.call_kind(value, self.context) == "rngs"
            if is_rngs:
                message = (
                    f"a {where} default of `nnx.Rngs(...)` is one object shared and mutated by every use; "
                    "make it a required argument"
                )
            else:
                message = (
                    f"a key made in a {where} default is the same key at every use; "
                    "make it a required keyword-only argument and pass a fresh key"
                )
            self.report(value, message)
        elif isinstance(value, cst.Name):
            line = self._keys_at_module_level().get(value.value)
            if line is not None:
                self.report(
                    value,
                    f"`{value.value}` is a key made at import time (line {line}), so this {where} default "
                    "is the same key at every use; make it a required keyword-only argument",
                )

    def _keys_at_module_level(self) -> dict[str, int]:
        """Module-level names bound to a key, with the line that binds them."""
        if self._module_keys is None:
            self._module_keys = {}
            for statement in _module_level_statements(self.context.module):
                if isinstance(statement, cst.Assign) and _jax.produces_key(statement.value, self.context):
                    for target in statement.targets:
                        for name in _bound_names(target.target):
                            self._module_keys[name] = self.context.line_of(statement)
                elif (
                    isinstance(statement, cst.AnnAssign)
                    and statement.value is not None
                    and isinstance(statement.target, cst.Name)
                    and _jax.produces_key(statement.value, self.context)
                ):
                    self._module_keys[statement.target.value] = self.context.line_of(statement)
        return self._module_keys


def _module_level_statements(module: cst.Module) -> list[cst.CSTNode]:
    """Statements that run at import time: module scope and module-level blocks, not defs or classes."""
    result: list[cst.CSTNode] = []
    for statement in iter_statements(module):
        result.append(statement)
    # iter_statements also enters def and class bodies; keep only what those do not contain.
    inner: set[int] = set()
    for statement in result:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            inner.update(id(s) for s in iter_statements(statement.body))
    return [s for s in result if id(s) not in inner]


def _bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        names: list[str] = []
        for element in target.elements:
            names.extend(_bound_names(element.value))
        return names
    return []
