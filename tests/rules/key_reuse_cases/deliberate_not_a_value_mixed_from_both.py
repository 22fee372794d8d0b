# case: a check of one value computed from both draws is no comparison of them: stays PRN003
# covers: deliberate reuse, near miss
import unittest

import jax
import jax.numpy as jnp


def loss(predictions, targets):
    return jnp.mean((predictions - targets) ** 2)


class LossTest(unittest.TestCase):
    def test_loss_is_positive(self):
        key = jax.random.key(0)
        predictions = jax.random.normal(key, (4,))
        targets = jax.random.uniform(key, (4,))  # expect: PRN003
        value = loss(predictions, targets)
        self.assertTrue(jnp.all(value >= 0))

    def test_compared_sides(self):
        key = jax.random.key(0)
        a = jax.random.normal(key, (4,))
        b = jax.random.normal(key, (4,))  # expect: PRN012
        self.assertTrue(jnp.all(a == b))
