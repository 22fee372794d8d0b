# case: legacy uint32 keys are not checked at runtime at all; prnglint checks them
# covers: legacy keys, consumption
import jax


def init(seed):
    key = jax.random.PRNGKey(seed)
    w = jax.random.normal(key, (3, 3))
    b = jax.random.normal(key, (3,))  # expect: PRN003
    return w, b
