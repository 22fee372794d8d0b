# case: building a partial draws nothing; calling two partials bound to one key reuses it
# covers: passing a key to any other call, functools.partial
# jax: raises
import functools

import jax


def case(key):
    draw = functools.partial(jax.random.normal, key)
    again = functools.partial(jax.random.uniform, key)
    return draw(), again()  # expect: PRN003
