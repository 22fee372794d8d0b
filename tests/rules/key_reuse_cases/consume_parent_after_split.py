# case: the parent is used after it was split
# covers: consumption
# jax: raises
import jax


def case(key):
    k1, k2 = jax.random.split(key)
    return jax.random.normal(k1), jax.random.normal(key)  # expect: PRN003
