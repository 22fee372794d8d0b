# case: keys passed by keyword to a same-module helper
# covers: same-module summaries
import jax


def draw(shape, *, key):
    return jax.random.normal(key, shape)


def pair(key):
    return draw((2,), key=key), draw((3,), key=key)  # expect: PRN003
