# case: a key used by a sampler and then split
# covers: consumption, split consumes
# jax: raises
import jax


def case(key):
    noise = jax.random.normal(key, (2,))
    key, sub = jax.random.split(key)  # expect: PRN003
    return noise, jax.random.normal(sub)
