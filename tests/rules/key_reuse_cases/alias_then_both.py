# case: a second name for the same key
# covers: names, aliases
# jax: raises
import jax


def case(key):
    other = key
    return jax.random.normal(key), jax.random.normal(other)  # expect: PRN003
