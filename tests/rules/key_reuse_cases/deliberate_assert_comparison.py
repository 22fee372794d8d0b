# case: a test gives one key to two implementations and compares their results: deliberate (PRN012)
# covers: deliberate reuse in tests
# jax: raises
import jax
import jax.numpy as jnp
import numpy as np


def reference(key):
    return jax.random.normal(key, (3,))


def optimised(key):
    return jax.random.normal(key, (3,)) + 0.0


def case(key):
    # Jittable, so that the runtime checker can judge it eagerly and traced.
    expected = reference(key)
    actual = optimised(key)  # expect: PRN012
    return jnp.allclose(actual, expected)


def with_testing(key):
    expected = reference(key)
    actual = optimised(key)  # expect: PRN012
    np.testing.assert_allclose(actual, expected)
    return actual


def with_assert(key):
    expected = reference(key)
    actual = optimised(key) * 1.0  # expect: PRN012
    diff = actual - expected
    assert jnp.abs(diff).max() < 1e-6


def with_allclose(key):
    assert jnp.allclose(reference(key), optimised(key))  # expect: PRN012
