# case: keys[i] in a loop over i
# covers: elements of split results
import jax


def sample(key, n):
    keys = jax.random.split(key, n)
    return [jax.random.normal(keys[i]) for i in range(n)]
