# case: a rebinding under a condition is not unconditional
# covers: if key is None, with
import jax


def init(shape, key, deterministic):
    if deterministic:
        key = jax.random.key(0)
    return jax.random.normal(key, shape)
