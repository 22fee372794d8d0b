# case: comparisons through self.assert*, chex, equinox, jax.tree.map and a module helper that only compares
# covers: deliberate reuse in tests
import unittest

import chex
import equinox as eqx
import jax
import jax.numpy as jnp


def reference(key):
    return jax.random.normal(key, (3,))


def optimised(key):
    return jax.random.normal(key, (3,))


def assert_close(a, b):
    """Only compares."""
    assert jnp.allclose(a, b, atol=1e-6)


def check_helper(key):
    a = reference(key)
    b = optimised(key)  # expect: PRN012
    assert_close(a, b)


def check_chex(key):
    a = {"w": reference(key)}
    b = {"w": optimised(key)}  # expect: PRN012
    chex.assert_trees_all_close(a, b)


def check_equinox(key):
    a = reference(key)
    b = optimised(key)  # expect: PRN012
    return eqx.tree_equal(a, b)


def check_tree_map(key):
    a = reference(key)
    b = optimised(key)  # expect: PRN012
    return jax.tree.all(jax.tree.map(jnp.allclose, a, b))


class ReferenceTest(unittest.TestCase):
    def test_matches(self, key=None):
        a = reference(key)
        b = optimised(key)  # expect: PRN012
        self.assertTrue(jnp.allclose(a, b))
