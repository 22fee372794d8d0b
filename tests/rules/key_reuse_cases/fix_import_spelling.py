# case: the fix spells split as the file imports it
# covers: fix
from jax.random import normal, split, uniform


def sample(rng):
    x = normal(rng, (3,)) + uniform(rng, (3,))  # expect: PRN003
    return x
