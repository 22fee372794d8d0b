# case: unpacking a split of a constant key rebinds the parameter too
# covers: unpacked parts of split results
import jax


def init(shape, key):
    key, sub = jax.random.split(jax.random.PRNGKey(0))  # expect: PRN011
    return jax.random.normal(sub, shape), jax.random.normal(key, shape)
