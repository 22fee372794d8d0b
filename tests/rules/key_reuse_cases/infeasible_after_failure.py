# case: nothing runs after `assert False`, `pytest.fail`, `self.fail` or `sys.exit`
# covers: infeasible paths, raise
import sys
import unittest

import jax
import pytest


def check_with_pytest(key, flag):
    if flag:
        x = jax.random.normal(key)
        pytest.fail(f"unexpected {x}")
    return jax.random.uniform(key)


def check_with_assert(key, flag):
    if flag:
        x = jax.random.normal(key)
        assert False, x
    return jax.random.uniform(key)


def check_with_exit(key, flag):
    if flag:
        print(jax.random.normal(key))
        sys.exit(1)
    return jax.random.uniform(key)


def assert_true_runs_on(key, flag):
    if flag:
        x = jax.random.normal(key)
        assert True, x
    return jax.random.uniform(key)  # expect: PRN003


class DrawTest(unittest.TestCase):
    def test_draw(self, key=None, flag=True):
        if flag:
            x = jax.random.normal(key)
            self.fail(f"unexpected {x}")
        self.assertIsNotNone(jax.random.uniform(key))


class NotATestCase:
    def draw(self, key, flag):
        if flag:
            x = jax.random.normal(key)
            other.fail(x)
        return jax.random.uniform(key)  # expect: PRN003
