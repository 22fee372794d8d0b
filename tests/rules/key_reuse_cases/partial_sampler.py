# case: a key bound into a partial sampler is consumed once when the partial is made
# covers: passing a key to any other call
import functools

import jax


def sample(key):
    draw = functools.partial(jax.random.normal, key)
    again = functools.partial(jax.random.uniform, key)  # expect: PRN003
    return draw(), again()
