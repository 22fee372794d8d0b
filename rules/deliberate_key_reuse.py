"""PRN012: a key reused where the code shows that identical numbers are wanted."""

from __future__ import annotations

from prnglint.engine import Invalid, Valid
from prnglint.rules.key_reuse.rule import DELIBERATE_CODE, KeyReuse


class DeliberateKeyReuse(KeyReuse):
    """
    ## What it does
    Reports what PRN003 (key-reuse) would report when the code shows that
    the identical randomness is intended. It shares PRN003's analysis of the
    file; a reuse goes to one rule or the other, never both. A reuse reads as
    deliberate when:

    - the results of the two draws reach one equality or closeness check:
      an `assert` comparing them (each `and`-ed part counts alone),
      `numpy.testing.assert_*`, `jnp.allclose`, `jnp.array_equal`,
      `jnp.isclose` (or NumPy's), `chex.assert_trees_all_close`/`_equal`,
      `eqx.tree_equal`, `jax.tree.map` of a comparison, `self.assert*` in a
      method, or a function of the module that only compares. When both
      draws are the same call with the same arguments, this is reported as
      a determinism check;
    - one key shuffles several arrays so that they stay aligned: two
      `jax.random.permutation(key, x)` calls with the same `axis` (and not
      `independent=True`), unless the code shows the arrays' lengths to
      differ (`permutation(key, 10)` and `permutation(key, 12)`, or arrays
      made by `jnp.arange(10)` and `jnp.zeros(12)`), and
      `jax.tree.map(lambda a: jax.random.permutation(key, a), batch)`;
    - the result of one of the draws is only checked for its shape, dtype or
      type (`out = f(key)` followed only by `out.shape`, `out.dtype`,
      `isinstance(out, ...)`, `len(out)`, `chex.assert_shape(out, ...)`).

    Names resolve through the imports, and results are followed through
    plain assignments. Anything else stays PRN003, whose message says when
    one of these patterns nearly matched (a comparison that sees only one of
    the two results, permutations of arrays of different lengths).

    The rule is off by default: `--extend-select PRN012` (or
    `extend-select = ["PRN012"]`) reports every reuse PRN003 used to.

    ## Why is this bad?
    Deliberate reuse is not a bug, but it is invisible: a reader (and JAX's
    own checker, `jax_debug_key_reuse`, which raises `KeyReuseError` on it)
    cannot tell it from an accident. `jax.random.clone(key)` states it, and
    keeps the numbers identical.

    ## Example
    ```python
    import jax
    import numpy as np

    def reference(key, x):
        return x * jax.random.bernoulli(key, 0.5, x.shape)

    def fast(key, x):
        return jax.numpy.where(jax.random.bernoulli(key, 0.5, x.shape), x, 0.0)

    def test_fast_matches_reference(key):
        x = np.ones(8)
        expected = reference(key, x)
        actual = fast(key, x)
        np.testing.assert_allclose(actual, expected)
    ```

    ## Use instead
    ```python
    def test_fast_matches_reference(key):
        x = np.ones(8)
        expected = reference(key, x)
        actual = fast(jax.random.clone(key), x)
        np.testing.assert_allclose(actual, expected)
    ```

    ## Fix safety
    The fix wraps the later use in `jax.random.clone(...)`, spelled as the
    file imports it (no fix where the file cannot name it). `clone` returns
    a key with the same bits and leaves its argument unconsumed, so every
    number drawn stays the same and JAX's checker accepts the code: the fix
    is safe.
    """

    code = DELIBERATE_CODE
    name = "deliberate-key-reuse"
    summary = "PRNG key reused where the code shows identical numbers are wanted (comparisons, aligned shuffles)"
    default_enabled = False

    VALID = [
        Valid(
            """
            import jax
            import numpy as np

            def reference(key, x):
                return x * jax.random.bernoulli(key, 0.5, x.shape)

            def test_reference_is_deterministic(key):
                x = np.ones(8)
                expected = reference(key, x)
                actual = reference(jax.random.clone(key), x)
                np.testing.assert_allclose(actual, expected)
            """
        ),
        Valid(
            """
            import jax
            import jax.numpy as jnp

            def test_unrelated(key):
                a = jax.random.normal(key, (3,))
                b = jax.random.uniform(key, (3,))
                assert jnp.allclose(a, 0.0) and b.max() < 1
            """
        ),
        Valid(
            """
            import jax

            def shuffle(key):
                xs = jax.random.permutation(key, 10)
                ys = jax.random.permutation(key, 12)
                return xs, ys
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax
            import numpy as np

            def reference(key, x):
                return x * jax.random.bernoulli(key, 0.5, x.shape)

            def fast(key, x):
                return jax.numpy.where(jax.random.bernoulli(key, 0.5, x.shape), x, 0.0)

            def test_fast_matches_reference(key):
                x = np.ones(8)
                expected = reference(key, x)
                actual = fast(key, x)
                np.testing.assert_allclose(actual, expected)
            """,
            count=1,
            line=13,
            message_contains="np.testing.assert_allclose",
            expected_fix="""
            import jax
            import numpy as np

            def reference(key, x):
                return x * jax.random.bernoulli(key, 0.5, x.shape)

            def fast(key, x):
                return jax.numpy.where(jax.random.bernoulli(key, 0.5, x.shape), x, 0.0)

            def test_fast_matches_reference(key):
                x = np.ones(8)
                expected = reference(key, x)
                actual = fast(jax.random.clone(key), x)
                np.testing.assert_allclose(actual, expected)
            """,
        ),
        Invalid(
            """
            import jax
            import jax.numpy as jnp

            def test_deterministic(key):
                first = jax.random.normal(key, (3,))
                second = jax.random.normal(key, (3,))
                assert jnp.array_equal(first, second)
            """,
            count=1,
            line=6,
            message_contains="determinism",
        ),
        Invalid(
            """
            import jax

            def shuffle(key, inputs, labels):
                inputs = jax.random.permutation(key, inputs)
                labels = jax.random.permutation(key, labels)
                return inputs, labels
            """,
            count=1,
            line=5,
            message_contains="aligned shuffle",
        ),
        Invalid(
            """
            import jax

            def shuffle(key, batch):
                return jax.tree.map(lambda a: jax.random.permutation(key, a), batch)
            """,
            count=1,
            message_contains="aligned shuffle",
        ),
        Invalid(
            """
            import jax

            def test_shapes(key):
                x = jax.random.normal(key, (2, 3))
                y = jax.random.uniform(key, (4,))
                assert x.shape == (2, 3)
                return y
            """,
            count=1,
            line=5,
            message_contains="shape only",
        ),
    ]
