# case: two statements assigning one name would give two subkeys the same name: numbered names instead
# covers: fix
# jax: raises
import jax


def case(key):
    x = jax.random.normal(key, (3,))
    x = x + jax.random.normal(key, (3,))  # expect: PRN003
    x = x * jax.random.uniform(key, (3,))  # expect: PRN003
    return x
