# case: the default is a key, so the parameter receives keys (PRN002 reports the default)
# covers: evidence by default
import jax


def init(shape, key=jax.random.key(1)):
    key = jax.random.key(0)  # expect: PRN011
    return jax.random.normal(key, shape)
