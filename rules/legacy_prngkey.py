"""PRN005: legacy `jax.random.PRNGKey` keys instead of typed `jax.random.key` keys."""

from __future__ import annotations

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FixSpec, InsertStatementBefore, Invalid, NodeEdit, Replace, Rule, Valid
from prnglint.bindings import bindings_of
from prnglint.names import dotted_name

PRNGKEY = "jax.random.PRNGKey"
KEY = "jax.random.key"


class LegacyPRNGKey(Rule):
    """
    ## What it does
    Finds uses of `jax.random.PRNGKey`, the constructor of legacy keys: calls
    such as `jax.random.PRNGKey(0)` and the function passed on as a value
    (`jax.vmap(jax.random.PRNGKey)(seeds)`), however it was imported. The
    rule is off by default; enable it with `--extend-select PRN005`.

    ## Why is this bad?
    A legacy key is a plain `uint32[2]` array. Nothing distinguishes it from
    data, so it can be added, sliced or saved like any array by mistake, and
    JAX's key-reuse checker (`jax_debug_key_reuse`) does not track it at all:
    reusing a legacy key goes unnoticed at run time. A typed key made by
    `jax.random.key` has a key dtype and a scalar shape, refuses arithmetic,
    and is covered by the checker. Every `jax.random` function accepts both
    kinds.

    ## Example
    ```python
    import jax

    key = jax.random.PRNGKey(0)
    x = jax.random.normal(key, (3,))
    ```

    ## Use instead
    ```python
    import jax

    key = jax.random.key(0)
    x = jax.random.normal(key, (3,))
    ```

    ## Fix safety
    The fix replaces `PRNGKey` by `key`, spelled with the file's own name for
    `jax.random` (adding `import jax` when the file has none). The new key has
    a different shape and dtype: code that indexes it, compares it with
    arrays, converts it with `np.asarray`, or saves it with a serialiser that
    expects plain arrays (use `jax.random.key_data` there) changes behaviour
    or fails, so the fix is unsafe.
    """

    code = "PRN005"
    name = "legacy-prngkey"
    summary = "legacy jax.random.PRNGKey instead of a typed jax.random.key"
    words = (("jax", "PRNGKey"),)
    # Reports only names that resolve to PRNGKEY.
    qualnames = frozenset({PRNGKEY})
    default_enabled = False
    fix_applicability = Applicability.UNSAFE

    VALID = [
        Valid(
            """
            import jax

            key = jax.random.key(0)
            """
        ),
        Valid(
            """
            import jax

            def restore(data):
                return jax.random.wrap_key_data(data)
            """
        ),
        Valid(
            """
            import jax

            def describe():
                return "use jax.random.PRNGKey only for old checkpoints"
            """
        ),
        Valid(
            """
            class random:
                @staticmethod
                def PRNGKey(seed):
                    return seed

            key = random.PRNGKey(0)
            """
        ),
        Valid(
            """
            from jax.random import PRNGKeyArray

            def f(key: PRNGKeyArray):
                return key
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            key = jax.random.PRNGKey(0)
            """,
            count=1,
            line=3,
            column=7,
            expected_fix="""
            import jax

            key = jax.random.key(0)
            """,
        ),
        Invalid(
            """
            import jax.random as jr

            def init(seed):
                key = jr.PRNGKey(seed)  # legacy
                return jr.split(key)
            """,
            count=1,
            expected_fix="""
            import jax.random as jr

            def init(seed):
                key = jr.key(seed)  # legacy
                return jr.split(key)
            """,
        ),
        Invalid(
            """
            import jax
            from jax import random

            keys = jax.vmap(random.PRNGKey)(seeds)
            """,
            count=1,
            expected_fix="""
            import jax
            from jax import random

            keys = jax.vmap(random.key)(seeds)
            """,
        ),
        Invalid(
            """
            import numpy as np
            from jax.random import PRNGKey

            def make(seed):
                return PRNGKey(seed)
            """,
            count=1,
            message_contains="jax.random.key",
            expected_fix="""
            import numpy as np
            import jax
            from jax.random import PRNGKey

            def make(seed):
                return jax.random.key(seed)
            """,
        ),
        Invalid(
            """
            from jax.random import PRNGKey as K
            import jax

            a, b = K(0), K(1)
            """,
            count=2,
            expected_fix="""
            from jax.random import PRNGKey as K
            import jax

            a, b = jax.random.key(0), jax.random.key(1)
            """,
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualname(node.func) == PRNGKEY:
            self._report(node.func)

    def visit_Arg(self, node: cst.Arg) -> None:
        # The constructor handed on as a function (`vmap(PRNGKey)`, `partial(PRNGKey, ...)`).
        if isinstance(node.value, cst.Name | cst.Attribute) and self.context.qualname(node.value) == PRNGKEY:
            self._report(node.value)

    def _report(self, callee: cst.BaseExpression) -> None:
        written = dotted_name(callee) or "PRNGKey"
        spelling, edits = self._spelling_of_key(callee)
        message = (
            f"`{written}` makes a legacy uint32 key that JAX's key-reuse checker cannot track; "
            f"use `jax.random.key` for a typed key"
        )
        fix = None
        if spelling is not None:
            fix = FixSpec(
                Applicability.UNSAFE,
                f"Use `{spelling}`",
                (Replace(callee, cst.parse_expression(spelling)), *edits),
            )
        self.report(callee, message, fix=fix)

    def _spelling_of_key(self, at: cst.CSTNode) -> tuple[str | None, tuple[NodeEdit, ...]]:
        """How to name `jax.random.key` here, and any import that needs.

        Only dotted spellings are used: a bare `key` imported from `jax.random`
        would be shadowed by the many local variables called `key`.
        """
        # Only names bound before the call runs: not an import further down
        # (a later notebook cell), nor one inside another function.
        bindings = bindings_of(self.context.module)
        options = []
        for local in bindings.names_bound_to(KEY):
            bound, target = bindings.usable(local, at)
            if bound and target in ("jax", "jax.random"):
                options.append(local + KEY[len(target) :])
        if options:
            return min(options, key=lambda s: (len(s), s)), ()
        if not bindings.is_free("jax", at):
            # `jax` names something else here; no safe spelling.
            return None, ()
        anchor = bindings.import_anchor("jax", at)
        if anchor is None:
            return None, ()
        return "jax.random.key", (InsertStatementBefore(anchor, "import jax"),)
