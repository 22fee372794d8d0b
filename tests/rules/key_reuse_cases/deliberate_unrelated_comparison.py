# case: comparisons that see only one of the two results, or each result on its own, stay PRN003
# covers: deliberate reuse in tests, real-world bug
import jax
import jax.numpy as jnp


def each_on_its_own(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))  # expect: PRN003
    assert jnp.all(a < 10) and jnp.all(b < 1)


def against_a_constant(key, expected):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))  # expect: PRN003
    assert jnp.allclose(a, expected)
    return b


def helper_that_also_draws(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))  # expect: PRN003
    return not_only_compares(a, b)


def not_only_compares(a, b):
    noise = a + b
    return jnp.allclose(noise, 0.0)
