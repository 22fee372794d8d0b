"""PRN001: a key made, derived or sampled when the module is imported."""

from __future__ import annotations

import libcst as cst

from prnglint.engine import Invalid, Rule, Valid
from prnglint.rules import _jax

_WHAT = {
    "constructor": "makes a key",
    "deriver": "derives a key",
    "sampler": "draws random numbers",
    "rngs": "creates an `nnx.Rngs`",
}


class ImportTimeKey(Rule):
    """
    ## What it does
    Finds `jax.random` calls (key constructors such as `key`, `PRNGKey` and
    `wrap_key_data`, derivers such as `split` and `fold_in`, and every sampler)
    and `flax.nnx.Rngs(...)` that run when the module is imported: at module
    scope or in a class body, including inside module-level `if`, `try`,
    `with` and `for` statements.

    Code inside `def` and `lambda` bodies, under `if __name__ == "__main__":`
    and under `if TYPE_CHECKING:` does not run at import time and is not
    reported. Parameter defaults and dataclass-style field defaults are left to
    PRN002. Jupyter notebooks are not checked by this rule: their top level is
    run, not imported.

    ## Why is this bad?
    A key made at import time is a hidden global. Every importer, every test
    and every process of a distributed job starts from the same key, whatever
    seed the run was given; it is not part of the training state, so a
    checkpoint does not capture it and a resumed run diverges from an
    uninterrupted one. Drawing random numbers at import time also makes
    importing slow and initialises the JAX backend as a side effect.

    ## Example
    ```python
    import jax

    KEY = jax.random.key(0)
    NOISE = jax.random.normal(KEY, (128,))

    def train(params):
        ...
    ```

    ## Use instead
    ```python
    import jax

    def train(params, seed: int):
        key = jax.random.key(seed)
        key, noise_key = jax.random.split(key)
        noise = jax.random.normal(noise_key, (128,))
        ...
    ```

    ## Fix safety
    There is no automatic fix: where the key should come from (a seed
    argument, the training state, a checkpoint) is a design decision.
    """

    code = "PRN001"
    name = "import-time-key"
    summary = "PRNG key made, derived or sampled at import time"
    words = _jax.JAX_RANDOM_WORDS + _jax.RNGS_WORDS
    # Reports only calls whose `random_kind` is not None.
    qualnames = _jax.RANDOM_QUALNAMES
    # A notebook's top level is run, not imported: nothing happens "at import time".
    applies_to_notebooks = False

    VALID = [
        Valid(
            """
            import jax

            def init(seed):
                return jax.random.key(seed)
            """
        ),
        Valid(
            """
            import jax

            make = lambda seed: jax.random.PRNGKey(seed)
            """
        ),
        Valid(
            """
            import jax

            if __name__ == "__main__":
                key = jax.random.key(0)
                print(jax.random.normal(key))
            """
        ),
        Valid(
            """
            from typing import TYPE_CHECKING
            import jax

            if TYPE_CHECKING:
                EXAMPLE = jax.random.key(0)
            """
        ),
        Valid(
            """
            import numpy as np
            import random

            rng = np.random.default_rng(0)
            x = random.random()
            """
        ),
        Valid(
            """
            import jax

            data_fn = jax.random.normal
            IMPL = jax.random.key_impl
            """
        ),
        Valid(
            """
            import jax

            def train(key=jax.random.key(0)):
                ...
            """
        ),
        Valid(
            """
            import dataclasses
            import jax

            @dataclasses.dataclass
            class Config:
                key: jax.Array = jax.random.key(0)
            """
        ),
        Valid(
            """
            from flax import nnx

            class Model(nnx.Module):
                def __init__(self, rngs: nnx.Rngs):
                    self.linear = nnx.Linear(2, 3, rngs=rngs)

            def build():
                return Model(nnx.Rngs(0))
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            KEY = jax.random.key(0)
            """,
            count=1,
            line=3,
            column=7,
            message_contains="`jax.random.key`",
        ),
        Invalid(
            """
            import jax.random as jr

            noise = jr.normal(jr.PRNGKey(42), (3,))
            """,
            count=1,
        ),
        Invalid(
            """
            from jax import random

            key = random.PRNGKey(0)
            key, sub = random.split(key)
            """,
            count=2,
        ),
        Invalid(
            """
            from jax.random import PRNGKey as K

            try:
                KEY = K(0)
            except ImportError:
                KEY = None
            """,
            count=1,
            line=4,
        ),
        Invalid(
            """
            import jax

            for i in range(3):
                keys = jax.random.fold_in(jax.random.key(0), i)
            """,
            count=1,
        ),
        Invalid(
            """
            import jax

            class Model:
                key = jax.random.key(0)
            """,
            count=1,
            line=4,
        ),
        Invalid(
            """
            from flax import nnx

            rngs = nnx.Rngs(params=0, dropout=1)
            """,
            count=1,
            message_contains="nnx.Rngs",
        ),
        Invalid(
            """
            import jax

            jr = jax.random
            with open("seed") as f:
                KEY = jr.key(int(f.read()))
            """,
            count=1,
        ),
        Invalid(
            """
            import jax

            if __name__ != "__main__":
                KEY = jax.random.key(0)
            else:
                pass
            """,
            count=1,
        ),
        Invalid(
            """
            import jax

            if __name__ == "__main__":
                pass
            else:
                KEY = jax.random.key(0)
            """,
            count=1,
            line=6,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        # Nesting of code that does not run at import time (function bodies,
        # lambdas, main/TYPE_CHECKING guards) or that PRN002 owns (defaults).
        self._deferred = 0
        self._deferred_blocks: set[int] = set()
        self._reported_calls: list[cst.Call] = []
        self._classes: list[bool] = []
        self._field_classes: set[str] = set()

    # Code that does not run at import time.
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._deferred_blocks.add(id(node.body))

    def visit_If(self, node: cst.If) -> None:
        if self._deferred == 0 and _jax.is_module_level_main_guard(node.test, self.context):
            self._deferred_blocks.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._deferred_blocks:
            self._deferred += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        if id(original_node) in self._deferred_blocks:
            self._deferred -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        if id(node) in self._deferred_blocks:
            self._deferred += 1

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        if id(original_node) in self._deferred_blocks:
            self._deferred -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._deferred += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._deferred -= 1

    # Defaults belong to PRN002.
    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            self._deferred += 1

    def leave_Param(self, original_node: cst.Param) -> None:
        if original_node.default is not None:
            self._deferred -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        is_fields = _jax.is_field_class(node, self.context, self._field_classes)
        if is_fields:
            self._field_classes.add(node.name.value)
        self._classes.append(is_fields)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._classes and self._classes[-1] and self._deferred == 0:
            self._deferred_blocks.add(id(node))
            self._deferred += 1

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        if id(original_node) in self._deferred_blocks:
            self._deferred -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if self._deferred or self._reported_calls:
            return
        kind = _jax.call_kind(node, self.context)
        if kind is None:
            return
        self._reported_calls.append(node)
        callee = _jax.spelled(node)
        if kind == "rngs":
            message = (
                f"`{callee}(...)` creates an `nnx.Rngs` at import time: every importer shares its keys "
                "and counters; create it inside a function from a seed argument"
            )
        else:
            message = (
                f"`{callee}` {_WHAT[kind]} at import time: every import starts from the same key, outside "
                "the training state; create keys inside a function from a seed argument"
            )
        self.report(node, message)

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._reported_calls and self._reported_calls[-1] is original_node:
            self._reported_calls.pop()
