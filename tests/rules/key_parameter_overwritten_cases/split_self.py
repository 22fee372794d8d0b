# case: splitting the parameter into itself keeps the caller's key
# covers: real-world trap
import jax


def init(shape, key):
    key, sub = jax.random.split(key)
    return jax.random.normal(sub, shape), key
