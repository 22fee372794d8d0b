# case: a helper of the module that only draws from its key, called twice: the same split fix as for jax.random
# covers: fix, same-module summaries
# jax: raises
import jax


def init_layer(key, shape):
    return jax.random.normal(key, shape) * 0.1


def case(key):
    w = init_layer(key, (3, 3))
    b = init_layer(key, (3,))  # expect: PRN003
    return w, b
