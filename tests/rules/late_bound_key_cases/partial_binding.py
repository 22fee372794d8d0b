# case: functools.partial binds the key's current value
# covers: trap, partial
import functools

import jax


def noise_fns(key, n):
    fns = []
    for k in jax.random.split(key, n):
        fns.append(functools.partial(jax.random.normal, k))
    return fns
