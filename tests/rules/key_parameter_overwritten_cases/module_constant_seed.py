# case: a module-level seed constant is as constant as a literal
# covers: constant
import jax

SEED = 1234


def init(shape, key):
    key = jax.random.key(SEED)  # expect: PRN011
    return jax.random.uniform(key, shape)
