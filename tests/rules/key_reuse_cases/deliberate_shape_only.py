# case: a draw whose value is only checked for shape, dtype or type: the identical numbers do not matter (PRN012)
# covers: deliberate reuse in tests
# jax: raises
import chex
import jax


def case(key):
    x = jax.random.normal(key, (2, 3))
    y = jax.random.uniform(key, (4,))  # expect: PRN012
    assert x.shape == (2, 3) and x.dtype == y.dtype
    return y


def with_chex(key):
    out = jax.random.normal(key, (2,))
    chex.assert_shape(out, (2,))
    return jax.random.uniform(key)  # expect: PRN012


def inline(key):
    assert jax.random.normal(key, (2,)).shape == (2,)
    return jax.random.uniform(key)  # expect: PRN012
