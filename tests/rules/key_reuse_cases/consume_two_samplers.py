# case: two samplers on one key draw the same bits
# covers: consumption, typed keys
# jax: raises
import jax


def case(key):
    a = jax.random.normal(key, (3,))
    b = jax.random.uniform(key, (3,))  # expect: PRN003
    return a, b
