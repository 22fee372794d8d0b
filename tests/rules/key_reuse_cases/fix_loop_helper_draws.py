# case: a helper of the module that draws is called with the same key on every iteration: the same loop fix as for jax.random
# covers: fix, for loops, same-module summaries
# jax: raises
# fix: safe
import jax


def init_layer(n, *, key):
    return jax.random.normal(key, (n,)) * 0.1


def case(key):
    layers = []
    for width in (2, 3, 4):
        layers.append(init_layer(width, key=key))  # expect: PRN003
    return layers
