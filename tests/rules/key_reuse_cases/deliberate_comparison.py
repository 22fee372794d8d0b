# case: a test feeding one key to two implementations; the message suggests clone or a suppression
# covers: deliberate reuse in tests
# jax: raises
import jax


def reference(key):
    return jax.random.normal(key, (3,))


def optimised(key):
    return jax.random.normal(key, (3,))


def case(key):
    expected = reference(key)
    actual = optimised(key)  # expect: PRN003
    return expected, actual
