# case: key, *subkeys = split(key, n)
# covers: unpacked parts of split results
import jax


def sample(key):
    key, *subkeys = jax.random.split(key, 4)
    return [jax.random.normal(k) for k in subkeys], key
