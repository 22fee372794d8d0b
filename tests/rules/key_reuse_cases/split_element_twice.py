# case: one element of a split used twice
# covers: elements of split results
# jax: raises
import jax


def case(key):
    keys = jax.random.split(key, 3)
    return jax.random.normal(keys[0]), jax.random.uniform(keys[0])  # expect: PRN003
