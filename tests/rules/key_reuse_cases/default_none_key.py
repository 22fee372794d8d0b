# case: a key made only when none was given
# covers: is None, branches
import jax


def sample(shape, key=None):
    if key is None:
        key = jax.random.key(0)
    return jax.random.normal(key, shape)
