# case: the fix picks subkey names the function does not use yet
# covers: fix
import jax


def sample(key, key_1):
    a = jax.random.normal(key)
    b = jax.random.normal(key)  # expect: PRN003
    return a + b + key_1
