# case: a comprehension over the keys of one split
# covers: comprehensions, elements of split results
# jax: passes
import jax


def case(key):
    return [jax.random.normal(k) for k in jax.random.split(key, 3)]
