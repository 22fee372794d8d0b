# case: the file cannot spell split with its imports, so no fix is offered
# covers: fix
from jax.random import normal


def sample(key):
    return normal(key), normal(key)  # expect: PRN003
