# case: the fallback written as a conditional expression reads the parameter
# covers: real-world trap, if key is None
import jax


def init(shape, rng_key=None):
    rng_key = jax.random.key(11) if rng_key is None else rng_key
    return jax.random.normal(rng_key, shape)
