# case: a key from a local seed variable is left alone (the seed is the function's own choice, not a constant key expression)
# covers: constant
import jax


def init(shape, key, offset):
    seed = 3 + offset
    key = jax.random.key(seed)
    return jax.random.uniform(key, shape)
