# case: distinct elements of one split
# covers: elements of split results
# jax: passes
import jax


def case(key):
    keys = jax.random.split(key, 3)
    return jax.random.normal(keys[0]), jax.random.normal(keys[1]), jax.random.normal(keys[2])
