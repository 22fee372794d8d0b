# case: the annotation says the parameter is a key; the new key is only stored
# covers: evidence by annotation
import chex
import jax


class Sampler:
    def __init__(self, key: chex.PRNGKey):
        key = jax.random.key(0)  # expect: PRN011
        self.key = key
