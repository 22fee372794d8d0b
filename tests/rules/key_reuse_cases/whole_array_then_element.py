# case: the whole array of keys goes to vmap, then its first element is used again
# covers: elements of split results
# jax: raises
import jax


def case(key):
    keys = jax.random.split(key, 3)
    ys = jax.vmap(lambda k: jax.random.normal(k))(keys)
    return ys, jax.random.normal(keys[0])  # expect: PRN003
