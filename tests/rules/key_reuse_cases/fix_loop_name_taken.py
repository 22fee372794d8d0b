# case: the names the loop fix would choose (`x_key`, `subkey`) are taken in the function: it numbers them further
# covers: fix, for loops
# jax: raises
# fix: safe
import jax


def case(key):
    x_key = subkey = 0
    total = 0.0
    for _ in range(2):
        x = jax.random.normal(key)  # expect: PRN003
        total = total + x
    return total, x_key, subkey
