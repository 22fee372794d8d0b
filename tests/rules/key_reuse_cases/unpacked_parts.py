# case: the unpacked parts of a split are distinct keys
# covers: unpacked parts of split results
# jax: passes
import jax


def case(key):
    a, b = jax.random.split(key)
    return jax.random.normal(a), jax.random.normal(b)
