# case: the key is made from the caller's seed, not a constant
# covers: real-world trap, constant
import jax


def init(shape, seed):
    key = jax.random.key(seed)
    return jax.random.normal(key, shape)
