# case: a helper that draws but also hands its key to an unknown call: the fix is offered as unsafe only
# covers: fix, same-module summaries
import jax
from mylib import remember


def init_layer(key, shape):
    remember(key)
    return jax.random.normal(key, shape)  # expect: PRN003


def build(key):
    w = init_layer(key, (3, 3))
    b = init_layer(key, (3,))  # expect: PRN003
    return w, b
