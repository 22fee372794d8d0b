# case: a partial that is built and never called draws nothing: the key is still fresh
# covers: functools.partial, known non-consuming uses
# jax: passes
import functools

import jax


def case(key):
    draw = functools.partial(jax.random.normal, key)
    del draw
    return jax.random.normal(key)
