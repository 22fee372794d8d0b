# case: one partial called twice draws twice from the key it binds
# covers: functools.partial, real-world bug
# jax: raises
import functools

import jax


def case(key):
    draw = functools.partial(jax.random.normal, key, (2,))
    a = draw()
    b = draw()  # expect: PRN003
    return a, b
