# case: the parameter is read before it is rebound: the author has seen it
# covers: before any use
import jax


def run(cfg, key):
    print("caller key", key)
    key = jax.random.key(0)
    return jax.random.normal(key)
