# case: the documented fallback, only when the caller passed no key
# covers: real-world trap, if key is None
import jax


def init(shape, key=None):
    if key is None:
        key = jax.random.PRNGKey(0)
    return jax.random.normal(key, shape)
