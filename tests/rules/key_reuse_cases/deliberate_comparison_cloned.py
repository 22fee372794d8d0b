# case: the same test with jax.random.clone is fine
# covers: deliberate reuse in tests, clone
# jax: passes
import jax


def reference(key):
    return jax.random.normal(key, (3,))


def optimised(key):
    return jax.random.normal(key, (3,))


def case(key):
    expected = reference(jax.random.clone(key))
    actual = optimised(key)
    return expected, actual
