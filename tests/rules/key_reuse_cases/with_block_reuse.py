# case: a with block does not separate two uses
# covers: with
# jax: raises
import contextlib

import jax


def case(key):
    with contextlib.nullcontext():
        x = jax.random.normal(key)
    return x + jax.random.uniform(key)  # expect: PRN003
