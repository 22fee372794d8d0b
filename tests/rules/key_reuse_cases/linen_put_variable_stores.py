# case: linen's put_variable and sow keep a key in a collection; storing one key twice is no draw
# covers: real-world trap
import flax.linen as nn
import jax


class Keeper(nn.Module):
    @nn.compact
    def __call__(self, x):
        key = jax.random.key(0)
        self.put_variable("state", "rng_params", key)
        self.put_variable("state", "rng_loop", key)
        self.sow("intermediates", "key", key)
        return x + jax.random.normal(key, x.shape)


def draws_after_storing(module, key):
    module.put_variable("state", "rng", key)
    a = jax.random.normal(key)
    b = jax.random.uniform(key)  # expect: PRN003
    return a, b
