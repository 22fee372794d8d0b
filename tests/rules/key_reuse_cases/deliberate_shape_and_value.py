# case: a draw checked for its shape and also used for its value stays PRN003
# covers: deliberate reuse in tests, real-world bug
import jax


def value_used(key):
    x = jax.random.normal(key, (2, 3))
    y = jax.random.uniform(key, (2, 3))  # expect: PRN003
    assert x.shape == y.shape
    return x + y


def returned(key):
    x = jax.random.normal(key, (2, 3))
    assert x.shape == (2, 3)
    y = jax.random.uniform(key, (4,))  # expect: PRN003
    return x, y
