# case: three draws from one key in straight-line code: one split gives each its own subkey
# covers: fix, consumption
import jax


def init(key, dim):
    w = jax.random.normal(key, (dim, dim))
    b = jax.random.normal(key, (dim,))  # expect: PRN003
    scale = jax.random.uniform(key)  # expect: PRN003
    return w * scale, b
