# case: functools.partial binds the config, the call passes the key
# covers: evidence by caller, functools.partial
import functools

import jax


def step(config, key):
    key = jax.random.key(0)  # expect: PRN011
    return config, key


def run(config):
    for key in jax.random.split(jax.random.key(3), 4):
        functools.partial(step, config)(key)
