# case: a subkey name the function already uses sends the whole group back to numbered names, which skip taken ones too
# covers: fix
import jax


def sample(key, a_key, key_1):
    a = jax.random.normal(key)
    b = jax.random.normal(key)  # expect: PRN003
    return a + b + a_key + key_1
