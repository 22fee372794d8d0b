# case: three draws from a key that is read afterwards: split(key, 4) rebinds it and names three subkeys
# covers: fix, consumption
# jax: raises
import jax


def case(key):
    w = jax.random.normal(key, (2, 2))
    b = jax.random.normal(key, (2,))  # expect: PRN003
    scale = jax.random.uniform(key)  # expect: PRN003
    return w * scale + b, jax.random.key_data(key)
